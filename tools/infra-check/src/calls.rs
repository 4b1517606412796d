//! The AWS calls each function's code can make, derived from the Rust sources.
//!
//! IAM must follow the code: a call without a permission fails in AWS (AccessDenied, while the
//! emulator, which checks no IAM, stays green), and a permission without a call is a grant an
//! attacker could use. This module reads `shared/src` and `functions/<name>/src` with `syn`:
//!
//! 1. **SDK operations.** A method call on an SDK client field (`self.ddb`, `self.s3`,
//!    `self.sqs`, `self.client`) whose name is a known operation (`get_item`, `put_object`,
//!    `send_message`, ...) is a call; the rest of its builder chain says on what (`table_name`,
//!    `request_items`, `.tagging(..)` = `s3:PutObjectTagging` too). A presigned request
//!    (`get_object()...presigned(..)`) counts as the call the URL makes: the role that signs it
//!    must hold `s3:GetObject`, or the URL fails in AWS. Likewise a presigned POST form
//!    (`media.presigned_post(..)`) counts as `s3:PutObject` and `s3:PutObjectTagging` (the form
//!    pins the staging tag), and `copy_object` as `s3:PutObject`
//!    on the target plus `s3:GetObject` on the source. DynamoDB transaction items
//!    (`Put::builder()`, `Update::builder()`, `Delete::builder()`, `ConditionCheck::builder()`)
//!    count as the item actions IAM checks for them.
//! 2. **Secrets.** `Secrets::get(id)` reads whichever secret its caller names; the call site's
//!    `config.<field>_secret_id` says which one: Terraform sets `<FIELD>_SECRET_ID` to the ARN of
//!    `aws_secretsmanager_secret.secret["<name>"]`, and `<name>` is what `access.secrets` lists.
//! 3. **Reachability.** From every fn of `functions/<name>/src`, calls and fn references are
//!    followed through `shared/src` (by name; methods on `store`, `media`, `queue`, `secrets`
//!    and `usage()` resolve to that adapter's impl only). This over-approximates (a name shared
//!    by two fns reaches both), which can only ask for more permissions, never hide a call.
//!
//! `#[cfg(test)]` modules and `#[test]` fns are not deployed code and are skipped.

use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use syn::visit::Visit;
use syn::{Expr, ImplItem, Item};

/// One AWS permission a call needs: (`service:Action`, resource), where the resource is
/// `table:<key>`, `media`, `queue` or `secret:<name>`.
pub type Call = (String, String);

/// SDK client fields of the adapters and the service their operations belong to.
const CLIENT_FIELDS: &[(&str, &str)] = &[("ddb", "dynamodb"), ("s3", "s3"), ("sqs", "sqs"), ("client", "secretsmanager")];

/// SDK operation (Rust method name) -> IAM action, per service. An operation not listed here
/// on an SDK client is an error: add it (with its IAM action) before using it.
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("dynamodb", "get_item", "GetItem"),
    ("dynamodb", "put_item", "PutItem"),
    ("dynamodb", "update_item", "UpdateItem"),
    ("dynamodb", "delete_item", "DeleteItem"),
    ("dynamodb", "query", "Query"),
    ("dynamodb", "scan", "Scan"),
    ("dynamodb", "batch_get_item", "BatchGetItem"),
    ("dynamodb", "batch_write_item", "BatchWriteItem"),
    ("dynamodb", "transact_get_items", "GetItem"),
    // TransactWriteItems is no IAM action: each item needs its own (see TRANSACT_ITEMS).
    ("dynamodb", "transact_write_items", ""),
    ("s3", "get_object", "GetObject"),
    ("s3", "head_object", "GetObject"),
    ("s3", "put_object", "PutObject"),
    ("s3", "delete_object", "DeleteObject"),
    ("s3", "put_object_tagging", "PutObjectTagging"),
    ("s3", "get_object_tagging", "GetObjectTagging"),
    // CopyObject writes the target (PutObject) and reads the source (GetObject, added below).
    ("s3", "copy_object", "PutObject"),
    // Not an SDK operation: the presigned POST form that Media::presigned_post signs with the
    // role's credentials. S3 authorizes the browser's upload as the signer's s3:PutObject.
    ("s3", "presigned_post", "PutObject"),
    ("s3", "list_objects_v2", "ListBucket"),
    // A multipart upload is authorized as s3:PutObject, except its abort.
    ("s3", "create_multipart_upload", "PutObject"),
    ("s3", "upload_part", "PutObject"),
    ("s3", "complete_multipart_upload", "PutObject"),
    ("s3", "abort_multipart_upload", "AbortMultipartUpload"),
    ("sqs", "send_message", "SendMessage"),
    ("sqs", "send_message_batch", "SendMessage"),
    ("sqs", "receive_message", "ReceiveMessage"),
    ("sqs", "delete_message", "DeleteMessage"),
    ("sqs", "change_message_visibility", "ChangeMessageVisibility"),
    ("secretsmanager", "get_secret_value", "GetSecretValue"),
];

/// Transaction item builders and the item action IAM checks for each.
const TRANSACT_ITEMS: &[(&str, &str)] = &[
    ("Put", "PutItem"),
    ("Update", "UpdateItem"),
    ("Delete", "DeleteItem"),
    ("ConditionCheck", "ConditionCheckItem"),
];

/// Adapter fields / accessor methods and their impl type.
const ADAPTERS: &[(&str, &str)] = &[
    ("store", "Store"),
    ("usage", "UsageStore"),
    ("media", "Media"),
    ("queue", "Queue"),
    ("secrets", "Secrets"),
];

/// Each call a function can make, with the fns that make it.
pub type FunctionCalls = BTreeMap<Call, BTreeSet<Origin>>;

/// Where a call was found, for messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub func: String,
    pub file: String,
}

#[derive(Clone)]
enum Edge {
    /// `recv.name(..)`; `hint` is what the receiver is called (`self`, `store`, `usage`, ...).
    Method {
        name: String,
        hint: Option<String>,
        args: Vec<Expr>,
    },
    /// `a::b::name(..)` or a fn reference.
    Path { segments: Vec<String> },
}

struct FnInfo {
    owner: Option<String>,
    name: String,
    file: String,
    /// `shared` or the function crate's name.
    krate: String,
    block: syn::Block,
}

impl FnInfo {
    fn label(&self) -> String {
        match &self.owner {
            Some(o) => format!("{o}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Facts found directly in one fn's body.
#[derive(Default)]
struct Facts {
    calls: BTreeSet<Call>,
    edges: Vec<Edge>,
    errors: Vec<String>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let t = a.to_token_stream().to_string().replace(' ', "");
        t == "#[test]" || t.starts_with("#[cfg(test") || t.contains("tokio::test")
    })
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

fn collect_items(items: &[Item], file: &str, krate: &str, out: &mut Vec<FnInfo>) {
    for item in items {
        match item {
            Item::Fn(f) if !is_cfg_test(&f.attrs) => out.push(FnInfo {
                owner: None,
                name: f.sig.ident.to_string(),
                file: file.to_string(),
                krate: krate.to_string(),
                block: (*f.block).clone(),
            }),
            Item::Impl(i) if !is_cfg_test(&i.attrs) => {
                let owner = type_name(&i.self_ty);
                for it in &i.items {
                    if let ImplItem::Fn(f) = it {
                        if is_cfg_test(&f.attrs) {
                            continue;
                        }
                        out.push(FnInfo {
                            owner: owner.clone(),
                            name: f.sig.ident.to_string(),
                            file: file.to_string(),
                            krate: krate.to_string(),
                            block: f.block.clone(),
                        });
                    }
                }
            }
            Item::Mod(m) if !is_cfg_test(&m.attrs) => {
                if let Some((_, items)) = &m.content {
                    collect_items(items, file, krate, out);
                }
            }
            _ => {}
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let rd = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in rd {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            rust_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

fn parse_dir(root: &Path, rel: &str, krate: &str, out: &mut Vec<FnInfo>) -> Result<(), String> {
    let mut files = Vec::new();
    rust_files(&root.join(rel), &mut files)?;
    files.sort();
    for p in files {
        let text = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let file = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().to_string();
        let ast = syn::parse_file(&text).map_err(|e| format!("{file}: {e}"))?;
        collect_items(&ast.items, &file, krate, out);
    }
    Ok(())
}

/// What a receiver is called: `self`, a field or variable name, or the method that produced it.
fn hint(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => Some(i.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::MethodCall(m) => Some(m.method.to_string()),
        Expr::Reference(r) => hint(&r.expr),
        Expr::Paren(p) => hint(&p.expr),
        Expr::Await(a) => hint(&a.base),
        Expr::Try(t) => hint(&t.expr),
        _ => None,
    }
}

/// `x.tables.<name>` anywhere in `e` -> `<name>`.
fn table_refs(e: &Expr) -> BTreeSet<String> {
    struct V(BTreeSet<String>);
    impl<'a> Visit<'a> for V {
        fn visit_expr_field(&mut self, f: &'a syn::ExprField) {
            if let (Expr::Field(base), syn::Member::Named(m)) = (&*f.base, &f.member)
                && matches!(&base.member, syn::Member::Named(b) if b == "tables")
            {
                self.0.insert(m.to_string());
            }
            syn::visit::visit_expr_field(self, f);
        }
    }
    let mut v = V(BTreeSet::new());
    v.visit_expr(e);
    v.0
}

/// `config.<field>_secret_id` in `args` -> its environment variable, `<FIELD>_SECRET_ID`.
fn secret_refs(args: &[Expr]) -> BTreeSet<String> {
    struct V(BTreeSet<String>);
    impl<'a> Visit<'a> for V {
        fn visit_member(&mut self, m: &'a syn::Member) {
            if let syn::Member::Named(i) = m {
                let field = i.to_string();
                if field.ends_with("_secret_id") {
                    self.0.insert(field.to_uppercase());
                }
            }
        }
    }
    let mut v = V(BTreeSet::new());
    for a in args {
        v.visit_expr(a);
    }
    v.0
}

/// Operation names that are also common non-SDK method names (`reqwest`'s `.query(..)`): an
/// SDK call only on a receiver named like a client field.
const AMBIGUOUS_OPERATIONS: &[&str] = &["query", "scan"];

/// The service of an SDK operation call: a known operation on any receiver (an unambiguous
/// name), or any method on a receiver named like an SDK client field (`self.ddb.<op>()`), so an
/// operation this module does not know yet is reported instead of missed.
fn sdk_service(m: &syn::ExprMethodCall) -> Option<&'static str> {
    let name = m.method.to_string();
    let on_client = hint(&m.receiver).and_then(|h| CLIENT_FIELDS.iter().find(|(f, _)| *f == h).map(|(_, s)| *s));
    let services: BTreeSet<&'static str> = OPERATIONS.iter().filter(|(_, o, _)| *o == name).map(|(s, _, _)| *s).collect();
    if services.len() == 1 && (on_client.is_some() || !AMBIGUOUS_OPERATIONS.contains(&name.as_str())) {
        return services.into_iter().next();
    }
    // Only a direct field access (`self.ddb.x()`) counts here: `self.client.lock()` style calls
    // on other values named `client` are not SDK calls.
    // Methods every client has that make no request.
    const NOT_OPERATIONS: &[&str] = &["clone", "as_ref", "deref", "borrow", "to_owned", "config"];
    match &*m.receiver {
        Expr::Field(_) if !NOT_OPERATIONS.contains(&name.as_str()) => on_client,
        _ => None,
    }
}

struct BodyVisitor<'f> {
    facts: &'f mut Facts,
    here: String,
}

impl BodyVisitor<'_> {
    /// A method-call chain, outermost first: (method name, args, receiver of that call).
    fn chain(mut e: &Expr) -> (Vec<&syn::ExprMethodCall>, &Expr) {
        let mut calls = Vec::new();
        while let Expr::MethodCall(m) = e {
            calls.push(m);
            e = &m.receiver;
        }
        (calls, e)
    }

    fn sdk_chain(&mut self, service: &str, calls: &[&syn::ExprMethodCall]) {
        // calls: innermost (the operation) last.
        let op = calls.last().unwrap();
        let op_name = op.method.to_string();
        let Some((_, _, action)) = OPERATIONS.iter().find(|(s, o, _)| *s == service && *o == op_name) else {
            self.facts.errors.push(format!(
                "{}: SDK call {service}.{op_name}() is not in tools/infra-check OPERATIONS: add it with its IAM action",
                self.here
            ));
            return;
        };
        let mut actions: Vec<String> = Vec::new();
        if !action.is_empty() {
            actions.push(format!("{service}:{action}"));
        }
        if service == "s3"
            && matches!(op_name.as_str(), "put_object" | "copy_object" | "create_multipart_upload")
            && calls.iter().any(|c| c.method == "tagging")
        {
            actions.push("s3:PutObjectTagging".into());
        }
        if service == "s3" && op_name == "copy_object" {
            actions.push("s3:GetObject".into());
        }
        // The POST form pins a `tagging` field (the staging tag): S3 checks s3:PutObjectTagging.
        if service == "s3" && op_name == "presigned_post" {
            actions.push("s3:PutObjectTagging".into());
        }
        let resources: BTreeSet<String> = match service {
            "dynamodb" => {
                let mut t = BTreeSet::new();
                for c in calls {
                    if (c.method == "table_name" || c.method == "request_items")
                        && let Some(a) = c.args.first()
                    {
                        t.extend(table_refs(a));
                    }
                }
                if t.is_empty() && !actions.is_empty() {
                    self.facts
                        .errors
                        .push(format!("{}: cannot tell which table dynamodb.{op_name}() uses", self.here));
                }
                t.into_iter().map(|t| format!("table:{t}")).collect()
            }
            "s3" => ["media".to_string()].into(),
            "sqs" => ["queue".to_string()].into(),
            // Secrets::get's secret is its caller's argument (see secret_refs).
            "secretsmanager" => return,
            _ => BTreeSet::new(),
        };
        for a in &actions {
            for r in &resources {
                self.facts.calls.insert((a.clone(), r.clone()));
            }
        }
    }

    fn transact_item(&mut self, builder: &str, calls: &[&syn::ExprMethodCall]) {
        let Some((_, action)) = TRANSACT_ITEMS.iter().find(|(b, _)| *b == builder) else {
            return;
        };
        let mut tables = BTreeSet::new();
        for c in calls {
            if c.method == "table_name"
                && let Some(a) = c.args.first()
            {
                tables.extend(table_refs(a));
            }
        }
        if tables.is_empty() {
            self.facts
                .errors
                .push(format!("{}: cannot tell which table a {builder}::builder() item uses", self.here));
        }
        for t in tables {
            self.facts.calls.insert((format!("dynamodb:{action}"), format!("table:{t}")));
        }
    }
}

impl<'a> Visit<'a> for BodyVisitor<'_> {
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        let outer = Expr::MethodCall(m.clone());
        let (calls, root) = Self::chain(&outer);
        // The innermost SDK operation in the chain decides what it is (`self.ddb.get_item()`,
        // also `self.ddb.clone().get_item()`); the calls after it say on what.
        if let Some((i, service)) = calls.iter().enumerate().rev().find_map(|(i, c)| sdk_service(c).map(|s| (i, s))) {
            self.sdk_chain(service, &calls[..=i]);
        } else if let Expr::Call(c) = root
            && let Expr::Path(p) = &*c.func
        {
            let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segs.len() >= 2 && segs[segs.len() - 1] == "builder" {
                self.transact_item(&segs[segs.len() - 2], &calls);
            }
        }
        for c in &calls {
            self.facts.edges.push(Edge::Method {
                name: c.method.to_string(),
                hint: hint(&c.receiver),
                args: c.args.iter().cloned().collect(),
            });
            for a in &c.args {
                self.visit_expr(a);
            }
        }
        self.visit_expr(root);
    }

    /// Macro bodies (`json!`, `format!`, `tracing::info!`, ...) are token streams, not
    /// expressions: every `name(..)` in them is taken as a call, `recv.name(..)` with its hint.
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        fn scan(ts: proc_macro2::TokenStream, edges: &mut Vec<Edge>) {
            use proc_macro2::{Delimiter, TokenTree};
            let toks: Vec<TokenTree> = ts.into_iter().collect();
            for (i, t) in toks.iter().enumerate() {
                match t {
                    TokenTree::Ident(id) => {
                        let called = matches!(toks.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                        if !called {
                            continue;
                        }
                        let dot = i >= 1 && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
                        if dot {
                            let hint = match i.checked_sub(2).map(|k| &toks[k]) {
                                Some(TokenTree::Ident(h)) => Some(h.to_string()),
                                _ => None,
                            };
                            edges.push(Edge::Method {
                                name: id.to_string(),
                                hint,
                                args: Vec::new(),
                            });
                        } else {
                            edges.push(Edge::Path {
                                segments: vec![id.to_string()],
                            });
                        }
                    }
                    TokenTree::Group(g) => scan(g.stream(), edges),
                    _ => {}
                }
            }
        }
        scan(m.tokens.clone(), &mut self.facts.edges);
    }

    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        let segments = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.facts.edges.push(Edge::Path { segments });
    }
}

/// Each function's AWS calls (with where they are made), from its crate and `shared/`.
pub fn function_calls(root: &Path, functions: &BTreeSet<String>) -> Result<BTreeMap<String, FunctionCalls>, Vec<String>> {
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
        let mut stack: Vec<usize> = (0..fns.len()).filter(|&i| fns[i].krate == *function).collect();
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

/// The calls a function's routes.json `access` grants, in the same form as [`function_calls`].
pub fn access_calls(access: &serde_json::Value) -> Result<BTreeSet<Call>, String> {
    let mut out = BTreeSet::new();
    let strings = |v: &serde_json::Value, what: &str| -> Result<Vec<String>, String> {
        v.as_array()
            .ok_or_else(|| format!("access.{what} must be a list of actions"))?
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| format!("access.{what}: not a string")))
            .collect()
    };
    if let Some(obj) = access.as_object() {
        for k in obj.keys() {
            if !["tables", "media", "queue", "secrets"].contains(&k.as_str()) {
                return Err(format!("access.{k} is not a kind of access (tables, media, queue, secrets)"));
            }
        }
    }
    if let Some(tables) = access.get("tables") {
        for (t, acts) in tables.as_object().ok_or("access.tables must be an object")? {
            for a in strings(acts, &format!("tables.{t}"))? {
                out.insert((format!("dynamodb:{a}"), format!("table:{t}")));
            }
        }
    }
    if let Some(m) = access.get("media") {
        for a in strings(m, "media")? {
            out.insert((format!("s3:{a}"), "media".into()));
        }
    }
    if let Some(q) = access.get("queue") {
        for a in strings(q, "queue")? {
            out.insert((format!("sqs:{a}"), "queue".into()));
        }
    }
    if let Some(s) = access.get("secrets") {
        for n in strings(s, "secrets")? {
            out.insert(("secretsmanager:GetSecretValue".into(), format!("secret:{n}")));
        }
    }
    Ok(out)
}

/// Compares each function's code with its routes.json access, both ways.
/// `secret_of_env` maps a `*_SECRET_ID` environment variable to the secret (routes.json name)
/// Terraform sets it to.
pub fn check_calls(
    root: &Path,
    functions: &serde_json::Map<String, serde_json::Value>,
    secret_of_env: &BTreeMap<String, String>,
) -> Vec<String> {
    let names: BTreeSet<String> = functions.keys().cloned().collect();
    let code = match function_calls(root, &names) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut errors = Vec::new();
    for (name, f) in functions {
        let granted = match access_calls(&f["access"]) {
            Ok(g) => g,
            Err(e) => {
                errors.push(format!("routes.json {name}: {e}"));
                continue;
            }
        };
        let mut called = FunctionCalls::new();
        for (call, origins) in &code[name] {
            let call = match call.1.strip_prefix("secret-env:") {
                None => call.clone(),
                Some(env) => match secret_of_env.get(env) {
                    Some(s) => (call.0.clone(), format!("secret:{s}")),
                    None => {
                        errors.push(format!(
                            "{name} reads the secret named by {env}, which Terraform does not set to a secret"
                        ));
                        continue;
                    }
                },
            };
            called.entry(call).or_default().extend(origins.iter().cloned());
        }
        for (call, origins) in &called {
            if !granted.contains(call) {
                let at: Vec<String> = origins.iter().map(|o| format!("{} in {}", o.func, o.file)).collect();
                errors.push(format!(
                    "{name} calls {} on {} ({}), but its routes.json access does not grant it",
                    call.0,
                    call.1,
                    at.join(", ")
                ));
            }
        }
        for call in &granted {
            if !called.contains_key(call) {
                errors.push(format!(
                    "{name}: routes.json access grants {} on {}, but no code path of {name} calls it",
                    call.0, call.1
                ));
            }
        }
    }
    errors
}
