//! Each model's Replicate input schema ([`schemas.json`](./schemas.json), kept apart from the
//! product's catalog) and the input validation Replicate does with it: an unknown input, a wrong
//! type, a value outside the enum or range, a missing required input → 422 with
//! `invalid_fields`, no prediction.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The built-in fixture.
pub const BUILTIN_JSON: &str = include_str!("schemas.json");

/// Type of one input, as in Replicate's OpenAPI schema (`uri` = string with format uri).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputType {
    String,
    Integer,
    Number,
    Boolean,
    Uri,
    Array,
}

impl InputType {
    fn name(self) -> &'static str {
        match self {
            InputType::String | InputType::Uri => "string",
            InputType::Integer => "integer",
            InputType::Number => "number",
            InputType::Boolean => "boolean",
            InputType::Array => "array",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: InputType,
    /// Item type of an `array` input.
    #[serde(default)]
    pub items: Option<InputType>,
    #[serde(default, rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    #[serde(default)]
    pub minimum: Option<f64>,
    #[serde(default)]
    pub maximum: Option<f64>,
    #[serde(default)]
    pub min_items: Option<usize>,
    #[serde(default)]
    pub max_items: Option<usize>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<Value>,
}

impl InputSpec {
    /// True for an input that takes image URLs (`uri`, or `array` of `uri`).
    pub fn is_source(&self) -> bool {
        self.ty == InputType::Uri || (self.ty == InputType::Array && self.items == Some(InputType::Uri))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputShape {
    /// One URL string.
    Uri,
    /// A list of URLs, even for one image.
    Array,
    /// A language model: a list of text pieces (tokens) to be joined.
    Text,
}

/// Where a restoration model's factor comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UpscaleBy {
    Fixed(f64),
    Input(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSchema {
    /// `owner/name`.
    pub model: String,
    /// `None` for an official model; the pinned 64-hex version of a community model.
    pub version: Option<String>,
    pub output: OutputShape,
    #[serde(default)]
    pub upscale_by: Option<UpscaleBy>,
    /// What the model makes: images (the default) or a video.
    #[serde(default)]
    pub output_media: OutputMedia,
    pub inputs: Vec<InputSpec>,
    /// Combinations of valid inputs the model refuses ([`super::refuse`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refuses: Vec<super::refuse::Refusal>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMedia {
    #[default]
    Image,
    Video,
}

impl ModelSchema {
    pub fn input(&self, name: &str) -> Option<&InputSpec> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The upscale factor of a restoration model for `input` (the schema default when absent);
    /// `None` for other models.
    pub fn upscale_factor(&self, input: &Value) -> Option<f64> {
        match self.upscale_by.as_ref()? {
            UpscaleBy::Fixed(f) => Some(*f),
            UpscaleBy::Input(name) => input
                .get(name)
                .or_else(|| self.input(name).and_then(|s| s.default.as_ref()))
                .and_then(Value::as_f64),
        }
    }

    /// The source URLs in `input`, in schema order: `(input name, url)`.
    pub fn sources(&self, input: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for spec in self.inputs.iter().filter(|s| s.is_source()) {
            match input.get(&spec.name) {
                Some(Value::String(u)) => out.push((spec.name.clone(), u.clone())),
                Some(Value::Array(items)) => out.extend(items.iter().filter_map(Value::as_str).map(|u| (spec.name.clone(), u.to_owned()))),
                _ => {}
            }
        }
        out
    }

    /// Replicate's validation of a prediction's `input`.
    pub fn validate(&self, input: &Value) -> Result<(), Vec<InvalidField>> {
        let Some(obj) = input.as_object() else {
            return Err(vec![InvalidField::new(
                "invalid_type",
                "input",
                format!("Invalid type. Expected: object, given: {}", json_type(input)),
            )]);
        };
        let mut errors = Vec::new();
        for spec in self.inputs.iter().filter(|s| s.required) {
            if !obj.contains_key(&spec.name) {
                errors.push(InvalidField::new("required", "input", format!("{} is required", spec.name)));
            }
        }
        let mut names: Vec<&String> = obj.keys().collect();
        names.sort();
        for name in names {
            let value = &obj[name];
            let Some(spec) = self.input(name) else {
                errors.push(InvalidField::new(
                    "additional_property_not_allowed",
                    "input",
                    format!("Additional property {name} is not allowed"),
                ));
                continue;
            };
            check_value(spec, spec.ty, &format!("input.{name}"), value, &mut errors);
        }
        if errors.is_empty() {
            errors = super::refuse::check(self, obj);
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

fn check_value(spec: &InputSpec, ty: InputType, field: &str, value: &Value, errors: &mut Vec<InvalidField>) {
    let type_ok = match ty {
        InputType::String | InputType::Uri => value.is_string(),
        InputType::Integer => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        InputType::Number => value.is_number(),
        InputType::Boolean => value.is_boolean(),
        InputType::Array => value.is_array(),
    };
    if !type_ok {
        errors.push(InvalidField::new(
            "invalid_type",
            field,
            format!("Invalid type. Expected: {}, given: {}", ty.name(), json_type(value)),
        ));
        return;
    }
    if ty == InputType::Uri {
        let s = value.as_str().unwrap_or_default();
        let ok = s.starts_with("data:") || reqwest::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            errors.push(InvalidField::new("format", field, "Does not match format 'uri'".into()));
        }
        return;
    }
    if ty == InputType::Array {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        if let Some(min) = spec.min_items.filter(|m| items.len() < *m) {
            errors.push(InvalidField::new(
                "array_min_items",
                field,
                format!("Array must have at least {min} items"),
            ));
        }
        if let Some(max) = spec.max_items.filter(|m| items.len() > *m) {
            errors.push(InvalidField::new(
                "array_max_items",
                field,
                format!("Array must have at most {max} items"),
            ));
        }
        if let Some(item_ty) = spec.items {
            for (i, item) in items.iter().enumerate() {
                check_value(spec, item_ty, &format!("{field}.{i}"), item, errors);
            }
        }
        return;
    }
    if let Some(values) = &spec.enum_values
        && !values.iter().any(|v| same_value(v, value))
    {
        let list: Vec<String> = values.iter().map(Value::to_string).collect();
        errors.push(InvalidField::new(
            "enum",
            field,
            format!("{field} must be one of the following: {}", list.join(", ")),
        ));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = spec.minimum.filter(|m| n < *m) {
            errors.push(InvalidField::new(
                "number_gte",
                field,
                format!("Must be greater than or equal to {min}"),
            ));
        }
        if let Some(max) = spec.maximum.filter(|m| n > *m) {
            errors.push(InvalidField::new(
                "number_lte",
                field,
                format!("Must be less than or equal to {max}"),
            ));
        }
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One entry of a 422's `invalid_fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidField {
    #[serde(rename = "type")]
    pub kind: String,
    pub field: String,
    pub description: String,
}

impl InvalidField {
    pub fn new(kind: &str, field: &str, description: String) -> Self {
        Self {
            kind: kind.into(),
            field: field.into(),
            description,
        }
    }

    /// The `detail` line Replicate writes for it: `- input.scale: Must be less than ...`.
    pub fn detail_line(&self) -> String {
        format!("- {}: {}", self.field, self.description)
    }
}

/// Problem with a schema fixture.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("schema fixture is not valid JSON for the expected shape: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("schema fixture: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct Fixture {
    models: Vec<ModelSchema>,
}

/// Every model the simulator knows, by `owner/name` and by community version.
#[derive(Debug, Clone, Default)]
pub struct Schemas {
    by_model: HashMap<String, ModelSchema>,
    by_version: HashMap<String, String>,
}

impl Schemas {
    /// The shipped fixture, `schemas.json`.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_JSON).expect("the simulator's schemas.json is valid")
    }

    /// A fixture in the shape of `schemas.json` (`{"models": [...]}`).
    pub fn parse(json: &str) -> Result<Self, SchemaError> {
        let mut s = Self::default();
        s.add_json(json)?;
        Ok(s)
    }

    /// Adds (or replaces) the models of another fixture, e.g. a test's extra model.
    pub fn add_json(&mut self, json: &str) -> Result<(), SchemaError> {
        let fixture: Fixture = serde_json::from_str(json)?;
        for m in fixture.models {
            self.add(m)?;
        }
        Ok(())
    }

    pub fn add(&mut self, m: ModelSchema) -> Result<(), SchemaError> {
        let bad = |what: &str| Err(SchemaError::Invalid(format!("{}: {what}", m.model)));
        if m.model.split('/').count() != 2 || m.model.split('/').any(str::is_empty) {
            return bad("model must be owner/name");
        }
        if let Some(v) = &m.version
            && !is_version_id(v)
        {
            return bad("version must be 64 lowercase hex digits");
        }
        for i in &m.inputs {
            if (i.ty == InputType::Array) != i.items.is_some() {
                return bad(&format!("input {}: items goes with type array, and only there", i.name));
            }
            if let Some(d) = &i.default {
                let mut errs = Vec::new();
                check_value(i, i.ty, &i.name, d, &mut errs);
                if !errs.is_empty() {
                    return bad(&format!("input {}: default does not satisfy its own schema", i.name));
                }
            }
        }
        if let Some(UpscaleBy::Input(name)) = &m.upscale_by
            && m.input(name)
                .is_none_or(|i| !matches!(i.ty, InputType::Integer | InputType::Number))
        {
            return bad("upscale_by must name a numeric input");
        }
        if !m.inputs.iter().any(InputSpec::is_source) && m.upscale_by.is_some() {
            return bad("a restoration model needs a uri input");
        }
        if let Err(e) = super::refuse::check_fixture(&m) {
            return bad(&e);
        }
        if let Some(v) = &m.version {
            self.by_version.insert(v.clone(), m.model.clone());
        }
        self.by_model.insert(m.model.clone(), m);
        Ok(())
    }

    /// An official model (no version), for `POST /v1/models/{owner}/{name}/predictions`.
    pub fn official(&self, model: &str) -> Option<&ModelSchema> {
        self.by_model.get(model).filter(|m| m.version.is_none())
    }

    /// A community model by its version id.
    pub fn by_version(&self, version: &str) -> Option<&ModelSchema> {
        self.by_version.get(version).and_then(|m| self.by_model.get(m))
    }

    pub fn get(&self, model: &str) -> Option<&ModelSchema> {
        self.by_model.get(model)
    }

    pub fn models(&self) -> impl Iterator<Item = &ModelSchema> {
        self.by_model.values()
    }
}

/// 64 lowercase hex digits.
pub fn is_version_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(r: Result<(), Vec<InvalidField>>) -> Vec<(String, String)> {
        r.unwrap_err().into_iter().map(|f| (f.kind, f.field)).collect()
    }

    #[test]
    fn builtin_fixture_has_every_model_the_product_uses() {
        let s = Schemas::builtin();
        for m in [
            "google/imagen-4",
            "google/imagen-4-ultra",
            "google/imagen-4-fast",
            "google/nano-banana",
            "qwen/qwen-image-edit-plus",
            "bytedance/seededit-3.0",
            "bytedance/seedream-4",
            "nightmareai/real-esrgan",
        ] {
            assert!(s.official(m).is_some(), "{m}");
        }
        for (v, m) in [
            (
                "cc4956dd26fa5a7185d5660cc9100fab1b8070a1d1654a8bb5eb6d443b020bb2",
                "sczhou/codeformer",
            ),
            (
                "0fbacf7afc6c144e5be9767cff80f25aff23e52b0708f17e20f9879b2f21516c",
                "tencentarc/gfpgan",
            ),
            ("a01b0512004918ca55d02e554914a9eca63909fa83a29ff0f115c78a7045574f", "mv-lab/swin2sr"),
        ] {
            assert_eq!(s.by_version(v).map(|m| m.model.as_str()), Some(m));
            assert!(s.official(m).is_none(), "{m} is a community model");
        }
        assert_eq!(s.get("qwen/qwen-image-edit-plus").unwrap().output, OutputShape::Array);
        assert_eq!(s.get("bytedance/seedream-4").unwrap().output, OutputShape::Array);
        assert_eq!(s.get("google/nano-banana").unwrap().output, OutputShape::Uri);
    }

    #[test]
    fn validation_finds_names_types_enums_ranges_and_required() {
        let s = Schemas::builtin();
        let gfpgan = s.get("tencentarc/gfpgan").unwrap();
        assert!(
            gfpgan
                .validate(&json!({"img": "https://x/a.png", "version": "v1.4", "scale": 2}))
                .is_ok()
        );
        assert_eq!(
            fields(gfpgan.validate(&json!({"image": "https://x/a.png"}))),
            vec![
                ("required".into(), "input".into()),
                ("additional_property_not_allowed".into(), "input".into())
            ]
        );
        assert_eq!(
            fields(gfpgan.validate(&json!({"img": "https://x/a.png", "version": "v9"}))),
            vec![("enum".into(), "input.version".into())]
        );
        let esr = s.get("nightmareai/real-esrgan").unwrap();
        assert_eq!(
            fields(esr.validate(&json!({"image": "https://x/a.png", "scale": "4"}))),
            vec![("invalid_type".into(), "input.scale".into())]
        );
        assert_eq!(
            fields(esr.validate(&json!({"image": "https://x/a.png", "scale": 11}))),
            vec![("number_lte".into(), "input.scale".into())]
        );
        assert_eq!(
            fields(esr.validate(&json!({"image": "not a url"}))),
            vec![("format".into(), "input.image".into())]
        );
        let qwen = s.get("qwen/qwen-image-edit-plus").unwrap();
        assert_eq!(
            fields(qwen.validate(&json!({"prompt": "x", "image": "https://x/a.png"}))),
            vec![("invalid_type".into(), "input.image".into())]
        );
        let seedream = s.get("bytedance/seedream-4").unwrap();
        let eleven: Vec<String> = (0..11).map(|i| format!("https://x/{i}.png")).collect();
        assert_eq!(
            fields(seedream.validate(&json!({"prompt": "x", "image_input": eleven}))),
            vec![("array_max_items".into(), "input.image_input".into())]
        );
        assert_eq!(
            fields(seedream.validate(&json!({"prompt": "x", "max_images": 2.5}))),
            vec![("invalid_type".into(), "input.max_images".into())]
        );
        assert!(seedream.validate(&json!({"prompt": "x", "max_images": 2.0})).is_ok());
        assert_eq!(
            fields(seedream.validate(&json!("x"))),
            vec![("invalid_type".into(), "input".into())]
        );
    }

    #[test]
    fn sources_and_factors_come_from_the_schema() {
        let s = Schemas::builtin();
        let qwen = s.get("qwen/qwen-image-edit-plus").unwrap();
        assert_eq!(
            qwen.sources(&json!({"image": ["https://a", "https://b"], "prompt": "https://not-a-source"})),
            vec![("image".to_string(), "https://a".to_string()), ("image".into(), "https://b".into())]
        );
        assert_eq!(qwen.upscale_factor(&json!({})), None);
        let esr = s.get("nightmareai/real-esrgan").unwrap();
        assert_eq!(esr.upscale_factor(&json!({})), Some(4.0));
        assert_eq!(esr.upscale_factor(&json!({"scale": 2.5})), Some(2.5));
        assert_eq!(s.get("mv-lab/swin2sr").unwrap().upscale_factor(&json!({})), Some(4.0));
        assert_eq!(
            s.get("sczhou/codeformer").unwrap().upscale_factor(&json!({"upscale": 3})),
            Some(3.0)
        );
    }

    #[test]
    fn broken_fixtures_are_refused() {
        let bad_default = r#"{"models": [{"model": "a/b", "version": null, "output": "uri",
            "inputs": [{"name": "n", "type": "integer", "maximum": 3, "default": 4}]}]}"#;
        assert!(Schemas::parse(bad_default).is_err());
        let bad_version = r#"{"models": [{"model": "a/b", "version": "abc", "output": "uri", "inputs": []}]}"#;
        assert!(Schemas::parse(bad_version).is_err());
        let typo = r#"{"models": [{"model": "a/b", "version": null, "output": "uri",
            "inputs": [{"name": "n", "type": "integer", "maxium": 3}]}]}"#;
        assert!(Schemas::parse(typo).is_err());
        let extra = r#"{"models": [{"model": "acme/edit", "version": null, "output": "uri",
            "inputs": [{"name": "photo", "type": "uri", "required": true}, {"name": "prompt", "type": "string"}]}]}"#;
        let mut s = Schemas::builtin();
        s.add_json(extra).unwrap();
        assert!(s.official("acme/edit").is_some() && s.official("google/imagen-4").is_some());
    }
}
