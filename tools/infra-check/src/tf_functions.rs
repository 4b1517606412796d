//! The Terraform functions the `infra/` expressions use, as `hcl-rs` functions, and the base
//! evaluation context that declares them (with `path.module`).

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use std::fs;
use std::path::Path;

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

pub(crate) fn base_context(infra_dir: &Path) -> Context<'static> {
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
