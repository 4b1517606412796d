//! What a finished prediction reports and what Replicate would bill for it.
//!
//! **Metrics**, shaped like Replicate's: `predict_time` (seconds the model ran, to the
//! microsecond) and `total_time` for every prediction that started; `image_count` for an
//! official image model's images; `video_output_duration_seconds` for a video; and
//! `input_token_count` / `output_token_count` for a language model. They are written as JSON
//! text from integer microseconds and counts, so what the system reads is exactly what the
//! ledger billed. The `no-metrics` fault leaves them out.
//!
//! **The ledger** ([`Bill`], `GET /_sim/ledger`): one entry per finished prediction of a model
//! in [`billing.json`](./billing.json) (the simulator's own price list, apart from the
//! catalog), by Replicate's rules: official models by their outputs, community models by
//! `predict_time` × their hardware's price per second; an aborted prediction is not billed, a
//! canceled or failed one is billed for what it did. Each bill is rounded up to the
//! micro-dollar. Tests compare the system's computed provider cost with it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::replicate::{Metrics, PredictionStatus};

use super::fault::Fault;
use super::schema::{OutputMedia, OutputShape};
use super::server::{Entry, Sim};

/// The built-in price list.
pub const BUILTIN_JSON: &str = include_str!("billing.json");

/// How Replicate bills one model.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "per", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    Image {
        usd_micros: u64,
    },
    VideoSecond {
        with_audio_usd_micros: u64,
        without_audio_usd_micros: u64,
    },
    Token {
        input_usd_micros_per_million: u64,
        output_usd_micros_per_million: u64,
    },
    HardwareSecond {
        hardware: String,
    },
}

/// The simulator's price list ([`BUILTIN_JSON`]).
#[derive(Debug, Clone, Deserialize)]
pub struct Pricing {
    hardware_usd_micros_per_second: HashMap<String, u64>,
    models: HashMap<String, Rule>,
}

impl Pricing {
    pub fn builtin() -> Self {
        let p: Self = serde_json::from_str(BUILTIN_JSON).expect("billing.json parses");
        for (model, rule) in &p.models {
            if let Rule::HardwareSecond { hardware } = rule {
                assert!(
                    p.hardware_usd_micros_per_second.contains_key(hardware),
                    "billing.json: {model} runs on unknown hardware {hardware}"
                );
            }
        }
        p
    }

    pub fn rule(&self, model: &str) -> Option<&Rule> {
        self.models.get(model)
    }
}

/// One prediction Replicate would bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bill {
    pub prediction_id: String,
    /// `owner/name`.
    pub model: String,
    pub status: String,
    /// `image`, `video_second`, `token` or `hardware_second`.
    pub basis: &'static str,
    /// What was billed: images, seconds (decimal text) or `in+out` tokens.
    pub quantity: String,
    pub cost_micros: u64,
}

/// What a finished prediction produced, for its metrics and its bill.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Produced {
    pub images: usize,
    pub tokens: Option<(u64, u64)>,
    /// Seconds of video delivered.
    pub video_seconds: Option<u64>,
}

impl Produced {
    pub fn nothing() -> Self {
        Self::default()
    }

    /// A succeeded prediction's outputs: `files` images, or one video of the input's duration.
    pub fn outputs(e: &Entry, files: usize) -> Self {
        if e.schema.output_media == OutputMedia::Video {
            let duration = e
                .pred
                .input
                .get("duration")
                .or_else(|| e.schema.input("duration").and_then(|s| s.default.as_ref()))
                .and_then(Value::as_u64)
                .unwrap_or(8);
            return Self {
                video_seconds: (files > 0).then_some(duration),
                ..Self::default()
            };
        }
        Self {
            images: files,
            ..Self::default()
        }
    }
}

fn micros_between(from: Option<&str>, to: Option<&str>) -> Option<u64> {
    let t = |s: Option<&str>| chrono::DateTime::parse_from_rfc3339(s?).ok();
    u64::try_from((t(to)? - t(from)?).num_microseconds()?).ok()
}

fn seconds_text(micros: u64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Ends the bookkeeping of a prediction that just became terminal (status and `completed_at`
/// set): writes its metrics (unless the `no-metrics` fault) and adds its bill to the ledger.
pub(super) fn finish(sim: &Sim, e: &mut Entry, produced: Produced) {
    let p = &e.pred;
    let ran = micros_between(p.started_at.as_deref(), p.completed_at.as_deref());
    let total = micros_between(p.created_at.as_deref(), p.completed_at.as_deref());
    let official = e.schema.version.is_none();
    let mut fields: Vec<(&str, String)> = Vec::new();
    if let Some(us) = ran {
        fields.push(("predict_time", seconds_text(us)));
    }
    if let Some(us) = total {
        fields.push(("total_time", seconds_text(us)));
    }
    if official && produced.images > 0 && e.schema.output != OutputShape::Text {
        fields.push(("image_count", produced.images.to_string()));
    }
    if let Some(s) = produced.video_seconds {
        fields.push(("video_output_duration_seconds", format!("{s}.0")));
    }
    if let Some((i, o)) = produced.tokens {
        fields.push(("input_token_count", i.to_string()));
        fields.push(("output_token_count", o.to_string()));
    }
    let text = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",");
    e.pred.metrics = if e.fault == Some(Fault::NoMetrics) {
        None
    } else {
        Some(Metrics::from_json(&format!("{{{text}}}")).expect("simulator metrics are JSON"))
    };
    if let Some(bill) = bill(sim, e, produced, ran.unwrap_or(0)) {
        sim.ledger.lock().unwrap().push(bill);
    }
}

/// What Replicate would bill for the finished prediction of `e` (None for a model the price
/// list does not know).
fn bill(sim: &Sim, e: &Entry, produced: Produced, ran_micros: u64) -> Option<Bill> {
    let p = &e.pred;
    let rule = sim.pricing.rule(&p.model)?;
    let aborted = p.status == PredictionStatus::Aborted;
    let (basis, quantity, cost) = match rule {
        Rule::Image { usd_micros } => {
            let n = produced.images as u64;
            ("image", n.to_string(), n * usd_micros)
        }
        Rule::VideoSecond {
            with_audio_usd_micros,
            without_audio_usd_micros,
        } => {
            let audio = p
                .input
                .get("generate_audio")
                .or_else(|| e.schema.input("generate_audio").and_then(|s| s.default.as_ref()))
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let per = if audio { with_audio_usd_micros } else { without_audio_usd_micros };
            let s = produced.video_seconds.unwrap_or(0);
            ("video_second", s.to_string(), s * per)
        }
        Rule::Token {
            input_usd_micros_per_million,
            output_usd_micros_per_million,
        } => {
            let (i, o) = produced.tokens.unwrap_or((0, 0));
            let micro_micros = i * input_usd_micros_per_million + o * output_usd_micros_per_million;
            ("token", format!("{i}+{o}"), micro_micros.div_ceil(1_000_000))
        }
        Rule::HardwareSecond { hardware } => {
            let rate = sim.pricing.hardware_usd_micros_per_second[hardware];
            let cost = (u128::from(ran_micros) * u128::from(rate)).div_ceil(1_000_000);
            ("hardware_second", seconds_text(ran_micros), cost as u64)
        }
    };
    Some(Bill {
        prediction_id: p.id.clone(),
        model: p.model.clone(),
        status: p.status.as_str().to_string(),
        basis,
        quantity,
        cost_micros: if aborted { 0 } else { cost },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_list_knows_every_built_in_model() {
        let pricing = Pricing::builtin();
        for m in super::super::Schemas::builtin().models() {
            assert!(pricing.rule(&m.model).is_some(), "{} has no price in billing.json", m.model);
        }
        assert_eq!(seconds_text(4_532_184), "4.532184");
        assert_eq!(seconds_text(999), "0.000999");
    }
}
