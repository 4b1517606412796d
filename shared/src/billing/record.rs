//! What a job keeps of a provider bill: one record per prediction (the job's own as
//! `provider`, a stray's in `strays`), written when the prediction's end is known.
use super::{BillingBasis, ProviderCost};
use crate::domain::Micros;
use crate::replicate::Prediction;
use serde::{Deserialize, Serialize};

/// The most of a prediction's raw metrics kept on a job (Replicate's are ~100 bytes). Longer
/// metrics are not stored (the cost is still computed from them).
pub const MAX_METRICS_BYTES: usize = 4096;

/// One prediction's bill as this system computed it. Never sent to users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRecord {
    pub prediction_id: String,
    /// The provider's status of the prediction when it was billed (`succeeded`, `canceled`, …).
    pub status: String,
    pub basis: BillingBasis,
    /// `metrics` as the provider sent it (JSON text: names differ between models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<String>,
    pub cost_micros: Micros,
    /// Computed from the metric its basis names; false when estimated (metric missing).
    pub metered: bool,
}

impl ProviderRecord {
    /// The record of the finished prediction `p` billed `cost`.
    pub fn of(p: &Prediction, cost: ProviderCost) -> Self {
        Self {
            prediction_id: p.id.clone(),
            status: p.status.as_str().to_string(),
            basis: cost.basis,
            metrics: p
                .metrics
                .as_ref()
                .map(|m| m.raw().to_string())
                .filter(|m| m.len() <= MAX_METRICS_BYTES),
            cost_micros: cost.micros,
            metered: cost.metered,
        }
    }

    /// A prediction whose end could not be read (the reconciler gave up on it): nothing known,
    /// so nothing counted yet, and flagged estimated.
    pub fn unread(prediction_id: &str, basis: BillingBasis) -> Self {
        Self {
            prediction_id: prediction_id.to_string(),
            status: "unknown".into(),
            basis,
            metrics: None,
            cost_micros: Micros::ZERO,
            metered: false,
        }
    }
}
