//! The model catalog: `shared/catalog/models.json` loaded, validated, and used to validate
//! requests and price them. Adding a model is one entry in that file.
use crate::domain::{JobKind, Micros, Prompt, PromptError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashSet};

const CATALOG_JSON: &str = include_str!("../../catalog/models.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Image,
    Edit,
    Video,
    Restore,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceUnit {
    Image,
    Second,
    Run,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Price {
    pub usd_micros: i64,
    pub per: PriceUnit,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum OptionSpec {
    Enum {
        values: Vec<String>,
        default: Option<String>,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
        default: Option<i64>,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        default: Option<f64>,
    },
    Boolean {
        default: Option<bool>,
    },
    String {
        max_len: Option<usize>,
        default: Option<String>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModelSpec {
    pub id: String,
    pub name: String,
    pub kind: ModelKind,
    pub replicate: String,
    pub price: Price,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub max_source_images: u32,
    #[serde(default)]
    pub prompt_optional: bool,
    pub options: BTreeMap<String, OptionSpec>,
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    models: Vec<ModelSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("catalog model {model}: {problem}")]
    Invalid { model: String, problem: String },
}

/// A request field that failed validation: becomes a 400 with `error.field`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Catalog {
    models: Vec<ModelSpec>,
}

/// A generation request after validation: options complete with defaults.
#[derive(Clone, Debug)]
pub struct ValidRequest<'a> {
    pub model: &'a ModelSpec,
    pub prompt: Prompt,
    pub options: Map<String, Value>,
    pub estimated: Micros,
}

impl Catalog {
    /// The catalog compiled into every binary, validated.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_json(CATALOG_JSON)
    }

    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text)?;
        let c = Self { models: file.models };
        c.check()?;
        Ok(c)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let bad = |m: &ModelSpec, p: String| CatalogError::Invalid {
            model: m.id.clone(),
            problem: p,
        };
        let mut ids = HashSet::new();
        if self.models.is_empty() {
            return Err(CatalogError::Invalid {
                model: "-".into(),
                problem: "no models".into(),
            });
        }
        for m in &self.models {
            if !ids.insert(&m.id) {
                return Err(bad(m, "duplicate id".into()));
            }
            if m.id.is_empty()
                || !m
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            {
                return Err(bad(m, "id must be lowercase letters, digits, '-' or '.'".into()));
            }
            let parts: Vec<_> = m.replicate.split('/').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                return Err(bad(m, format!("replicate name {:?} is not owner/name", m.replicate)));
            }
            if m.price.usd_micros <= 0 {
                return Err(bad(m, "price must be positive".into()));
            }
            for (name, spec) in &m.options {
                if name == "prompt" || name.is_empty() {
                    return Err(bad(m, format!("option name {name:?} is reserved")));
                }
                let problem = match spec {
                    OptionSpec::Enum { values, default } => {
                        if values.is_empty() {
                            Some("enum without values")
                        } else if default.as_ref().is_some_and(|d| !values.contains(d)) {
                            Some("enum default not among values")
                        } else {
                            None
                        }
                    }
                    OptionSpec::Integer { min, max, default } => {
                        range_problem(min.map(|v| v as f64), max.map(|v| v as f64), default.map(|v| v as f64))
                    }
                    OptionSpec::Number { min, max, default } => range_problem(*min, *max, *default),
                    OptionSpec::Boolean { .. } => None,
                    OptionSpec::String { max_len, default } => default
                        .as_ref()
                        .zip(*max_len)
                        .and_then(|(d, n)| (d.chars().count() > n).then_some("string default longer than max_len")),
                };
                if let Some(p) = problem {
                    return Err(bad(m, format!("option {name}: {p}")));
                }
            }
        }
        // The picker preselects one model per kind: every kind offered has exactly one default.
        let mut kinds: Vec<ModelKind> = self.models.iter().map(|m| m.kind).collect();
        kinds.dedup();
        for kind in kinds {
            let n = self.models.iter().filter(|m| m.kind == kind && m.default).count();
            if n != 1 {
                return Err(CatalogError::Invalid {
                    model: "-".into(),
                    problem: format!("{n} default models of kind {kind:?}; want exactly 1"),
                });
            }
        }
        Ok(())
    }

    pub fn models(&self) -> &[ModelSpec] {
        &self.models
    }

    pub fn get(&self, id: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.id == id)
    }

    /// Validates a generation request for a job of `job_kind` against the catalog.
    pub fn validate<'a>(
        &'a self,
        job_kind: JobKind,
        model: &str,
        prompt: &str,
        options: &Map<String, Value>,
    ) -> Result<ValidRequest<'a>, FieldError> {
        let spec = self
            .get(model)
            .ok_or_else(|| FieldError::new("model", format!("unknown model {model:?}")))?;
        let kind_ok = match job_kind {
            JobKind::Image => spec.kind == ModelKind::Image,
            JobKind::Edit => matches!(spec.kind, ModelKind::Edit | ModelKind::Restore),
            JobKind::Video => spec.kind == ModelKind::Video,
        };
        if !kind_ok {
            return Err(FieldError::new("model", format!("model {model:?} cannot be used for this request")));
        }
        let prompt = Prompt::parse(prompt, spec.prompt_optional).map_err(|e| match e {
            PromptError::Empty => FieldError::new("prompt", "prompt must not be empty"),
            other => FieldError::new("prompt", other.to_string()),
        })?;
        let mut out = Map::new();
        for key in options.keys() {
            if !spec.options.contains_key(key) {
                return Err(FieldError::new(
                    format!("options.{key}"),
                    format!("unknown option {key:?} for model {}", spec.id),
                ));
            }
        }
        for (name, opt) in &spec.options {
            let field = format!("options.{name}");
            let value = match options.get(name) {
                None | Some(Value::Null) => match default_of(opt) {
                    Some(d) => d,
                    None => continue,
                },
                Some(v) => check_value(opt, v).map_err(|m| FieldError::new(field, m))?,
            };
            out.insert(name.clone(), value);
        }
        let estimated = estimate(spec, &out);
        Ok(ValidRequest {
            model: spec,
            prompt,
            options: out,
            estimated,
        })
    }
}

fn range_problem(min: Option<f64>, max: Option<f64>, default: Option<f64>) -> Option<&'static str> {
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Some("min greater than max");
    }
    match default {
        Some(d) if min.is_some_and(|m| d < m) || max.is_some_and(|m| d > m) => Some("default out of range"),
        _ => None,
    }
}

fn default_of(opt: &OptionSpec) -> Option<Value> {
    match opt {
        OptionSpec::Enum { default, .. } => default.clone().map(Value::from),
        OptionSpec::Integer { default, .. } => default.map(Value::from),
        OptionSpec::Number { default, .. } => default.map(Value::from),
        OptionSpec::Boolean { default } => default.map(Value::from),
        OptionSpec::String { default, .. } => default.clone().map(Value::from),
    }
}

fn check_value(opt: &OptionSpec, v: &Value) -> Result<Value, String> {
    match opt {
        OptionSpec::Enum { values, .. } => match v.as_str() {
            Some(s) if values.iter().any(|x| x == s) => Ok(v.clone()),
            _ => Err(format!("must be one of {}", values.join(", "))),
        },
        OptionSpec::Integer { min, max, .. } => {
            let n = v.as_i64().ok_or("must be an integer")?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(format!(
                    "must be between {} and {}",
                    min.map_or("-∞".into(), |m| m.to_string()),
                    max.map_or("∞".into(), |m| m.to_string())
                ));
            }
            Ok(json!(n))
        }
        OptionSpec::Number { min, max, .. } => {
            let n = v.as_f64().filter(|n| n.is_finite()).ok_or("must be a number")?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(format!(
                    "must be between {} and {}",
                    min.map_or("-∞".into(), |m| m.to_string()),
                    max.map_or("∞".into(), |m| m.to_string())
                ));
            }
            Ok(json!(n))
        }
        OptionSpec::Boolean { .. } => v.as_bool().map(Value::from).ok_or_else(|| "must be true or false".to_string()),
        OptionSpec::String { max_len, .. } => {
            let s = v.as_str().ok_or("must be a string")?;
            if max_len.is_some_and(|n| s.chars().count() > n) {
                return Err(format!("must be at most {} characters", max_len.unwrap_or(0)));
            }
            Ok(v.clone())
        }
    }
}

/// How many outputs a request asks for (1 unless the model has a count option).
fn output_count(options: &Map<String, Value>) -> i64 {
    ["num_outputs", "max_images"]
        .iter()
        .find_map(|k| options.get(*k).and_then(Value::as_i64))
        .unwrap_or(1)
        .max(1)
}

/// The cost reserved before running: the most this request can cost.
pub fn estimate(spec: &ModelSpec, options: &Map<String, Value>) -> Micros {
    let units = match spec.price.per {
        PriceUnit::Image => output_count(options),
        PriceUnit::Second => options.get("duration").and_then(Value::as_i64).unwrap_or(8).max(1),
        PriceUnit::Run => 1,
    };
    Micros(spec.price.usd_micros.saturating_mul(units))
}

/// How many output files a request asks for (and has money reserved for).
pub fn expected_outputs(spec: &ModelSpec, options: &Map<String, Value>) -> usize {
    match spec.price.per {
        PriceUnit::Image => output_count(options).max(1) as usize,
        PriceUnit::Second | PriceUnit::Run => 1,
    }
}

/// The real cost of a finished run with `outputs` files delivered.
pub fn actual_cost(spec: &ModelSpec, options: &Map<String, Value>, outputs: usize) -> Micros {
    match spec.price.per {
        PriceUnit::Image => Micros(spec.price.usd_micros.saturating_mul(outputs as i64)),
        PriceUnit::Second | PriceUnit::Run => estimate(spec, options),
    }
}

impl ModelSpec {
    /// The `Model` object of api.md.
    pub fn to_api(&self) -> Value {
        let options: Map<String, Value> = self
            .options
            .iter()
            .map(|(k, o)| {
                let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
                if let Some(obj) = v.as_object_mut() {
                    obj.retain(|_, x| !x.is_null());
                }
                (k.clone(), v)
            })
            .collect();
        json!({
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "replicate": self.replicate,
            "price": { "usd": Micros(self.price.usd_micros).usd(), "per": self.price.per },
            "options": options,
            "max_source_images": self.max_source_images,
            "default": self.default,
        })
    }

    /// The Replicate `input` for a validated request.
    pub fn replicate_input(&self, prompt: &str, options: &Map<String, Value>) -> Value {
        let mut input = options.clone();
        if !prompt.is_empty() || !self.prompt_optional {
            input.insert("prompt".into(), Value::from(prompt));
        }
        Value::Object(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog::builtin().expect("the shipped catalog is valid")
    }

    #[test]
    fn shipped_catalog_has_the_required_models() {
        let c = cat();
        for (id, replicate) in [
            ("imagen-4", "google/imagen-4"),
            ("imagen-4-ultra", "google/imagen-4-ultra"),
            ("imagen-4-fast", "google/imagen-4-fast"),
            ("nano-banana", "google/nano-banana"),
        ] {
            assert_eq!(c.get(id).unwrap().replicate, replicate);
        }
        assert!(c.get("imagen-4").unwrap().default);
    }

    #[test]
    fn fills_defaults_and_prices() {
        let c = cat();
        let r = c.validate(JobKind::Image, "imagen-4", " a fox ", &Map::new()).unwrap();
        assert_eq!(r.prompt.as_str(), "a fox");
        assert_eq!(r.options["aspect_ratio"], "1:1");
        assert_eq!(r.estimated, Micros(40_000));
        let input = r.model.replicate_input(r.prompt.as_str(), &r.options);
        assert_eq!(input["prompt"], "a fox");
        assert_eq!(input["safety_filter_level"], "block_only_high");
    }

    #[test]
    fn rejects_bad_requests_with_the_field() {
        let c = cat();
        let opts = |v: Value| v.as_object().unwrap().clone();
        let err = |m: &str, p: &str, o: Value| c.validate(JobKind::Image, m, p, &opts(o)).unwrap_err().field;
        assert_eq!(err("dall-e", "x", json!({})), "model");
        assert_eq!(err("imagen-4", "", json!({})), "prompt");
        assert_eq!(err("imagen-4", &"x".repeat(2001), json!({})), "prompt");
        assert_eq!(err("imagen-4", "x", json!({"aspect_ratio": "2:1"})), "options.aspect_ratio");
        assert_eq!(err("imagen-4", "x", json!({"aspect_ratio": 1})), "options.aspect_ratio");
        assert_eq!(err("imagen-4", "x", json!({"seed": 1})), "options.seed");
        assert_eq!(err("nano-banana", "x", json!({"aspect_ratio": "1:3"})), "options.aspect_ratio");
    }

    #[test]
    fn catalog_validation_catches_mistakes() {
        let bad = [
            r#"{"models":[]}"#,
            r#"{"models":[{"id":"a","name":"A","kind":"image","replicate":"noslash","price":{"usd_micros":1,"per":"image"},"default":true,"options":{}}]}"#,
            r#"{"models":[{"id":"a","name":"A","kind":"image","replicate":"o/n","price":{"usd_micros":0,"per":"image"},"default":true,"options":{}}]}"#,
            r#"{"models":[{"id":"a","name":"A","kind":"image","replicate":"o/n","price":{"usd_micros":1,"per":"image"},"default":true,"options":{"x":{"type":"enum","values":["a"],"default":"b"}}}]}"#,
            r#"{"models":[{"id":"a","name":"A","kind":"image","replicate":"o/n","price":{"usd_micros":1,"per":"image"},"default":true,"options":{"x":{"type":"integer","min":5,"max":1}}}]}"#,
            r#"{"models":[{"id":"a","name":"A","kind":"image","replicate":"o/n","price":{"usd_micros":1,"per":"image"},"default":false,"options":{}}]}"#,
        ];
        for b in bad {
            assert!(Catalog::from_json(b).is_err(), "{b}");
        }
    }

    #[test]
    fn api_shape_shows_dollars() {
        let m = cat().get("imagen-4").unwrap().to_api();
        assert_eq!(m["price"]["usd"], json!(0.04));
        assert_eq!(m["price"]["per"], "image");
        assert_eq!(m["options"]["aspect_ratio"]["type"], "enum");
        assert_eq!(m["options"]["aspect_ratio"]["default"], "1:1");
    }

    #[test]
    fn actual_cost_counts_delivered_images() {
        let c = cat();
        let m = c.get("imagen-4").unwrap();
        assert_eq!(actual_cost(m, &Map::new(), 1), Micros(40_000));
        assert_eq!(actual_cost(m, &Map::new(), 0), Micros(0));
    }
}
