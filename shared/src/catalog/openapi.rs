//! A Replicate model version's input schema, read from its `openapi_schema` the way Replicate
//! (Cog) writes it: the inputs are the properties of `components.schemas.Input`; an enum is an
//! `allOf` with a `$ref` to its own schema under `#/components/schemas/` (with `type` and
//! `enum` there); an optional input may say `nullable: true`, `type: [X, "null"]` or
//! `anyOf: [X, {type: null}]`; `x-order`, `title` and `description` carry no rule.
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// How deep `$ref`/`allOf`/`anyOf` may nest before the schema counts as broken (a cycle).
const MAX_DEPTH: usize = 8;

/// One input, its `allOf`/`$ref`/`anyOf` resolved into one set of rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputProp {
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`; `None`: any.
    pub ty: Option<String>,
    /// e.g. `uri`.
    pub format: Option<String>,
    pub enum_values: Option<Vec<Value>>,
    /// Lower bound and whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub max_length: Option<u64>,
    pub default: Option<Value>,
    /// The item rules of an array.
    pub items: Option<Box<InputProp>>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub nullable: bool,
}

/// The inputs of a version: every property of `components.schemas.Input`, and which are required.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputSchema {
    pub inputs: BTreeMap<String, InputProp>,
    pub required: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("the openapi_schema has no components.schemas.Input object")]
    NoInput,
    #[error("input {input}: {problem}")]
    Input { input: String, problem: String },
}

/// Reads the inputs of a version's `openapi_schema`.
pub fn input_schema(openapi: &Value) -> Result<InputSchema, SchemaError> {
    let components = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or(SchemaError::NoInput)?;
    let input = components.get("Input").and_then(Value::as_object).ok_or(SchemaError::NoInput)?;
    let mut out = InputSchema::default();
    if let Some(props) = input.get("properties") {
        let props = props.as_object().ok_or(SchemaError::NoInput)?;
        for (name, schema) in props {
            let mut prop = InputProp::default();
            merge(&mut prop, schema, components, 0).map_err(|problem| SchemaError::Input {
                input: name.clone(),
                problem,
            })?;
            out.inputs.insert(name.clone(), prop);
        }
    }
    for name in input.get("required").and_then(Value::as_array).into_iter().flatten() {
        let name = name.as_str().ok_or(SchemaError::NoInput)?;
        out.required.insert(name.to_owned());
    }
    Ok(out)
}

/// Folds `schema` into `prop`: the schema's own keys first, so an input's `default` beside an
/// `allOf` wins over anything the referenced schema says.
fn merge(prop: &mut InputProp, schema: &Value, components: &Map<String, Value>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("$ref/allOf nest too deep (a cycle?)".into());
    }
    let Some(s) = schema.as_object() else {
        return match schema {
            Value::Bool(true) => Ok(()),
            _ => Err(format!("schema is not an object: {schema}")),
        };
    };
    match s.get("type") {
        Some(Value::String(t)) if t == "null" => prop.nullable = true,
        Some(Value::String(t)) => set(&mut prop.ty, t.clone()),
        Some(Value::Array(ts)) => {
            for t in ts.iter().filter_map(Value::as_str) {
                if t == "null" {
                    prop.nullable = true;
                } else {
                    set(&mut prop.ty, t.to_owned());
                }
            }
        }
        _ => {}
    }
    if s.get("nullable") == Some(&Value::Bool(true)) {
        prop.nullable = true;
    }
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        set(&mut prop.format, f.to_owned());
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        set(&mut prop.enum_values, e.iter().filter(|v| !v.is_null()).cloned().collect());
    }
    if let Some(d) = s.get("default") {
        set(&mut prop.default, d.clone());
    }
    bound(&mut prop.minimum, s, "minimum", "exclusiveMinimum");
    bound(&mut prop.maximum, s, "maximum", "exclusiveMaximum");
    for (key, slot) in [
        ("maxLength", &mut prop.max_length),
        ("minItems", &mut prop.min_items),
        ("maxItems", &mut prop.max_items),
    ] {
        if let Some(n) = s.get(key).and_then(Value::as_u64) {
            set(slot, n);
        }
    }
    if let Some(items) = s.get("items") {
        let mut item = prop.items.take().map(|b| *b).unwrap_or_default();
        merge(&mut item, items, components, depth + 1)?;
        prop.items = Some(Box::new(item));
    }
    if let Some(r) = s.get("$ref") {
        merge(prop, resolve(r, components)?, components, depth + 1)?;
    }
    for part in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        merge(prop, part, components, depth + 1)?;
    }
    if let Some(any) = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(Value::as_array) {
        let (nulls, others): (Vec<&Value>, Vec<&Value>) = any.iter().partition(|v| v.get("type").and_then(Value::as_str) == Some("null"));
        prop.nullable |= !nulls.is_empty();
        // One real alternative is the input's type; several leave it open (any).
        if let [one] = others.as_slice() {
            merge(prop, one, components, depth + 1)?;
        }
    }
    Ok(())
}

/// Sets a rule the schema has not set yet (the outer schema's own keys win).
fn set<T>(slot: &mut Option<T>, v: T) {
    if slot.is_none() {
        *slot = Some(v);
    }
}

/// `minimum: n` (OpenAPI 3.0 with `exclusiveMinimum: true`) or `exclusiveMinimum: n` (3.1).
fn bound(slot: &mut Option<(f64, bool)>, s: &Map<String, Value>, inclusive: &str, exclusive: &str) {
    let flag = s.get(exclusive);
    if let Some(n) = s.get(inclusive).and_then(Value::as_f64) {
        set(slot, (n, flag == Some(&Value::Bool(true))));
    } else if let Some(n) = flag.and_then(Value::as_f64) {
        set(slot, (n, true));
    }
}

fn resolve<'a>(r: &Value, components: &'a Map<String, Value>) -> Result<&'a Value, String> {
    let r = r.as_str().ok_or("$ref is not a string")?;
    r.strip_prefix("#/components/schemas/")
        .and_then(|name| components.get(name))
        .ok_or_else(|| format!("$ref {r:?} names no schema under #/components/schemas/"))
}
