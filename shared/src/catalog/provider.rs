//! What the provider charges us for each model (`price.provider` of a catalog entry, and the
//! catalog's `hardware` table for models billed by the second), checked when the catalog loads,
//! and the cost of a finished prediction from it (`billing::provider_cost`).
use super::price::{parse_option_value, token_bounds, unit_price_of};
use super::{Catalog, CatalogError, ModelSpec};
use crate::billing::{BillingBasis, ProviderCost, Rate, provider_cost};
use crate::domain::Micros;
use crate::replicate::Prediction;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A model's price at the provider: the basis it is billed on and the price of a unit.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderPrice {
    pub basis: BillingBasis,
    /// µ$ per image, per second of video, or per 1000 output tokens (not for `hardware_second`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_micros: Option<i64>,
    /// µ$ per 1000 input tokens (`token` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_usd_micros: Option<i64>,
    /// `{option: {value: µ$}}`: replaces `usd_micros` when the option has that value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_option: BTreeMap<String, BTreeMap<String, i64>>,
    /// The hardware a `hardware_second` model runs on: a key of the catalog's `hardware`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
    /// The day (`YYYY-MM-DD`) this rule was checked against the provider; absent: unconfirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
    /// Where the rule comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One kind of provider hardware and its price per second.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    /// As the provider's pricing page names it (`Nvidia T4 GPU`).
    pub name: String,
    pub usd_micros_per_second: i64,
    /// The day (`YYYY-MM-DD`) the price was checked; absent: unconfirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
    pub source: String,
}

impl Catalog {
    /// The hardware table (`hardware` in models.json), by the provider's SKU (`gpu-t4`).
    pub fn hardware(&self) -> &BTreeMap<String, Hardware> {
        &self.hardware
    }

    /// The model's provider price for a job's options.
    pub fn provider_rate(&self, spec: &ModelSpec, options: &Map<String, Value>) -> Rate {
        let p = &spec.price.provider;
        let unit = || unit_price_of(p.usd_micros.unwrap_or(0), &p.by_option, options).0.max(0) as u64;
        match p.basis {
            BillingBasis::Image => Rate::PerImage(unit()),
            BillingBasis::VideoSecond => Rate::PerVideoSecond(unit()),
            BillingBasis::Token => Rate::PerThousandTokens {
                input: p.input_usd_micros.unwrap_or(0).max(0) as u64,
                output: unit(),
            },
            BillingBasis::HardwareSecond => Rate::PerHardwareSecond(
                p.hardware
                    .as_ref()
                    .and_then(|h| self.hardware.get(h))
                    .map_or(0, |h| h.usd_micros_per_second.max(0) as u64),
            ),
        }
    }

    /// What the provider bills for the finished prediction `p` of a job of `spec` with
    /// `options` (billing's rules: metered from its metrics, else estimated).
    pub fn provider_cost(&self, spec: &ModelSpec, options: &Map<String, Value>, p: &Prediction) -> ProviderCost {
        let rate = self.provider_rate(spec, options);
        provider_cost(rate, p, unmetered_estimate(rate, options, p.output_urls().len()))
    }
}

/// What a succeeded official run that reported no metric is estimated at: the images it
/// delivered, the duration it was asked for, or the job's token bound, at the provider's price.
fn unmetered_estimate(rate: Rate, options: &Map<String, Value>, delivered: usize) -> Micros {
    let times = |unit: u64, n: i64| Micros((unit as i64).saturating_mul(n.max(0)));
    match rate {
        Rate::PerImage(u) => times(u, delivered as i64),
        Rate::PerVideoSecond(u) => times(u, options.get("duration").and_then(Value::as_i64).unwrap_or(8)),
        Rate::PerThousandTokens { input, output } => {
            let (i, o) = token_bounds(options);
            let total = (input as i128 * i as i128 + output as i128 * o as i128 + 999) / 1000;
            Micros(i64::try_from(total).unwrap_or(i64::MAX))
        }
        Rate::PerHardwareSecond(_) => Micros::ZERO,
    }
}

/// Checks every model's provider price against its options and the hardware table.
pub(super) fn check(models: &[ModelSpec], hardware: &BTreeMap<String, Hardware>) -> Result<(), CatalogError> {
    for (sku, h) in hardware {
        let problem = if h.name.trim().is_empty() || h.source.trim().is_empty() {
            Some("needs a name and a source".to_string())
        } else if h.usd_micros_per_second <= 0 {
            Some("usd_micros_per_second must be positive".into())
        } else {
            h.checked.as_deref().and_then(date_problem)
        };
        if let Some(p) = problem {
            return Err(CatalogError::Invalid {
                model: format!("hardware {sku}"),
                problem: p,
            });
        }
    }
    for m in models {
        check_model(m, hardware).map_err(|p| CatalogError::Invalid {
            model: m.id.clone(),
            problem: format!("price.provider: {p}"),
        })?;
    }
    Ok(())
}

fn check_model(m: &ModelSpec, hardware: &BTreeMap<String, Hardware>) -> Result<(), String> {
    let p = &m.price.provider;
    if let Some(p) = p.checked.as_deref().and_then(date_problem) {
        return Err(p);
    }
    let positive = |v: Option<i64>, what: &str| match v {
        Some(n) if n > 0 => Ok(()),
        _ => Err(format!("{what} must be positive for basis {}", p.basis.as_str())),
    };
    match p.basis {
        BillingBasis::HardwareSecond => {
            let sku = p.hardware.as_deref().ok_or("basis hardware_second needs `hardware`")?;
            if !hardware.contains_key(sku) {
                return Err(format!("hardware {sku:?} is not in the catalog's hardware table"));
            }
            if p.usd_micros.is_some() || p.input_usd_micros.is_some() || !p.by_option.is_empty() {
                return Err("a hardware_second price comes from its hardware alone".into());
            }
        }
        BillingBasis::Token => {
            positive(p.usd_micros, "usd_micros")?;
            positive(p.input_usd_micros, "input_usd_micros")?;
        }
        BillingBasis::Image | BillingBasis::VideoSecond => {
            positive(p.usd_micros, "usd_micros")?;
            if p.input_usd_micros.is_some() {
                return Err("input_usd_micros is only for basis token".into());
            }
        }
    }
    if p.basis != BillingBasis::HardwareSecond && p.hardware.is_some() {
        return Err("hardware is only for basis hardware_second".into());
    }
    for (opt, values) in &p.by_option {
        let spec = m.options.get(opt).ok_or_else(|| format!("by_option names unknown option {opt}"))?;
        for (value, micros) in values {
            if *micros <= 0 || parse_option_value(spec, value).is_none() {
                return Err(format!("by_option.{opt}.{value}: not a value of the option, or not positive"));
            }
        }
    }
    Ok(())
}

fn date_problem(d: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .is_err()
        .then(|| format!("checked {d:?} is not a YYYY-MM-DD date"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cat() -> Catalog {
        Catalog::builtin().unwrap()
    }

    fn finished(metrics: &str, outputs: usize) -> Prediction {
        let urls: Vec<String> = (0..outputs).map(|i| format!("https://replicate.delivery/x/{i}.png")).collect();
        let text = format!(r#"{{"id":"p","status":"succeeded","output":{},"metrics":{metrics}}}"#, json!(urls));
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn every_model_has_a_provider_price_on_the_basis_replicate_bills_it() {
        let c = cat();
        for m in c.models() {
            let basis = m.price.provider.basis;
            // Official models (no version) are billed by their outputs; pinned community models
            // by their hardware's seconds. Real-ESRGAN runs without a version but is billed by
            // its hardware until the catalog check says it is official.
            let want = match (m.price.per, m.version.is_some()) {
                (_, true) | (crate::catalog::PriceUnit::Run, _) => BillingBasis::HardwareSecond,
                (crate::catalog::PriceUnit::Image, false) => BillingBasis::Image,
                (crate::catalog::PriceUnit::Second, false) => BillingBasis::VideoSecond,
                (crate::catalog::PriceUnit::Tokens, false) => BillingBasis::Token,
            };
            assert_eq!(basis, want, "{}", m.id);
            if basis == BillingBasis::HardwareSecond {
                let sku = m.price.provider.hardware.as_deref().unwrap();
                assert!(c.hardware().contains_key(sku), "{}: {sku}", m.id);
            }
        }
        let per_s: Vec<(&str, i64)> = c.hardware().iter().map(|(k, h)| (k.as_str(), h.usd_micros_per_second)).collect();
        assert_eq!(per_s, [("gpu-a100-large", 1400), ("gpu-l40s", 975), ("gpu-t4", 225)]);
        // Nothing is confirmed against the provider yet: no rule and no price claims a check.
        assert!(c.models().iter().all(|m| m.price.provider.checked.is_none()));
        assert!(
            c.hardware()
                .values()
                .all(|h| h.checked.is_none() && h.source.starts_with("unconfirmed"))
        );
    }

    #[test]
    fn the_catalog_prices_a_prediction_by_its_models_basis() {
        let c = cat();
        let cost = |id: &str, options: Value, p: &Prediction| {
            let m = c.get(id).unwrap();
            let o = options.as_object().unwrap().clone();
            let r = c.provider_cost(m, &o, p);
            (r.micros.0, r.metered)
        };
        let metered = finished(
            r#"{"predict_time":3.25,"image_count":2,"video_output_duration_seconds":6,"input_token_count":100,"output_token_count":40}"#,
            1,
        );
        assert_eq!(cost("imagen-4", json!({}), &metered), (80_000, true));
        assert_eq!(cost("veo-3.1", json!({"generate_audio": true}), &metered), (2_400_000, true));
        assert_eq!(cost("veo-3.1", json!({"generate_audio": false}), &metered), (1_200_000, true));
        assert_eq!(cost("veo-3.1-fast", json!({"generate_audio": false}), &metered), (600_000, true));
        // 100 × 50 + 40 × 250 = 15000 / 1000 = 15 µ$.
        assert_eq!(cost("llama-3-8b", json!({}), &metered), (15, true));
        // 3.25 s: T4 731.25 → 732; L40S 3168.75 → 3169; A100 4550.
        assert_eq!(cost("real-esrgan", json!({}), &metered), (732, true));
        assert_eq!(cost("gfpgan", json!({}), &metered), (732, true));
        assert_eq!(cost("codeformer", json!({}), &metered), (3169, true));
        assert_eq!(cost("swin2sr", json!({}), &metered), (4550, true));
        // Without the metric: the outputs delivered, the duration asked for, the token bound.
        let bare = finished(r#"{"total_time":1.0}"#, 3);
        assert_eq!(cost("seedream-4", json!({}), &bare), (90_000, false));
        assert_eq!(
            cost("veo-3.1-fast", json!({"duration": 4, "generate_audio": true}), &bare),
            (600_000, false)
        );
        let bound = cost("llama-3-8b", json!({"max_tokens": 400}), &bare);
        assert!(!bound.1 && bound.0 > 100, "{bound:?}");
    }

    #[test]
    fn provider_price_mistakes_are_caught_when_the_catalog_loads() {
        let model = |provider: Value| {
            json!({"models": [{"id":"a","name":"A","kinds":["image"],"default_for":["image"],"replicate":"o/n",
                "price":{"usd_micros":1,"per":"image","provider": provider},
                "options":{"q": {"type": "enum", "values": ["lo", "hi"], "default": "lo"}}}],
                "hardware": {"gpu-t4": {"name": "Nvidia T4 GPU", "usd_micros_per_second": 225, "source": "page"}}})
            .to_string()
        };
        for ok in [
            json!({"basis": "image", "usd_micros": 5, "by_option": {"q": {"hi": 9}}, "checked": "2026-05-01"}),
            json!({"basis": "hardware_second", "hardware": "gpu-t4"}),
            json!({"basis": "token", "usd_micros": 5, "input_usd_micros": 1}),
        ] {
            Catalog::from_json(&model(ok.clone())).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            json!({"basis": "image"}),
            json!({"basis": "image", "usd_micros": 0}),
            json!({"basis": "video_second", "usd_micros": 5, "input_usd_micros": 1}),
            json!({"basis": "token", "usd_micros": 5}),
            json!({"basis": "hardware_second"}),
            json!({"basis": "hardware_second", "hardware": "gpu-h100"}),
            json!({"basis": "hardware_second", "hardware": "gpu-t4", "usd_micros": 5}),
            json!({"basis": "image", "usd_micros": 5, "hardware": "gpu-t4"}),
            json!({"basis": "image", "usd_micros": 5, "by_option": {"q": {"mid": 9}}}),
            json!({"basis": "image", "usd_micros": 5, "by_option": {"nope": {"x": 9}}}),
            json!({"basis": "image", "usd_micros": 5, "checked": "May 2026"}),
            json!({"basis": "per_run", "usd_micros": 5}),
            json!({"basis": "image", "usd_micros": 5, "typo": 1}),
        ] {
            assert!(Catalog::from_json(&model(bad.clone())).is_err(), "{bad}");
        }
        // A model without a provider price does not load.
        let none = json!({"models": [{"id":"a","name":"A","kinds":["image"],"default_for":["image"],"replicate":"o/n",
            "price":{"usd_micros":1,"per":"image"},"options":{}}]});
        assert!(Catalog::from_json(&none.to_string()).is_err());
        // Nor a hardware price that is not positive.
        let free = model(json!({"basis": "hardware_second", "hardware": "gpu-t4"}))
            .replace("\"usd_micros_per_second\":225", "\"usd_micros_per_second\":0");
        assert!(Catalog::from_json(&free).is_err());
    }
}
