//! What one fn's body says directly: the SDK calls it makes (and on what), and its edges to
//! other fns (method calls with what their receiver is called, paths, fn references, calls
//! inside macro bodies) for the reachability walk.

use super::Call;
use super::operations::{OPERATIONS, TRANSACT_ITEMS, sdk_service};
use std::collections::BTreeSet;
use syn::Expr;
use syn::visit::Visit;

/// A way one fn may reach others.
#[derive(Clone)]
pub(super) enum Edge {
    /// `recv.name(..)`; `hint` is what the receiver is called (`self`, `store`, `usage`, ...).
    Method {
        name: String,
        hint: Option<String>,
        args: Vec<Expr>,
    },
    /// `a::b::name(..)` or a fn reference.
    Path { segments: Vec<String> },
}

/// Facts found directly in one fn's body.
#[derive(Default)]
pub(super) struct Facts {
    pub(super) calls: BTreeSet<Call>,
    pub(super) edges: Vec<Edge>,
    pub(super) errors: Vec<String>,
}

/// What a receiver is called: `self`, a field or variable name, or the method that produced it.
pub(super) fn hint(e: &Expr) -> Option<String> {
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

/// Whether `e` calls a fn named `name` anywhere.
fn calls_fn(e: &Expr, name: &str) -> bool {
    struct V<'n>(&'n str, bool);
    impl<'a> Visit<'a> for V<'_> {
        fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
            if let Expr::Path(p) = &*c.func
                && p.path.segments.last().is_some_and(|s| s.ident == self.0)
            {
                self.1 = true;
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut v = V(name, false);
    v.visit_expr(e);
    v.1
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
pub(super) fn secret_refs(args: &[Expr]) -> BTreeSet<String> {
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

pub(super) struct BodyVisitor<'f> {
    pub(super) facts: &'f mut Facts,
    pub(super) here: String,
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
        // DeleteObject naming a version deletes that version: s3:DeleteObjectVersion instead.
        if service == "s3" && op_name == "delete_object" && calls.iter().any(|c| c.method == "version_id") {
            actions = vec!["s3:DeleteObjectVersion".into()];
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
            // An object key made by `report_key(..)` is under reports/<function>/.
            "s3" if calls
                .iter()
                .any(|c| c.method == "key" && c.args.iter().any(|a| calls_fn(a, "report_key"))) =>
            {
                ["reports".to_string()].into()
            }
            // A bucket-level action is on the bucket itself.
            "s3" if matches!(op_name.as_str(), "list_objects_v2" | "list_object_versions") => ["media_bucket".to_string()].into(),
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
