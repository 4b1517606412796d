//! A user's request checked against the catalog: model, kind, prompt, source count, options.
use super::{Catalog, ModelKind, ModelSpec, OptionSpec, PromptUse};
use crate::domain::{Micros, Prompt, PromptError};
use serde_json::{Map, Value, json};

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

/// A generation request after validation: options complete with defaults.
#[derive(Clone, Debug)]
pub struct ValidRequest<'a> {
    pub model: &'a ModelSpec,
    pub prompt: Prompt,
    pub options: Map<String, Value>,
    pub estimated: Micros,
}

fn kind_name(k: ModelKind) -> &'static str {
    match k {
        ModelKind::Image => "text-to-image",
        ModelKind::Edit => "editing",
        ModelKind::Restore => "restoration",
        ModelKind::Video => "video",
        ModelKind::Text => "text",
    }
}

impl Catalog {
    /// Validates a request for a job of `kind` with `sources` source images.
    pub fn validate<'a>(
        &'a self,
        kind: ModelKind,
        model: &str,
        prompt: &str,
        options: &Map<String, Value>,
        sources: usize,
    ) -> Result<ValidRequest<'a>, FieldError> {
        let spec = self
            .get(model)
            .ok_or_else(|| FieldError::new("model", format!("unknown model {model:?}")))?;
        if !spec.offers(kind) {
            return Err(FieldError::new(
                "model",
                format!("{} cannot be used for {}", spec.name, kind_name(kind)),
            ));
        }
        let prompt = match spec.prompt {
            PromptUse::None if !prompt.trim().is_empty() => {
                return Err(FieldError::new("prompt", format!("{} takes no prompt; leave it empty", spec.name)));
            }
            p => Prompt::parse(prompt, p != PromptUse::Required).map_err(|e| match e {
                PromptError::Empty => FieldError::new("prompt", "prompt must not be empty"),
                other => FieldError::new("prompt", other.to_string()),
            })?,
        };
        check_sources(spec, kind, sources)?;
        for key in options.keys() {
            if !spec.options.contains_key(key) {
                return Err(FieldError::new(
                    format!("options.{key}"),
                    format!("unknown option {key:?} for model {}", spec.id),
                ));
            }
        }
        let mut out = Map::new();
        for (name, opt) in &spec.options {
            let field = format!("options.{name}");
            let value = match options.get(name) {
                None | Some(Value::Null) => {
                    let edit_default = kind.takes_sources().then(|| spec.edit_defaults.get(name).cloned()).flatten();
                    match edit_default.or_else(|| default_of(opt)) {
                        Some(d) => d,
                        None => continue,
                    }
                }
                Some(v) => check_value(opt, v).map_err(|m| FieldError::new(field, m))?,
            };
            out.insert(name.clone(), value);
        }
        let estimated = super::estimate(spec, &out);
        Ok(ValidRequest {
            model: spec,
            prompt,
            options: out,
            estimated,
        })
    }
}

impl Catalog {
    /// Validates a video request: model, prompt and options as for any job, then its frames
    /// (`frames` says how many images each frame field gives) against the model's rules.
    pub fn validate_video<'a>(
        &'a self,
        model: &str,
        prompt: &str,
        options: &Map<String, Value>,
        frames: &super::FrameRequest,
    ) -> Result<ValidRequest<'a>, FieldError> {
        let valid = self.validate(ModelKind::Video, model, prompt, options, 0)?;
        super::frames::check_request(valid.model, frames, &valid.options)?;
        Ok(valid)
    }
}

fn check_sources(spec: &ModelSpec, kind: ModelKind, n: usize) -> Result<(), FieldError> {
    let field = "source_asset_ids";
    if !kind.takes_sources() {
        return match n {
            0 => Ok(()),
            _ => Err(FieldError::new(field, "this request takes no source images")),
        };
    }
    let (min, max) = (spec.min_source_images as usize, spec.max_source_images as usize);
    if n < min || n > max {
        let want = if min == max {
            format!("exactly {min} source image{}", if min == 1 { "" } else { "s" })
        } else {
            format!("{min} to {max} source images")
        };
        return Err(FieldError::new(field, format!("{} takes {want}; got {n}", spec.name)));
    }
    Ok(())
}

pub(super) fn default_of(opt: &OptionSpec) -> Option<Value> {
    match opt {
        OptionSpec::Enum { default, .. } => default.clone().map(Value::from),
        OptionSpec::Integer { default, .. } => default.map(Value::from),
        OptionSpec::Number { default, .. } => default.map(Value::from),
        OptionSpec::Boolean { default } => default.map(Value::from),
        OptionSpec::String { default, .. } => default.clone().map(Value::from),
    }
}

fn range_message(min: Option<String>, max: Option<String>) -> String {
    format!(
        "must be between {} and {}",
        min.unwrap_or_else(|| "-∞".into()),
        max.unwrap_or_else(|| "∞".into())
    )
}

pub(super) fn check_value(opt: &OptionSpec, v: &Value) -> Result<Value, String> {
    match opt {
        OptionSpec::Enum { values, .. } => match v.as_str() {
            Some(s) if values.iter().any(|x| x == s) => Ok(v.clone()),
            _ => Err(format!("must be one of {}", values.join(", "))),
        },
        OptionSpec::Integer { values, min, max, .. } => {
            // A whole number written as a float (`8.0`) is one, as JSON Schema's `integer` says
            // (docs/openapi.yaml); it goes on as the integer.
            let n = crate::api::whole_number(v).ok_or("must be an integer")?;
            if let Some(vs) = values
                && !vs.contains(&n)
            {
                let list: Vec<String> = vs.iter().map(i64::to_string).collect();
                return Err(format!("must be one of {}", list.join(", ")));
            }
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(range_message(min.map(|m| m.to_string()), max.map(|m| m.to_string())));
            }
            Ok(json!(n))
        }
        OptionSpec::Number { min, max, .. } => {
            let n = v.as_f64().filter(|n| n.is_finite()).ok_or("must be a number")?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(range_message(min.map(|m| m.to_string()), max.map(|m| m.to_string())));
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
