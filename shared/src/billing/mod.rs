//! The operator's side of the money: what the provider bills for a prediction, computed from
//! the metrics it reports and the catalog's price rule for the model (`price.provider`). The
//! user's side (estimate, charge) is `catalog::price`. Pure: no AWS, no clock, no floats.
//!
//! **Bases.** Replicate bills official models by predictable metrics and other ("community")
//! models by the time their hardware ran:
//! - `image`: `metrics.image_count` × the price of an image;
//! - `video_second`: `metrics.video_output_duration_seconds` × the price of a second (which may
//!   depend on an option: Veo with or without audio);
//! - `token`: `input_token_count` and `output_token_count` × their prices per 1000 tokens;
//! - `hardware_second`: `metrics.predict_time` × the hardware's price per second.
//!
//! **Rounding.** Quantities are read exactly from the JSON text ([`Decimal`]); the product is
//! rounded once per prediction, **up** to the next whole micro-dollar (the operator's figure
//! never understates a bill).
//!
//! **Metered or estimated.** A cost computed from the metric its basis names is *metered*.
//! When the metric is missing (or unreadable) the cost is *estimated*: a hardware model's
//! time from `started_at`..`completed_at`, else nothing; an official model's succeeded run
//! from what the job asked for ([`provider_cost`]'s `if_unmetered`), any other run nothing.
//! An `aborted` prediction never ran and is not billed: 0, metered.
mod decimal;
mod ledger;
mod record;
mod runtime;

pub use decimal::{Decimal, DecimalError, MAX_SCALE};
pub use ledger::{LEDGER_SHARDS, LedgerEntry, OPERATOR_PARTITION, UNDERPRICED_SHARE_PERCENT, is_underpriced_day, ledger_shard};
pub use record::{MAX_METRICS_BYTES, ProviderRecord};
pub use runtime::{MAX_TIMED_MS, MIN_TIMED_RUNS, RunTimes, run_ms, timed_months};

use crate::domain::Micros;
use crate::replicate::{Prediction, PredictionStatus};
use serde::{Deserialize, Serialize};

/// What a provider bill is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingBasis {
    /// Per output image (`image_count`).
    Image,
    /// Per second of output video (`video_output_duration_seconds`).
    VideoSecond,
    /// Per input and output token (`input_token_count`, `output_token_count`).
    Token,
    /// Per second the model's hardware ran (`predict_time`).
    HardwareSecond,
}

impl BillingBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::VideoSecond => "video_second",
            Self::Token => "token",
            Self::HardwareSecond => "hardware_second",
        }
    }

    /// The metric names this basis is billed by.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            Self::Image => &["image_count"],
            Self::VideoSecond => &["video_output_duration_seconds"],
            Self::Token => &["input_token_count", "output_token_count"],
            Self::HardwareSecond => &["predict_time"],
        }
    }
}

/// A model's provider price resolved for one job's options, in micro-dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    PerImage(u64),
    PerVideoSecond(u64),
    /// Per 1000 tokens.
    PerThousandTokens {
        input: u64,
        output: u64,
    },
    PerHardwareSecond(u64),
}

impl Rate {
    pub fn basis(self) -> BillingBasis {
        match self {
            Self::PerImage(_) => BillingBasis::Image,
            Self::PerVideoSecond(_) => BillingBasis::VideoSecond,
            Self::PerThousandTokens { .. } => BillingBasis::Token,
            Self::PerHardwareSecond(_) => BillingBasis::HardwareSecond,
        }
    }
}

/// What the provider bills for one prediction, as this system computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderCost {
    pub basis: BillingBasis,
    pub micros: Micros,
    /// Computed from the metric the basis names (false: estimated, the metric was missing).
    pub metered: bool,
}

/// What the provider bills for the finished prediction `p` at `rate`. `if_unmetered` is the
/// estimate of a succeeded official run that reported no metric (the outputs it delivered,
/// the duration it was asked for, the job's token bound); see the module's rules.
pub fn provider_cost(rate: Rate, p: &Prediction, if_unmetered: Micros) -> ProviderCost {
    let basis = rate.basis();
    let cost = |micros: Option<u64>, metered: bool| ProviderCost {
        basis,
        micros: Micros(micros.and_then(|m| i64::try_from(m).ok()).unwrap_or(i64::MAX)),
        metered,
    };
    if p.status == PredictionStatus::Aborted {
        return cost(Some(0), true);
    }
    let metric = |name: &str| p.metrics.as_ref().and_then(|m| m.decimal(name).ok().flatten());
    let metered = match rate {
        Rate::PerImage(u) => metric("image_count").and_then(|n| n.mul_div_ceil(u, 1)),
        Rate::PerVideoSecond(u) => metric("video_output_duration_seconds").and_then(|s| s.mul_div_ceil(u, 1)),
        Rate::PerThousandTokens { input, output } => match (metric("input_token_count"), metric("output_token_count")) {
            (Some(i), Some(o)) => (|| {
                let i = i.mul_div_ceil(input, 1)?;
                let o = o.mul_div_ceil(output, 1)?;
                Decimal::whole(i.checked_add(o)?).mul_div_ceil(1, 1000)
            })(),
            _ => None,
        },
        Rate::PerHardwareSecond(r) => metric("predict_time").and_then(|t| t.mul_div_ceil(r, 1)),
    };
    if let Some(m) = metered {
        return cost(Some(m), true);
    }
    let estimate = match rate {
        Rate::PerHardwareSecond(r) => ran_for(p).and_then(|t| t.mul_div_ceil(r, 1)).unwrap_or(0),
        _ if p.status == PredictionStatus::Succeeded => u64::try_from(if_unmetered.0.max(0)).unwrap_or(0),
        _ => 0,
    };
    cost(Some(estimate), false)
}

/// How long a prediction ran by its timestamps (`started_at`..`completed_at`), exactly, in
/// seconds with microseconds; `None` when either is missing or they are out of order.
fn ran_for(p: &Prediction) -> Option<Decimal> {
    let started = chrono::DateTime::parse_from_rfc3339(p.started_at.as_deref()?).ok()?;
    let completed = chrono::DateTime::parse_from_rfc3339(p.completed_at.as_deref()?).ok()?;
    let micros = (completed - started).num_microseconds()?;
    Decimal::new(u128::try_from(micros).ok()?, 6)
}

#[cfg(test)]
mod tests;
