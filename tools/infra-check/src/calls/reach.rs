//! Reachability: from every fn of `functions/<name>/src`, calls and fn references are followed
//! through `shared/src` (by name; methods on `store`, `media`, `queue`, `secrets` and `usage()`
//! resolve to that adapter's impl only), collecting the calls each reached fn makes.

use super::body::{BodyVisitor, Edge, Facts, secret_refs};
use super::source::parse_dir;
use super::{FunctionCalls, Origin};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use syn::visit::Visit;

/// Adapter fields / accessor methods and their impl type.
const ADAPTERS: &[(&str, &str)] = &[
    ("store", "Store"),
    ("usage", "UsageStore"),
    ("media", "Media"),
    ("queue", "Queue"),
    ("secrets", "Secrets"),
];

/// The shared fn every request of an authenticated route passes before its handler
/// (`shared/src/gate.rs`): a root of each gated function's walk, though no function crate
/// calls it (the runtime and the local gateway do).
pub const GATE_FN: &str = "account_gate";

/// Each function's AWS calls (with where they are made), from its crate and `shared/`; a
/// function in `gated` (one with an authenticated route) also from [`GATE_FN`].
pub fn function_calls(
    root: &Path,
    functions: &BTreeSet<String>,
    gated: &BTreeSet<String>,
) -> Result<BTreeMap<String, FunctionCalls>, Vec<String>> {
    let mut fns = Vec::new();
    let mut errors = Vec::new();
    if let Err(e) = parse_dir(root, "shared/src", "shared", &mut fns) {
        return Err(vec![e]);
    }
    for f in functions {
        if let Err(e) = parse_dir(root, &format!("functions/{f}/src"), f, &mut fns) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let facts: Vec<Facts> = fns
        .iter()
        .map(|f| {
            let mut facts = Facts::default();
            let mut v = BodyVisitor {
                facts: &mut facts,
                here: format!("{} ({})", f.label(), f.file),
            };
            v.visit_block(&f.block);
            facts
        })
        .collect();
    for f in &facts {
        errors.extend(f.errors.iter().cloned());
    }

    let adapter_types: BTreeSet<&str> = ADAPTERS.iter().map(|(_, t)| *t).collect();
    let origin = |i: usize| Origin {
        func: fns[i].label(),
        file: fns[i].file.clone(),
    };

    let mut out = BTreeMap::new();
    for function in functions {
        let visible = |i: usize| fns[i].krate == "shared" || fns[i].krate == *function;
        let mut seen = BTreeSet::new();
        let gate = gated.contains(function);
        let mut stack: Vec<usize> = (0..fns.len())
            .filter(|&i| {
                fns[i].krate == *function || (gate && fns[i].krate == "shared" && fns[i].owner.is_none() && fns[i].name == GATE_FN)
            })
            .collect();
        if gate && !stack.iter().any(|&i| fns[i].krate == "shared") {
            errors.push(format!("{function} has an authenticated route but shared/src has no fn {GATE_FN}"));
        }
        let mut calls = FunctionCalls::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            for c in &facts[i].calls {
                calls.entry(c.clone()).or_default().insert(origin(i));
            }
            for e in &facts[i].edges {
                let targets: Vec<usize> = match e {
                    Edge::Method { name, hint, args } => {
                        let adapter = hint
                            .as_deref()
                            .and_then(|h| ADAPTERS.iter().find(|(f, _)| *f == h))
                            .map(|(_, t)| *t);
                        if adapter == Some("Secrets") && name == "get" {
                            let names = secret_refs(args);
                            if names.is_empty() {
                                errors.push(format!(
                                    "{}: cannot tell which secret secrets.get(..) reads (pass config.<name>_secret_id)",
                                    fns[i].label()
                                ));
                            }
                            for n in names {
                                calls
                                    .entry(("secretsmanager:GetSecretValue".into(), format!("secret-env:{n}")))
                                    .or_default()
                                    .insert(origin(i));
                            }
                        }
                        let want_owner: Option<&str> = match (hint.as_deref(), adapter) {
                            (Some("self"), _) => fns[i].owner.as_deref(),
                            (_, Some(t)) => Some(t),
                            _ => None,
                        };
                        (0..fns.len())
                            .filter(|&j| visible(j) && fns[j].name == *name && fns[j].owner.is_some())
                            .filter(|&j| match want_owner {
                                Some(o) => fns[j].owner.as_deref() == Some(o),
                                None => !adapter_types.contains(fns[j].owner.as_deref().unwrap_or("")),
                            })
                            .collect()
                    }
                    Edge::Path { segments } => {
                        let last = segments.last().cloned().unwrap_or_default();
                        let qual = if segments.len() >= 2 {
                            let q = &segments[segments.len() - 2];
                            if q == "Self" { fns[i].owner.clone() } else { Some(q.clone()) }
                        } else {
                            None
                        };
                        (0..fns.len())
                            .filter(|&j| visible(j) && fns[j].name == last)
                            .filter(|&j| fns[j].owner.is_none() || fns[j].owner == qual)
                            .collect()
                    }
                };
                stack.extend(targets);
            }
        }
        out.insert(function.clone(), calls);
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}
