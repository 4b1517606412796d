//! The model catalog: `shared/catalog/models.json` loaded, validated, and used to validate
//! requests and price them. Adding a model is one entry in that file.
mod check;
pub mod drift;
#[cfg(test)]
mod drift_tests;
mod facts;
mod fit;
mod frames;
pub mod openapi;
mod price;
mod provider;
mod request;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod video_tests;

pub use crate::domain::JobKind as ModelKind;
pub use facts::Fact;
pub use fit::{DropReason, Dropped, Fitted, fit_options};
pub use frames::{FrameInput, FrameRequest, FrameRole};
pub use price::{actual_cost, estimate, expected_outputs, token_cost};
pub use provider::{Hardware, ProviderPrice};
pub use request::{FieldError, ValidRequest};

use crate::domain::Micros;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const CATALOG_JSON: &str = include_str!("../../catalog/models.json");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceUnit {
    Image,
    Second,
    Run,
    /// A language model: `usd_micros` per 1000 output tokens, `input_usd_micros` per 1000
    /// input tokens (charged from the prediction's token counts).
    #[serde(rename = "1k_tokens")]
    Tokens,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd_micros: i64,
    pub per: PriceUnit,
    /// `{option: {value: micros}}`: replaces `usd_micros` when the option has that value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_option: BTreeMap<String, BTreeMap<String, i64>>,
    /// Per 1000 input tokens, for `per: 1k_tokens` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_usd_micros: Option<i64>,
    /// What the provider charges us for a run (the operator's side: never shown to users).
    pub provider: ProviderPrice,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum OptionSpec {
    Enum {
        values: Vec<String>,
        default: Option<String>,
    },
    Integer {
        /// The only values allowed, when the model takes a fixed set (Veo's duration: 4, 6, 8).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Vec<i64>>,
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

/// Whether a model takes a prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptUse {
    #[default]
    Required,
    Optional,
    /// The model has no prompt input (restoration): the prompt must be empty and is not sent.
    None,
}

/// The Replicate input that takes the source images.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub field: String,
    /// An array of URLs (`true`) or one URL string (`false`).
    pub list: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub id: String,
    pub name: String,
    pub kinds: Vec<ModelKind>,
    #[serde(default)]
    pub default_for: Vec<ModelKind>,
    /// `owner/name` on Replicate.
    pub replicate: String,
    /// A community model's pinned version (64 hex): it runs through `POST /v1/predictions`.
    #[serde(default)]
    pub version: Option<String>,
    pub price: Price,
    #[serde(default)]
    pub prompt: PromptUse,
    #[serde(default)]
    pub sources: Option<SourceSpec>,
    #[serde(default)]
    pub min_source_images: u32,
    #[serde(default)]
    pub max_source_images: u32,
    /// A video model's frame inputs (start frame, end frame, reference images) and their rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub frames: BTreeMap<FrameRole, FrameInput>,
    pub options: BTreeMap<String, OptionSpec>,
    /// Option defaults that differ when the model edits (e.g. `match_input_image`).
    #[serde(default)]
    pub edit_defaults: Map<String, Value>,
    /// Replicate's own default of an input, where the catalog's option default differs on
    /// purpose or the catalog does not send the input and relies on it (`make catalog-check`
    /// compares each with Replicate's schema, like every catalog default without an entry here).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub replicate_defaults: Map<String, Value>,
    /// Where the model's provider rules come from, and whether Replicate confirmed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<Fact>,
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    models: Vec<ModelSpec>,
    /// Provider hardware and its price per second (`price.provider.hardware` names a key).
    #[serde(default)]
    hardware: BTreeMap<String, Hardware>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("catalog model {model}: {problem}")]
    Invalid { model: String, problem: String },
}

#[derive(Clone, Debug)]
pub struct Catalog {
    models: Vec<ModelSpec>,
    hardware: BTreeMap<String, Hardware>,
}

impl Catalog {
    /// The catalog compiled into every binary, validated.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_json(CATALOG_JSON)
    }

    pub fn from_json(text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text)?;
        let c = Self {
            models: file.models,
            hardware: file.hardware,
        };
        check::check(&c.models)?;
        provider::check(&c.models, &c.hardware)?;
        Ok(c)
    }

    pub fn models(&self) -> &[ModelSpec] {
        &self.models
    }

    pub fn get(&self, id: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.id == id)
    }
}

impl ModelSpec {
    pub fn offers(&self, kind: ModelKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The kind of a job this model runs from source images: restore or edit.
    pub fn source_kind(&self) -> Option<ModelKind> {
        [ModelKind::Restore, ModelKind::Edit].into_iter().find(|k| self.offers(*k))
    }

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
        let mut price = json!({ "usd": Micros(self.price.usd_micros).usd(), "per": self.price.per });
        if !self.price.by_option.is_empty() {
            let by: Map<String, Value> = self
                .price
                .by_option
                .iter()
                .map(|(opt, vals)| {
                    let v: Map<String, Value> = vals.iter().map(|(k, m)| (k.clone(), json!(Micros(*m).usd()))).collect();
                    (opt.clone(), Value::Object(v))
                })
                .collect();
            price["by_option"] = Value::Object(by);
        }
        if let Some(m) = self.price.input_usd_micros {
            price["input_usd"] = json!(Micros(m).usd());
        }
        let mut v = json!({
            "id": self.id,
            "name": self.name,
            "kinds": self.kinds,
            "replicate": self.replicate,
            "price": price,
            "prompt": self.prompt,
            "options": options,
            "min_source_images": self.min_source_images,
            "max_source_images": self.max_source_images,
        });
        if !self.default_for.is_empty() {
            v["default_for"] = json!(self.default_for);
        }
        if !self.edit_defaults.is_empty() {
            v["edit_defaults"] = Value::Object(self.edit_defaults.clone());
        }
        if !self.frames.is_empty() {
            v["frames"] = json!(self.frames);
        }
        v
    }

    /// The Replicate `input` for a validated request; `sources` are URLs the provider can read.
    pub fn replicate_input(&self, prompt: &str, options: &Map<String, Value>, sources: &[String]) -> Value {
        let mut input = options.clone();
        let send_prompt = match self.prompt {
            PromptUse::Required => true,
            PromptUse::Optional => !prompt.is_empty(),
            PromptUse::None => false,
        };
        if send_prompt {
            input.insert("prompt".into(), Value::from(prompt));
        }
        if let (Some(spec), false) = (&self.sources, sources.is_empty()) {
            let value = if spec.list { json!(sources) } else { json!(sources[0]) };
            input.insert(spec.field.clone(), value);
        }
        Value::Object(input)
    }
}
