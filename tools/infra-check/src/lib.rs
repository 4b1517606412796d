//! Structural checks of `infra/` (Terraform) against the workspace.
//!
//! The Terraform builds functions, roles, log groups, routes and integrations with `for_each`
//! over `routes.json` and `infra/tables.json`. This crate parses every `infra/*.tf` with
//! `hcl-rs`, evaluates the `locals` and the `for_each`/attribute expressions it needs (with a
//! small set of Terraform functions and placeholder values for resource attributes, e.g.
//! `aws_iam_role.function["health"].arn`), and checks that:
//!
//! - every directory in `functions/` is a function of `routes.json` and vice versa;
//! - every function has its `aws_lambda_function` (provided.al2023, arm64, the cargo-lambda zip,
//!   its own role and its own log group), `aws_iam_role`, `aws_iam_role_policy` and
//!   `aws_cloudwatch_log_group`, and exactly the environment variables `infra/environment.json`
//!   gives Terraform to set, each with a value (`VN_HANDLER`: the function's name);
//! - every route has an HTTP function, an `aws_apigatewayv2_route` with the right key, target
//!   and authorization, an integration that invokes that function, and an invoke permission;
//! - every role policy grants exactly what the function's `access` block lists (table, media,
//!   queue and secret actions, what an SQS trigger needs, its own log group) and nothing else;
//! - every scheduled function retries no failed run and sends it to an SQS failure destination,
//!   which its role may send to ([`schedule`]);
//! - every function's `access` lists exactly the AWS calls its code makes ([`calls`]: derived
//!   from `shared/src` and `functions/<name>/src`, presigned URLs included), so a call without
//!   a permission fails, and so does a permission without a call;
//! - CloudFront standard logging is ordered after the log bucket's ownership controls (ACLs
//!   on), and the media bucket is served only behind signed URLs ([`check_cdn`]);
//! - every table of `tables.json` has an `aws_dynamodb_table`.
//!
//! [`check_repo`] returns the list of problems (empty = fine).

pub mod calls;
pub mod schedule;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The environment variables every function must get from Terraform: the names of
/// `infra/environment.json` whose `set_by` has `terraform` (the same set for all).
pub fn terraform_env(root: &Path) -> Result<BTreeSet<String>, String> {
    let text = fs::read_to_string(root.join("infra/environment.json")).map_err(|e| format!("infra/environment.json: {e}"))?;
    let list: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("infra/environment.json: {e}"))?;
    let vars = list["variables"]
        .as_object()
        .ok_or("infra/environment.json: no \"variables\" object")?;
    Ok(vars
        .iter()
        .filter(|(_, v)| v["set_by"].as_array().is_some_and(|s| s.iter().any(|p| p == "terraform")))
        .map(|(k, _)| k.clone())
        .collect())
}

/// What the Lambda event source mapping needs from an SQS-triggered function's role.
const EVENT_SOURCE: &[&str] = &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
/// Actions that write new ciphertext under the stack's key (kms:GenerateDataKey).
const WRITE_ACTIONS: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "sqs:SendMessage",
];

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

/// One `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct TfBlock {
    pub kind: String,
    pub name: String,
    pub body: Body,
    pub file: String,
}

/// All of `infra/*.tf`, parsed.
#[derive(Debug, Default)]
pub struct Infra {
    pub resources: Vec<TfBlock>,
    pub data: Vec<TfBlock>,
    pub locals: Vec<(String, Expression)>,
    pub variables: Vec<(String, Option<Expression>)>,
}

fn label(block: &Block, i: usize) -> String {
    block.labels().get(i).map(|l| l.as_str().to_string()).unwrap_or_default()
}

/// Parses every `*.tf` file in `dir`.
pub fn parse_infra(dir: &Path) -> Result<Infra, String> {
    let mut infra = Infra::default();
    let mut paths: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no .tf files in {}", dir.display()));
    }
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        let body: Body = hcl::parse(&text).map_err(|e| format!("{file}: HCL parse error: {e}"))?;
        for block in body.blocks() {
            match block.identifier() {
                "resource" | "data" => {
                    let b = TfBlock {
                        kind: label(block, 0),
                        name: label(block, 1),
                        body: block.body().clone(),
                        file: file.clone(),
                    };
                    if block.identifier() == "resource" {
                        infra.resources.push(b);
                    } else {
                        infra.data.push(b);
                    }
                }
                "locals" => {
                    for attr in block.body().attributes() {
                        infra.locals.push((attr.key().to_string(), attr.expr().clone()));
                    }
                }
                "variable" => {
                    let default = block.body().attributes().find(|a| a.key() == "default").map(|a| a.expr().clone());
                    infra.variables.push((label(block, 0), default));
                }
                _ => {}
            }
        }
    }
    Ok(infra)
}

// ---------------------------------------------------------------- Terraform functions

fn json_to_value(s: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(s).map_err(|e| format!("jsondecode: {e}"))
}

fn f_file(args: FuncArgs) -> Result<Value, String> {
    let p = args[0].as_str().unwrap();
    fs::read_to_string(p).map(Value::from).map_err(|e| format!("file({p}): {e}"))
}
fn f_filebase64sha256(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(format!("sha256-of({})", args[0].as_str().unwrap())))
}
fn f_jsondecode(args: FuncArgs) -> Result<Value, String> {
    json_to_value(args[0].as_str().unwrap())
}
fn f_jsonencode(args: FuncArgs) -> Result<Value, String> {
    serde_json::to_string(&args[0]).map(Value::from).map_err(|e| e.to_string())
}
fn f_keys(args: FuncArgs) -> Result<Value, String> {
    let obj = args[0].as_object().ok_or("keys: not an object")?;
    Ok(Value::Array(obj.keys().map(|k| Value::from(k.as_str())).collect()))
}
fn f_values(args: FuncArgs) -> Result<Value, String> {
    let obj = args[0].as_object().ok_or("values: not an object")?;
    Ok(Value::Array(obj.values().cloned().collect()))
}
fn f_lookup(args: FuncArgs) -> Result<Value, String> {
    let obj = args[0].as_object().ok_or("lookup: not an object")?;
    let key = args[1].as_str().ok_or("lookup: key not a string")?;
    match obj.get(key) {
        Some(v) => Ok(v.clone()),
        None => args.get(2).cloned().ok_or_else(|| format!("lookup: no key {key} and no default")),
    }
}
fn f_contains(args: FuncArgs) -> Result<Value, String> {
    let arr = args[0].as_array().ok_or("contains: not a list")?;
    Ok(Value::Bool(arr.contains(&args[1])))
}
fn f_concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for a in args.iter() {
        out.extend(a.as_array().ok_or("concat: not a list")?.iter().cloned());
    }
    Ok(Value::Array(out))
}
fn f_merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = hcl::Map::new();
    for a in args.iter() {
        for (k, v) in a.as_object().ok_or("merge: not an object")? {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}
fn f_compact(args: FuncArgs) -> Result<Value, String> {
    let arr = args[0].as_array().ok_or("compact: not a list")?;
    Ok(Value::Array(
        arr.iter().filter(|v| !v.is_null() && v.as_str() != Some("")).cloned().collect(),
    ))
}
fn f_flatten(args: FuncArgs) -> Result<Value, String> {
    fn flat(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    flat(&args[0], &mut out);
    Ok(Value::Array(out))
}
fn f_distinct(args: FuncArgs) -> Result<Value, String> {
    let arr = args[0].as_array().ok_or("distinct: not a list")?;
    let mut out: Vec<Value> = Vec::new();
    for v in arr {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}
fn f_length(args: FuncArgs) -> Result<Value, String> {
    let n = match &args[0] {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        Value::String(s) => s.chars().count(),
        _ => return Err("length: unsupported".into()),
    };
    Ok(Value::from(n as u64))
}
fn f_title(args: FuncArgs) -> Result<Value, String> {
    let s = args[0].as_str().unwrap();
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    Ok(Value::from(out))
}
fn f_replace(args: FuncArgs) -> Result<Value, String> {
    let s = args[0].as_str().unwrap();
    Ok(Value::from(s.replace(args[1].as_str().unwrap(), args[2].as_str().unwrap())))
}
fn f_join(args: FuncArgs) -> Result<Value, String> {
    let sep = args[0].as_str().unwrap();
    let arr = args[1].as_array().ok_or("join: not a list")?;
    let parts: Vec<String> = arr
        .iter()
        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
        .collect();
    Ok(Value::from(parts.join(sep)))
}
fn f_tostring(args: FuncArgs) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::String(s) => Value::from(s.as_str()),
        other => Value::from(other.to_string()),
    })
}

fn num(v: &Value) -> Result<f64, String> {
    v.as_f64().ok_or_else(|| "not a number".to_string())
}
fn f_min(args: FuncArgs) -> Result<Value, String> {
    let mut m = f64::INFINITY;
    for a in args.iter() {
        m = m.min(num(a)?);
    }
    Ok(Value::from(m))
}
fn f_max(args: FuncArgs) -> Result<Value, String> {
    let mut m = f64::NEG_INFINITY;
    for a in args.iter() {
        m = m.max(num(a)?);
    }
    Ok(Value::from(m))
}

fn base_context(infra_dir: &Path) -> Context<'static> {
    let mut ctx = Context::new();
    let any = || ParamType::Any;
    let s = || ParamType::String;
    ctx.declare_func("file", FuncDef::builder().param(s()).build(f_file));
    ctx.declare_func("filebase64sha256", FuncDef::builder().param(s()).build(f_filebase64sha256));
    ctx.declare_func("jsondecode", FuncDef::builder().param(s()).build(f_jsondecode));
    ctx.declare_func("jsonencode", FuncDef::builder().param(any()).build(f_jsonencode));
    ctx.declare_func("keys", FuncDef::builder().param(any()).build(f_keys));
    ctx.declare_func("values", FuncDef::builder().param(any()).build(f_values));
    ctx.declare_func(
        "lookup",
        FuncDef::builder().params([any(), s()]).variadic_param(any()).build(f_lookup),
    );
    ctx.declare_func("contains", FuncDef::builder().params([any(), any()]).build(f_contains));
    ctx.declare_func("concat", FuncDef::builder().variadic_param(any()).build(f_concat));
    ctx.declare_func("merge", FuncDef::builder().variadic_param(any()).build(f_merge));
    ctx.declare_func("compact", FuncDef::builder().param(any()).build(f_compact));
    ctx.declare_func("flatten", FuncDef::builder().param(any()).build(f_flatten));
    ctx.declare_func("distinct", FuncDef::builder().param(any()).build(f_distinct));
    ctx.declare_func("length", FuncDef::builder().param(any()).build(f_length));
    ctx.declare_func("title", FuncDef::builder().param(s()).build(f_title));
    ctx.declare_func("replace", FuncDef::builder().params([s(), s(), s()]).build(f_replace));
    ctx.declare_func("join", FuncDef::builder().params([s(), any()]).build(f_join));
    ctx.declare_func("tostring", FuncDef::builder().param(any()).build(f_tostring));
    ctx.declare_func("min", FuncDef::builder().variadic_param(any()).build(f_min));
    ctx.declare_func("max", FuncDef::builder().variadic_param(any()).build(f_max));
    let mut path = hcl::Map::new();
    path.insert("module".to_string(), Value::from(infra_dir.to_string_lossy().to_string()));
    ctx.declare_var("path", Value::Object(path));
    ctx
}

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

fn attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

fn block<'b>(body: &'b Body, ident: &str) -> Option<&'b Body> {
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

// ---------------------------------------------------------------- the checks

fn as_strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => vec![],
    }
}

/// Strips the trailing `.attr` of a placeholder value: the resource's address.
fn address_of(v: &str) -> &str {
    v.rsplit_once('.').map(|(a, _)| a).unwrap_or(v)
}

/// Function directories: `functions/<name>/Cargo.toml`.
pub fn function_dirs(root: &Path) -> Result<BTreeSet<String>, String> {
    let dir = root.join("functions");
    let mut out = BTreeSet::new();
    for e in fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.join("Cargo.toml").is_file() {
            out.insert(p.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    Ok(out)
}

/// Runs every check on the repository at `root`; returns the problems found.
pub fn check_repo(root: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    let dirs = match function_dirs(root) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let route_table: serde_json::Value = match fs::read_to_string(root.join("routes.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![format!("routes.json: {e}")],
    };
    let tables_json: serde_json::Value = match fs::read_to_string(root.join("infra/tables.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![format!("infra/tables.json: {e}")],
    };
    let required_env = match terraform_env(root) {
        Ok(e) => e,
        Err(e) => return vec![e],
    };
    let infra_dir = root.join("infra");
    let infra = match parse_infra(&infra_dir) {
        Ok(i) => i,
        Err(e) => return vec![e],
    };
    let model = Model::build(infra, &infra_dir);

    let empty = serde_json::Map::new();
    let functions = route_table["functions"].as_object().unwrap_or(&empty);
    let routes = route_table["routes"].as_array().cloned().unwrap_or_default();

    // ---- functions/ <-> routes.json
    for d in &dirs {
        if !functions.contains_key(d) {
            errors.push(format!(
                "functions/{d} is not in routes.json \"functions\": it has no Lambda, role or log group"
            ));
        }
    }
    for f in functions.keys() {
        if !dirs.contains(f) {
            errors.push(format!("routes.json function {f} has no functions/{f} crate"));
        }
    }

    // ---- per-function resources
    let wanted = [
        "aws_lambda_function",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_cloudwatch_log_group",
    ];
    // kind -> the block whose for_each covers the function
    let mut covering: BTreeMap<&str, BTreeMap<String, &TfBlock>> = BTreeMap::new();
    for kind in wanted {
        let mut map = BTreeMap::new();
        for r in model.resources(kind) {
            if let Some(keys) = model.keys_of(r) {
                for k in keys {
                    map.entry(k.clone()).or_insert(r);
                }
            }
        }
        covering.insert(kind, map);
    }
    for name in &dirs {
        for kind in wanted {
            if !covering[kind].contains_key(name) {
                errors.push(format!("function {name} has no {kind}"));
            }
        }
    }

    let mut env_addresses: BTreeMap<String, String> = BTreeMap::new();
    for name in &dirs {
        let Some(lambda) = covering["aws_lambda_function"].get(name) else {
            continue;
        };
        let role = covering["aws_iam_role"].get(name);
        let log_group = covering["aws_cloudwatch_log_group"].get(name);
        let policy = covering["aws_iam_role_policy"].get(name);
        let ev = |r: &TfBlock, path: &[&str]| model.eval_attr_each(r, name, path);
        let fq = format!("{}.{}[\"{name}\"]", lambda.kind, lambda.name);

        match ev(lambda, &["runtime"]) {
            Ok(v) if v.as_str() == Some("provided.al2023") => {}
            other => errors.push(format!("{fq}: runtime must be provided.al2023, got {other:?}")),
        }
        match ev(lambda, &["architectures"]) {
            Ok(v) if as_strings(&v) == ["arm64"] => {}
            other => errors.push(format!("{fq}: architectures must be [\"arm64\"], got {other:?}")),
        }
        match ev(lambda, &["filename"]) {
            Ok(v)
                if v.as_str()
                    .is_some_and(|s| s.ends_with(&format!("/../target/lambda/{name}/bootstrap.zip"))) => {}
            other => errors.push(format!(
                "{fq}: filename must be <repo>/target/lambda/{name}/bootstrap.zip, got {other:?}"
            )),
        }
        if let Some(role) = role {
            let want = stub_ref(&role.kind, &role.name, Some(name), "arn");
            match ev(lambda, &["role"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("{fq}: role must be its own role {want}, got {other:?}")),
            }
        }
        if let (Some(policy), Some(role)) = (policy, role) {
            let want = stub_ref(&role.kind, &role.name, Some(name), "id");
            match ev(policy, &["role"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("aws_iam_role_policy for {name}: must attach to {want}, got {other:?}")),
            }
        }
        if let Some(lg) = log_group {
            let want = stub_ref(&lg.kind, &lg.name, Some(name), "name");
            match ev(lambda, &["logging_config", "log_group"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!(
                    "{fq}: logging_config.log_group must be its own log group {want}, got {other:?}"
                )),
            }
            match ev(lg, &["retention_in_days"]) {
                Ok(v) if v.as_f64().is_some_and(|d| d > 0.0) => {}
                other => errors.push(format!("log group of {name}: retention_in_days missing ({other:?})")),
            }
        }
        match ev(lambda, &["environment", "variables"]) {
            Ok(Value::Object(env)) => {
                for k in &required_env {
                    match env.get(k) {
                        Some(Value::String(s)) if !s.is_empty() => {
                            env_addresses.insert(k.to_string(), address_of(s).to_string());
                        }
                        Some(Value::Number(_) | Value::Bool(_)) => {}
                        _ => errors.push(format!("{fq}: environment variable {k} missing")),
                    }
                }
                for k in env.keys().filter(|k| !required_env.contains(*k)) {
                    errors.push(format!(
                        "{fq}: environment variable {k} is not Terraform's to set (infra/environment.json)"
                    ));
                }
                if env.get("VN_HANDLER").and_then(Value::as_str) != Some(name.as_str()) {
                    errors.push(format!("{fq}: VN_HANDLER must be {name}"));
                }
            }
            other => errors.push(format!("{fq}: environment.variables not evaluable: {other:?}")),
        }
    }

    // ---- IAM follows the code: each function's AWS calls (derived from shared/ and its crate)
    // are exactly what its routes.json access grants.
    let secret_of_env: BTreeMap<String, String> = env_addresses
        .iter()
        .filter(|(var, addr)| var.ends_with("_SECRET_ID") && addr.starts_with("aws_secretsmanager_secret."))
        .filter_map(|(var, addr)| {
            let key = addr.rsplit_once("[\"")?.1.strip_suffix("\"]")?;
            Some((var.clone(), key.to_string()))
        })
        .collect();
    errors.extend(calls::check_calls(root, functions, &secret_of_env));

    // ---- least privilege: each role grants exactly what its access (and trigger) needs
    for (name, f) in functions {
        let (Some(policy), Some(lg)) = (
            covering["aws_iam_role_policy"].get(name),
            covering["aws_cloudwatch_log_group"].get(name),
        ) else {
            continue;
        };
        let doc = match model.eval_attr_each(policy, name, &["policy"]) {
            Ok(Value::String(s)) => s,
            other => {
                errors.push(format!("policy of {name} not evaluable: {other:?}"));
                continue;
            }
        };
        let doc: serde_json::Value = match serde_json::from_str(&doc) {
            Ok(d) => d,
            Err(e) => {
                errors.push(format!("policy of {name}: {e}"));
                continue;
            }
        };
        let destination = match covering["aws_lambda_function"].get(name) {
            Some(lambda) if f["trigger"] == "schedule" => match schedule::failure_destination(&model, name, lambda) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            _ => None,
        };
        let allowed = allowed_grants(name, f, &env_addresses, lg, destination.as_deref());
        let allowed = match allowed {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut granted: BTreeSet<(String, String)> = BTreeSet::new();
        for st in doc["Statement"].as_array().cloned().unwrap_or_default() {
            if st["Effect"] != "Allow" {
                continue;
            }
            let list = |v: &serde_json::Value| -> Vec<String> {
                match v {
                    serde_json::Value::String(s) => vec![s.clone()],
                    serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                    _ => vec![],
                }
            };
            for a in list(&st["Action"]) {
                for r in list(&st["Resource"]) {
                    if a.contains('*') {
                        errors.push(format!("policy of {name}: wildcard action {a}"));
                    }
                    granted.insert((a.clone(), r));
                }
            }
        }
        for (a, r) in &granted {
            if !allowed.may.contains(&(a.clone(), r.clone())) {
                errors.push(format!(
                    "policy of {name} grants {a} on {r}, which its routes.json access does not allow"
                ));
            }
        }
        for (a, r) in &allowed.must {
            if !granted.contains(&(a.clone(), r.clone())) {
                errors.push(format!("policy of {name} lacks {a} on {r} (needed by its access)"));
            }
        }
    }

    // ---- routes
    let route_blocks = model.resources("aws_apigatewayv2_route");
    let integrations = model.resources("aws_apigatewayv2_integration");
    let permissions = model.resources("aws_lambda_permission");
    for route in &routes {
        let method = route["method"].as_str().unwrap_or("?");
        let path = route["path"].as_str().unwrap_or("?");
        let key = format!("{method} {path}");
        let Some(func) = route["function"].as_str() else {
            errors.push(format!("route {key} names no function"));
            continue;
        };
        match functions.get(func) {
            None => errors.push(format!("route {key}: function {func} is not in routes.json functions")),
            Some(f) if f["trigger"] != "http" => errors.push(format!("route {key}: function {func} is not an http function")),
            _ => {}
        }
        if !dirs.contains(func) {
            errors.push(format!("route {key}: no functions/{func} crate"));
        }
        let Some(rb) = route_blocks.iter().find(|r| model.keys_of(r).is_some_and(|k| k.contains(&key))) else {
            errors.push(format!("route {key} has no aws_apigatewayv2_route"));
            continue;
        };
        match model.eval_attr_each(rb, &key, &["route_key"]) {
            Ok(v) if v.as_str() == Some(key.as_str()) => {}
            other => errors.push(format!("route {key}: route_key is {other:?}")),
        }
        let auth = route["auth"].as_bool().unwrap_or(true);
        match model.eval_attr_each(rb, &key, &["authorization_type"]) {
            Ok(v) if v.as_str() == Some(if auth { "JWT" } else { "NONE" }) => {}
            other => errors.push(format!(
                "route {key}: authorization_type must be {} (auth={auth}), got {other:?}",
                if auth { "JWT" } else { "NONE" }
            )),
        }
        if auth {
            match model.eval_attr_each(rb, &key, &["authorizer_id"]) {
                Ok(Value::String(s)) if s.starts_with("aws_apigatewayv2_authorizer.") => {}
                other => errors.push(format!("route {key}: no JWT authorizer ({other:?})")),
            }
        }
        let Some(ib) = integrations
            .iter()
            .find(|r| model.keys_of(r).is_some_and(|k| k.iter().any(|x| x == func)))
        else {
            errors.push(format!("route {key}: function {func} has no aws_apigatewayv2_integration"));
            continue;
        };
        let want_target = format!("integrations/{}", stub_ref(&ib.kind, &ib.name, Some(func), "id"));
        match model.eval_attr_each(rb, &key, &["target"]) {
            Ok(v) if v.as_str() == Some(want_target.as_str()) => {}
            other => errors.push(format!("route {key}: target must be {want_target}, got {other:?}")),
        }
        if let Some(lambda) = covering["aws_lambda_function"].get(func) {
            let want = stub_ref(&lambda.kind, &lambda.name, Some(func), "invoke_arn");
            match model.eval_attr_each(ib, func, &["integration_uri"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("integration of {func}: integration_uri must be {want}, got {other:?}")),
            }
        }
        let permitted = permissions.iter().any(|p| {
            model.keys_of(p).is_some_and(|k| k.iter().any(|x| x == func))
                && model
                    .eval_attr_each(p, func, &["principal"])
                    .is_ok_and(|v| v.as_str() == Some("apigateway.amazonaws.com"))
        });
        if !permitted {
            errors.push(format!("route {key}: no aws_lambda_permission lets API Gateway invoke {func}"));
        }
    }

    errors.extend(check_cdn(&model));

    // ---- tables
    let table_keys: BTreeSet<String> = tables_json["tables"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let built: BTreeSet<String> = model
        .resources("aws_dynamodb_table")
        .iter()
        .filter_map(|r| model.keys_of(r))
        .flatten()
        .cloned()
        .collect();
    for t in &table_keys {
        if !built.contains(t) {
            errors.push(format!("tables.json table {t} has no aws_dynamodb_table"));
        }
    }

    if errors.is_empty() {
        return errors;
    }
    // Help diagnose: locals that could not be evaluated.
    for (l, e) in &model.local_errors {
        errors.push(format!("(note) local.{l} not evaluated: {e}"));
    }
    errors
}

fn expr_text(e: &Expression) -> String {
    hcl::format::to_string(e).unwrap_or_default()
}

/// `aws_s3_bucket.<name>` referenced in an expression.
fn bucket_ref(e: &Expression) -> Option<String> {
    let t = expr_text(e);
    let i = t.find("aws_s3_bucket.")?;
    let rest = &t[i + "aws_s3_bucket.".len()..];
    Some(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
}

/// CloudFront: standard logging is ordered after the log bucket's ownership controls (which
/// must keep ACLs on), and the media bucket, read through origin access control, is served only
/// by behaviours that require signed URLs (`trusted_key_groups`): without them any user's object
/// would be served to whoever has its key. The default behaviour never serves media. (An origin
/// on the bucket without origin access control, the upload form's `/upload`, reads nothing.)
pub fn check_cdn(model: &Model) -> Vec<String> {
    let mut errors = Vec::new();
    let ownership = model.resources("aws_s3_bucket_ownership_controls");
    for d in model.resources("aws_cloudfront_distribution") {
        let fq = format!("aws_cloudfront_distribution.{}", d.name);
        let mut media_origins: Vec<String> = Vec::new();
        for o in d.body.blocks().filter(|b| b.identifier() == "origin") {
            let Some(domain) = attr(o.body(), "domain_name") else { continue };
            let mut text = expr_text(domain);
            // Follow one level of local.<x> indirection.
            if let Some(l) = text.trim().strip_prefix("local.")
                && let Some((_, e)) = model.infra.locals.iter().find(|(k, _)| k == l.trim())
            {
                text = expr_text(e);
            }
            // Only an origin with origin access control reads the bucket as CloudFront; one
            // without it (the upload form's POST) is an anonymous caller S3 refuses any read.
            if text.contains("aws_s3_bucket.media.") && attr(o.body(), "origin_access_control_id").is_some() {
                let id = attr(o.body(), "origin_id").map(expr_text).unwrap_or_default();
                media_origins.push(id.trim().trim_matches('"').to_string());
            }
        }
        let targets_media = |b: &hcl::Body| {
            attr(b, "target_origin_id")
                .map(expr_text)
                .is_some_and(|t| media_origins.iter().any(|m| t.trim().trim_matches('"') == m))
        };
        if let Some(def) = block(&d.body, "default_cache_behavior")
            && targets_media(def)
        {
            errors.push(format!(
                "{fq}: the default behaviour serves the media bucket; media only on /media/* with signed URLs"
            ));
        }
        let ordered = d.body.blocks().filter_map(|b| match b.identifier() {
            "ordered_cache_behavior" => Some(b.body()),
            "dynamic" if b.labels().first().map(|l| l.as_str()) == Some("ordered_cache_behavior") => block(b.body(), "content"),
            _ => None,
        });
        for b in ordered {
            if !targets_media(b) {
                continue;
            }
            let keys = attr(b, "trusted_key_groups").map(expr_text).unwrap_or_default();
            if !keys.contains("aws_cloudfront_key_group.") {
                errors.push(format!(
                    "{fq}: a behaviour serves the media bucket without trusted_key_groups; media must require CloudFront signed URLs"
                ));
            }
        }
        let Some(logging) = block(&d.body, "logging_config") else {
            continue;
        };
        let Some(bucket) = attr(logging, "bucket").and_then(bucket_ref) else {
            errors.push(format!("{fq}: logging_config.bucket does not name an aws_s3_bucket"));
            continue;
        };
        let controls: Vec<&&TfBlock> = ownership
            .iter()
            .filter(|o| attr(&o.body, "bucket").and_then(bucket_ref).as_deref() == Some(bucket.as_str()))
            .collect();
        let Some(oc) = controls.first() else {
            errors.push(format!(
                "{fq}: log bucket aws_s3_bucket.{bucket} has no aws_s3_bucket_ownership_controls enabling ACLs"
            ));
            continue;
        };
        let ownership_mode = block(&oc.body, "rule")
            .and_then(|r| attr(r, "object_ownership"))
            .map(expr_text)
            .unwrap_or_default();
        if ownership_mode.contains("BucketOwnerEnforced") {
            errors.push(format!(
                "aws_s3_bucket_ownership_controls.{}: CloudFront standard logging needs ACLs, not BucketOwnerEnforced",
                oc.name
            ));
        }
        let want = format!("aws_s3_bucket_ownership_controls.{}", oc.name);
        let depends = attr(&d.body, "depends_on").map(expr_text).unwrap_or_default();
        if !depends.contains(&want) {
            errors.push(format!(
                "{fq}: logging_config needs depends_on = [{want}]: CloudFront rejects a log bucket whose ACLs are still off (first deploy)"
            ));
        }
    }
    errors
}

/// What a function's policy may grant (`may`) and must grant (`must`), as (action, resource).
pub struct Allowed {
    pub may: BTreeSet<(String, String)>,
    pub must: BTreeSet<(String, String)>,
}

fn allowed_grants(
    name: &str,
    function: &serde_json::Value,
    env: &BTreeMap<String, String>,
    log_group: &TfBlock,
    failure_destination: Option<&str>,
) -> Result<Allowed, String> {
    let mut may = BTreeSet::new();
    let mut must = BTreeSet::new();
    let mut both = |a: &str, r: &str, required: bool| {
        may.insert((a.to_string(), r.to_string()));
        if required {
            must.insert((a.to_string(), r.to_string()));
        }
    };
    let lg = format!("{}:*", stub_ref(&log_group.kind, &log_group.name, Some(name), "arn"));
    both("logs:CreateLogStream", &lg, true);
    both("logs:PutLogEvents", &lg, true);
    both("xray:PutTraceSegments", "*", false);
    both("xray:PutTelemetryRecords", "*", false);

    let env_addr = |var: &str| -> Result<String, String> {
        env.get(var)
            .cloned()
            .ok_or_else(|| format!("cannot resolve {var} to a resource (environment missing)"))
    };
    let calls = calls::access_calls(&function["access"]).map_err(|e| format!("routes.json {name}: {e}"))?;
    let mut writes = false;
    let mut uses_data = false;
    for (action, resource) in &calls {
        uses_data = true;
        writes |= WRITE_ACTIONS.contains(&action.as_str());
        let arns: Vec<String> = if let Some(t) = resource.strip_prefix("table:") {
            let arn = format!("{}.arn", env_addr(&format!("{}_TABLE", t.to_uppercase()))?);
            if action == "dynamodb:Query" {
                vec![format!("{arn}/index/*"), arn]
            } else {
                vec![arn]
            }
        } else if resource == "media" {
            vec![format!("{}.arn/users/*", env_addr("MEDIA_BUCKET")?)]
        } else if resource == "queue" {
            vec![format!("{}.arn", env_addr("GENERATION_QUEUE_URL")?)]
        } else if let Some(s) = resource.strip_prefix("secret:") {
            let addr = env
                .values()
                .find(|a| a.ends_with(&format!("[\"{s}\"]")) && a.contains("secret"))
                .cloned()
                .ok_or_else(|| format!("{name}: secret {s} (routes.json) is not a secret resource wired into the environment"))?;
            vec![format!("{addr}.arn")]
        } else {
            return Err(format!("{name}: unknown resource {resource}"));
        };
        for arn in arns {
            both(action, &arn, true);
        }
    }
    if function["trigger"] == "sqs" {
        uses_data = true;
        let arn = format!("{}.arn", env_addr("GENERATION_QUEUE_URL")?);
        for a in EVENT_SOURCE {
            both(a, &arn, true);
        }
    }
    // A scheduled function's failed runs: Lambda sends them to its failure destination with the
    // function's role (schedule::failure_destination).
    if let Some(queue) = failure_destination {
        uses_data = true;
        writes = true;
        both("sqs:SendMessage", queue, true);
    }
    // The stack's KMS key, as the environment's encryption key and through the data services.
    let kms = "aws_kms_key.main.arn";
    both("kms:Decrypt", kms, true);
    if uses_data {
        both("kms:DescribeKey", kms, false);
    }
    if writes {
        both("kms:GenerateDataKey", kms, true);
    }
    Ok(Allowed { may, must })
}
