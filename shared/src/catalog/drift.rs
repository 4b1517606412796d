//! The catalog checked against what Replicate says of each model (`make catalog-check`): may it
//! run without a version (only official models may), is its pinned version the latest, and
//! does every input the catalog sends (prompt, source and frame inputs, options) exist on the
//! version with the catalog's type, enum values, range and default. Each problem says what to
//! change.
use super::openapi::{InputProp, InputSchema, input_schema};
use super::request::default_of;
use super::{ModelSpec, OptionSpec, PromptUse};
use crate::replicate::{ModelInfo, VersionInfo};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// One difference between the catalog and Replicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// The catalog model id.
    pub model: String,
    pub problem: String,
    /// What to change in the catalog.
    pub fix: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n    fix: {}", self.model, self.problem, self.fix)
    }
}

struct Out<'a> {
    model: &'a ModelSpec,
    list: Vec<Drift>,
}

impl Out<'_> {
    fn push(&mut self, problem: impl Into<String>, fix: impl Into<String>) {
        self.list.push(Drift {
            model: self.model.id.clone(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }
}

/// Compares a catalog model with Replicate's answer for it: `info` from
/// `GET /v1/models/{owner}/{name}`, and for a pinned model its version from
/// `GET /v1/models/{owner}/{name}/versions/{id}` (`None`: Replicate does not know it).
pub fn compare(m: &ModelSpec, info: &ModelInfo, pinned: Option<&VersionInfo>) -> Vec<Drift> {
    let mut out = Out {
        model: m,
        list: Vec::new(),
    };
    let latest = info.latest_version.as_ref();
    let checked = match &m.version {
        None => {
            if !info.is_official {
                let fix = match latest {
                    Some(l) => format!(
                        "pin a version: \"version\": \"{}\" (Replicate's latest; its inputs are compared below), or choose an official model",
                        l.id
                    ),
                    None => "choose an official model, or one with a version to pin".into(),
                };
                out.push(
                    format!(
                        "runs without a version, but Replicate says {} is not an official model: every run would be refused",
                        m.replicate
                    ),
                    fix,
                );
            }
            if latest.is_none() {
                out.push(
                    "Replicate gave no latest_version, so the inputs were not checked",
                    "read the model page's API tab",
                );
            }
            latest
        }
        Some(v) => {
            if info.is_official {
                out.push(
                    format!(
                        "pins version {}, but {} is an official model: those run by name",
                        short(v),
                        m.replicate
                    ),
                    "remove \"version\"",
                );
            }
            if let Some(l) = latest.filter(|l| &l.id != v) {
                out.push(
                    format!("pins version {}, but Replicate's latest is {}", short(v), short(&l.id)),
                    format!(
                        "read the latest version's inputs (GET /v1/models/{}/versions/{}), then set \"version\": \"{}\"",
                        m.replicate, l.id, l.id
                    ),
                );
            }
            if pinned.is_none() {
                out.push(
                    format!("Replicate does not know the pinned version {v}"),
                    format!(
                        "pin a version it knows, e.g. the latest ({})",
                        latest.map_or("none given", |l| l.id.as_str())
                    ),
                );
            }
            pinned
        }
    };
    if let Some(version) = checked {
        match input_schema(&version.openapi_schema) {
            Ok(schema) => inputs(m, &schema, &mut out),
            Err(e) => out.push(
                format!("the input schema of version {} cannot be read: {e}", short(&version.id)),
                "read the model page's API tab",
            ),
        }
    }
    out.list
}

fn short(version: &str) -> &str {
    version.get(..12).unwrap_or(version)
}

fn inputs(m: &ModelSpec, schema: &InputSchema, out: &mut Out) {
    let mut sent: BTreeSet<&str> = BTreeSet::new();
    if m.prompt != PromptUse::None {
        sent.insert("prompt");
        match schema.inputs.get("prompt") {
            None => out.push(
                "the catalog sends a prompt, but the model has no `prompt` input",
                "set \"prompt\": \"none\" if it takes none",
            ),
            Some(p) if !is(p, "string") => out.push(format!("`prompt` takes {}", ty(p)), "check the model page"),
            Some(_) => {}
        }
    }
    if let Some(s) = &m.sources {
        sent.insert(&s.field);
        images(out, schema, &s.field, s.list, m.min_source_images, m.max_source_images, "sources");
    }
    for (role, f) in &m.frames {
        sent.insert(&f.field);
        images(out, schema, &f.field, f.list, f.min, f.max, &format!("frames.{}", role.as_str()));
    }
    for (name, opt) in &m.options {
        sent.insert(name);
        option(out, name, opt, schema.inputs.get(name));
    }
    for r in schema.required.iter().filter(|r| !sent.contains(r.as_str())) {
        out.push(
            format!("Replicate requires input `{r}`, which the catalog never sends: every run would be refused"),
            format!("add an option `{r}` with a default (or make it the prompt, source or frame input)"),
        );
    }
    for (name, want) in &m.replicate_defaults {
        match schema.inputs.get(name) {
            None if !m.options.contains_key(name) => out.push(
                format!("replicate_defaults names `{name}`, which the model no longer has"),
                format!("remove `{name}` from replicate_defaults"),
            ),
            Some(p) if !m.options.contains_key(name) => default(out, name, want, p, false),
            _ => {}
        }
    }
}

/// A source or frame input: one URL string, or an array of them within Replicate's counts.
fn images(out: &mut Out, schema: &InputSchema, field: &str, list: bool, min: u32, max: u32, at: &str) {
    let Some(p) = schema.inputs.get(field) else {
        out.push(
            format!("the catalog sends images in `{field}` ({at}), but the model has no such input"),
            format!("set {at}.field to the model's image input"),
        );
        return;
    };
    if !list {
        if !is(p, "string") {
            out.push(
                format!("`{field}` takes {}, the catalog sends one URL", ty(p)),
                format!("set {at} \"list\": true"),
            );
        }
        return;
    }
    if !is(p, "array") || p.items.as_deref().is_some_and(|i| !is(i, "string")) {
        out.push(
            format!("`{field}` takes {}, the catalog sends a list of URLs", ty(p)),
            format!("set {at} \"list\": false"),
        );
        return;
    }
    if let Some(most) = p.max_items.filter(|most| u64::from(max) > *most) {
        out.push(
            format!("the catalog sends up to {max} images in `{field}`, Replicate takes at most {most}"),
            format!("lower the maximum of {at} to {most}"),
        );
    }
    if let Some(least) = p.min_items.filter(|least| u64::from(min) < *least) {
        out.push(
            format!("the catalog sends as few as {min} images in `{field}`, Replicate wants at least {least}"),
            format!("raise the minimum of {at} to {least}"),
        );
    }
}

fn option(out: &mut Out, name: &str, opt: &OptionSpec, prop: Option<&InputProp>) {
    let Some(p) = prop else {
        out.push(
            format!("option `{name}` is not an input of the model (renamed or removed?)"),
            format!("rename option `{name}` to the model's input, or remove it"),
        );
        return;
    };
    let want = match opt {
        OptionSpec::Enum { .. } | OptionSpec::String { .. } => "string",
        OptionSpec::Integer { .. } => "integer",
        OptionSpec::Number { .. } => "number",
        OptionSpec::Boolean { .. } => "boolean",
    };
    // An integer fits a number input; nothing else crosses types.
    if !(is(p, want) || (want == "integer" && is(p, "number"))) {
        out.push(
            format!("option `{name}` is {want} in the catalog, Replicate's input takes {}", ty(p)),
            format!("make option `{name}` match the input's type"),
        );
        return;
    }
    match opt {
        OptionSpec::Enum { values, .. } => {
            let values: Vec<Value> = values.iter().map(|v| Value::from(v.as_str())).collect();
            enum_values(out, name, &values, p);
        }
        OptionSpec::Integer { values: Some(vs), .. } => {
            let values: Vec<Value> = vs.iter().map(|v| Value::from(*v)).collect();
            enum_values(out, name, &values, p);
            let (lo, hi) = (vs.iter().min().map(|v| *v as f64), vs.iter().max().map(|v| *v as f64));
            range(out, name, lo, hi, p);
        }
        OptionSpec::Integer { min, max, .. } => {
            if let Some(allowed) = &p.enum_values {
                out.push(
                    format!("option `{name}`: Replicate takes only {}", spell(allowed)),
                    format!("give option `{name}` these \"values\""),
                );
            }
            range(out, name, min.map(|v| v as f64), max.map(|v| v as f64), p);
        }
        OptionSpec::Number { min, max, .. } => range(out, name, *min, *max, p),
        OptionSpec::String { max_len, .. } => {
            if let Some(allowed) = &p.enum_values {
                out.push(
                    format!(
                        "option `{name}`: Replicate takes only {}, the catalog lets any text through",
                        spell(allowed)
                    ),
                    format!("make option `{name}` an enum of these values"),
                );
            }
            if let Some(most) = p.max_length.filter(|most| max_len.is_none_or(|n| n as u64 > *most)) {
                out.push(
                    format!("option `{name}`: Replicate takes at most {most} characters"),
                    format!("set option `{name}` \"max_len\": {most}"),
                );
            }
        }
        OptionSpec::Boolean { .. } => {}
    }
    let recorded = out.model.replicate_defaults.get(name).cloned();
    let expected = recorded.clone().or_else(|| default_of(opt));
    if let Some(want) = expected {
        default(out, name, &want, p, recorded.is_none());
    }
}

fn enum_values(out: &mut Out, name: &str, values: &[Value], p: &InputProp) {
    let Some(allowed) = &p.enum_values else { return };
    for v in values.iter().filter(|v| !allowed.iter().any(|a| same(a, v))) {
        out.push(
            format!("option `{name}`: Replicate has no value {v} (it takes {})", spell(allowed)),
            format!("remove {v} from option `{name}`'s values"),
        );
    }
}

/// The catalog's range must sit inside Replicate's: a bound Replicate has, the catalog has too.
fn range(out: &mut Out, name: &str, lo: Option<f64>, hi: Option<f64>, p: &InputProp) {
    if let Some((min, exclusive)) = p.minimum {
        let above = if exclusive { ">" } else { ">=" };
        match lo {
            Some(l) if l > min || (l == min && !exclusive) => {}
            Some(l) => out.push(
                format!("option `{name}` allows {l}, Replicate wants {above} {min}"),
                format!(
                    "raise option `{name}`'s minimum to {min}{}",
                    if exclusive { " (exclusive)" } else { "" }
                ),
            ),
            None => out.push(
                format!("option `{name}` has no minimum, Replicate wants {above} {min}"),
                format!("set option `{name}` \"min\": {min}"),
            ),
        }
    }
    if let Some((max, exclusive)) = p.maximum {
        let below = if exclusive { "<" } else { "<=" };
        match hi {
            Some(h) if h < max || (h == max && !exclusive) => {}
            Some(h) => out.push(
                format!("option `{name}` allows {h}, Replicate wants {below} {max}"),
                format!(
                    "lower option `{name}`'s maximum to {max}{}",
                    if exclusive { " (exclusive)" } else { "" }
                ),
            ),
            None => out.push(
                format!("option `{name}` has no maximum, Replicate wants {below} {max}"),
                format!("set option `{name}` \"max\": {max}"),
            ),
        }
    }
}

/// Replicate's default of `name` must be the one the catalog expects: the catalog's own default
/// (`from_catalog`), or the one it recorded in `replicate_defaults`.
fn default(out: &mut Out, name: &str, want: &Value, p: &InputProp, from_catalog: bool) {
    if p.default.as_ref().is_some_and(|d| same(d, want)) {
        return;
    }
    let now = p.default.as_ref().map_or("no default".to_string(), |d| format!("default {d}"));
    let fix = match (&p.default, from_catalog) {
        (Some(d), true) => format!(
            "follow Replicate (set option `{name}` \"default\": {d}), or keep the catalog's and record Replicate's: \"replicate_defaults\": {{\"{name}\": {d}}}"
        ),
        (Some(d), false) => format!("check the catalog still suits, then set \"replicate_defaults\": {{\"{name}\": {d}}}"),
        (None, _) => format!("check the catalog still suits, then drop `{name}` from replicate_defaults (or the option's default)"),
    };
    out.push(
        format!("input `{name}`: Replicate now has {now}, the catalog expects default {want}"),
        fix,
    );
}

/// Whether the input takes `t` (an input without a type takes anything).
fn is(p: &InputProp, t: &str) -> bool {
    p.ty.as_deref().is_none_or(|have| have == t)
}

fn ty(p: &InputProp) -> String {
    match (&p.ty, &p.format) {
        (Some(t), Some(f)) => format!("{t} ({f})"),
        (Some(t), None) => t.clone(),
        (None, _) => "any type".into(),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn spell(values: &[Value]) -> String {
    values.iter().map(Value::to_string).collect::<Vec<_>>().join(", ")
}
