//! The evaluated view of the Terraform: `var`, `local`s, the `for_each` keys of every resource,
//! and placeholder values for resource and data source attributes
//! (`aws_iam_role.function["health"].arn`), so that attribute expressions can be evaluated per
//! `for_each` key.

use crate::infra::{Infra, TfBlock};
use crate::tf_functions::base_context;
use hcl::eval::{Context, Evaluate};
use hcl::{Body, Expression, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Attributes every placeholder resource exposes; the value is `<address>.<attribute>`.
const STUB_ATTRS: &[&str] = &[
    "arn",
    "id",
    "name",
    "url",
    "invoke_arn",
    "execution_arn",
    "api_endpoint",
    "domain_name",
    "bucket_regional_domain_name",
    "bucket_domain_name",
    "endpoint",
    "json",
    "key_id",
    "function_name",
    "account_id",
    "partition",
];

fn stub(address: &str) -> Value {
    let mut m = hcl::Map::new();
    for a in STUB_ATTRS {
        m.insert(a.to_string(), Value::from(format!("{address}.{a}")));
    }
    Value::Object(m)
}

/// The placeholder value of `<kind>.<name>[key].<attr>`.
pub fn stub_ref(kind: &str, name: &str, key: Option<&str>, attr: &str) -> String {
    match key {
        Some(k) => format!("{kind}.{name}[\"{k}\"].{attr}"),
        None => format!("{kind}.{name}.{attr}"),
    }
}

pub(crate) fn attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

pub(crate) fn block<'b>(body: &'b Body, ident: &str) -> Option<&'b Body> {
    body.blocks().find(|b| b.identifier() == ident).map(|b| b.body())
}

/// Evaluated view of the Terraform: locals, variables and for_each keys of every resource.
pub struct Model {
    pub infra: Infra,
    pub ctx: Context<'static>,
    pub locals: hcl::Map<String, Value>,
    pub local_errors: BTreeMap<String, String>,
    /// (kind, name) -> for_each keys (None: no for_each).
    pub for_each: BTreeMap<(String, String), Option<Vec<String>>>,
}

fn for_each_keys(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Object(o) => Some(o.keys().cloned().collect()),
        Value::Array(a) => Some(a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()),
        _ => None,
    }
}

impl Model {
    pub fn build(infra: Infra, infra_dir: &Path) -> Model {
        let base = base_context(infra_dir);
        let mut vars = hcl::Map::new();
        for (name, default) in &infra.variables {
            if let Some(expr) = default
                && let Ok(v) = expr.evaluate(&base)
            {
                vars.insert(name.clone(), v);
            }
        }
        let mut model = Model {
            infra,
            ctx: base,
            locals: hcl::Map::new(),
            local_errors: BTreeMap::new(),
            for_each: BTreeMap::new(),
        };
        model.ctx.declare_var("var", Value::Object(vars));
        // Fixed point: locals may need resources' for_each keys and vice versa.
        loop {
            let ctx = model.context();
            let mut progress = false;
            for r in &model.infra.resources {
                let id = (r.kind.clone(), r.name.clone());
                if model.for_each.contains_key(&id) {
                    continue;
                }
                match attr(&r.body, "for_each") {
                    None => {
                        model.for_each.insert(id, None);
                        progress = true;
                    }
                    Some(e) => {
                        if let Ok(v) = e.evaluate(&ctx)
                            && let Some(keys) = for_each_keys(&v)
                        {
                            model.for_each.insert(id, Some(keys));
                            progress = true;
                        }
                    }
                }
            }
            let ctx = model.context();
            let mut new = Vec::new();
            for (name, expr) in &model.infra.locals {
                if model.locals.contains_key(name) {
                    continue;
                }
                match expr.evaluate(&ctx) {
                    Ok(v) => new.push((name.clone(), v)),
                    Err(e) => {
                        model.local_errors.insert(name.clone(), e.to_string());
                    }
                }
            }
            for (name, v) in new {
                model.local_errors.remove(&name);
                model.locals.insert(name, v);
                progress = true;
            }
            if !progress {
                break;
            }
        }
        model.ctx = model.context();
        model
    }

    /// A context with `var`, `path`, functions, the evaluated `local`s, and placeholders for
    /// every resource and data source.
    fn context(&self) -> Context<'static> {
        let mut ctx = self.ctx.clone();
        ctx.declare_var("local", Value::Object(self.locals.clone()));
        let mut by_kind: BTreeMap<String, hcl::Map<String, Value>> = BTreeMap::new();
        for r in &self.infra.resources {
            let id = (r.kind.clone(), r.name.clone());
            let value = if attr(&r.body, "count").is_some() {
                Value::Array(vec![stub(&format!("{}.{}[0]", r.kind, r.name))])
            } else {
                match self.for_each.get(&id) {
                    Some(Some(keys)) => Value::Object(
                        keys.iter()
                            .map(|k| (k.clone(), stub(&format!("{}.{}[\"{k}\"]", r.kind, r.name))))
                            .collect(),
                    ),
                    Some(None) => stub(&format!("{}.{}", r.kind, r.name)),
                    None => continue,
                }
            };
            by_kind.entry(r.kind.clone()).or_default().insert(r.name.clone(), value);
        }
        for (kind, m) in by_kind {
            ctx.declare_var(kind, Value::Object(m));
        }
        let mut data: hcl::Map<String, Value> = hcl::Map::new();
        for d in &self.infra.data {
            let entry = data.entry(d.kind.clone()).or_insert_with(|| Value::Object(hcl::Map::new()));
            let addr = format!("data.{}.{}", d.kind, d.name);
            let v = if attr(&d.body, "for_each").is_some() {
                // Data sources with for_each: any key yields a placeholder is not possible with
                // a static map; use the keys of the same-named resource family if evaluable.
                let keys = attr(&d.body, "for_each")
                    .and_then(|e| e.evaluate(&self.ctx_without_data()).ok())
                    .and_then(|v| for_each_keys(&v))
                    .unwrap_or_default();
                Value::Object(keys.iter().map(|k| (k.clone(), stub(&format!("{addr}[\"{k}\"]")))).collect())
            } else {
                stub(&addr)
            };
            entry.as_object_mut().unwrap().insert(d.name.clone(), v);
        }
        ctx.declare_var("data", Value::Object(data));
        ctx
    }

    fn ctx_without_data(&self) -> Context<'static> {
        let mut ctx = self.ctx.clone();
        ctx.declare_var("local", Value::Object(self.locals.clone()));
        ctx
    }

    /// Resource blocks of a kind.
    pub fn resources(&self, kind: &str) -> Vec<&TfBlock> {
        self.infra.resources.iter().filter(|r| r.kind == kind).collect()
    }

    pub fn keys_of(&self, r: &TfBlock) -> Option<&Vec<String>> {
        self.for_each.get(&(r.kind.clone(), r.name.clone())).and_then(|k| k.as_ref())
    }

    /// Evaluates `expr` with `each.key` / `each.value` bound for `key`.
    pub fn eval_each(&self, r: &TfBlock, key: &str, expr: &Expression) -> Result<Value, String> {
        let mut ctx = self.ctx.clone();
        let fe = attr(&r.body, "for_each").ok_or("no for_each")?;
        let coll = fe.evaluate(&self.ctx).map_err(|e| e.to_string())?;
        let value = match &coll {
            Value::Object(o) => o.get(key).cloned().unwrap_or(Value::Null),
            _ => Value::from(key),
        };
        let mut each = hcl::Map::new();
        each.insert("key".to_string(), Value::from(key));
        each.insert("value".to_string(), value);
        ctx.declare_var("each", Value::Object(each));
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    pub fn eval_attr_each(&self, r: &TfBlock, key: &str, path: &[&str]) -> Result<Value, String> {
        let mut body = &r.body;
        for b in &path[..path.len() - 1] {
            body = block(body, b).ok_or_else(|| format!("no `{b}` block"))?;
        }
        let last = path[path.len() - 1];
        let e = attr(body, last).ok_or_else(|| format!("no `{}` attribute", path.join(".")))?;
        self.eval_each(r, key, e)
            .map_err(|e| format!("cannot evaluate {}: {e}", path.join(".")))
    }
}
