//! The operator's ledger: per day and model, what users were charged and what the provider
//! billed, kept without any user's id (so it survives a user's deletion). Each settling
//! transaction adds one [`LedgerEntry`] to the item of its job's creation day and model.
use super::ProviderRecord;
use crate::domain::Micros;

/// The usage table's partition of the operator's ledger: not a Cognito `sub` (those are UUIDs),
/// so no user's request can reach it.
pub const OPERATOR_PARTITION: &str = "_operator";

/// A model is underpriced on a day when its provider cost exceeded the user's charge on more
/// than this share of its charged runs.
pub const UNDERPRICED_SHARE_PERCENT: i64 = 10;

/// Counts and sums of the ledger: what one settle adds, or a day's totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Jobs settled that ran as a prediction.
    pub jobs: i64,
    /// Of those, succeeded (charged) runs.
    pub runs: i64,
    /// Charged runs whose provider cost exceeded the charge.
    pub underpriced: i64,
    /// What users were charged.
    pub charged_micros: i64,
    /// What the provider billed (the jobs' predictions and their strays).
    pub provider_micros: i64,
    /// Provider cost of runs no user paid for: a failed or canceled run the provider billed, a
    /// stray second prediction.
    pub loss_micros: i64,
    /// Provider costs that are estimates (a metric was missing).
    pub estimated: i64,
    /// Stray predictions billed.
    pub strays: i64,
}

impl LedgerEntry {
    /// A job settled with `charged` (zero unless it succeeded), whose prediction was billed
    /// as `billed`.
    pub fn settled(succeeded: bool, charged: Micros, billed: &ProviderRecord) -> Self {
        let cost = billed.cost_micros.0;
        Self {
            jobs: 1,
            runs: i64::from(succeeded),
            underpriced: i64::from(succeeded && cost > charged.0),
            charged_micros: if succeeded { charged.0 } else { 0 },
            provider_micros: cost,
            loss_micros: if succeeded { 0 } else { cost },
            estimated: i64::from(!billed.metered),
            strays: 0,
        }
    }

    /// A stray prediction of a job: all of it is the operator's loss.
    pub fn stray(billed: &ProviderRecord) -> Self {
        Self {
            provider_micros: billed.cost_micros.0,
            loss_micros: billed.cost_micros.0,
            estimated: i64::from(!billed.metered),
            strays: 1,
            ..Self::default()
        }
    }

    /// An uncharged job's estimate replaced by the provider's final figure.
    pub fn remetered(old: &ProviderRecord, new: &ProviderRecord) -> Self {
        let delta = new.cost_micros.0 - old.cost_micros.0;
        Self {
            provider_micros: delta,
            loss_micros: delta,
            estimated: i64::from(!new.metered) - i64::from(!old.metered),
            ..Self::default()
        }
    }

    /// What users paid less what the provider billed (negative: the operator lost money).
    pub fn margin_micros(&self) -> i64 {
        self.charged_micros - self.provider_micros
    }

    pub fn add(&mut self, o: &LedgerEntry) {
        self.jobs += o.jobs;
        self.runs += o.runs;
        self.underpriced += o.underpriced;
        self.charged_micros += o.charged_micros;
        self.provider_micros += o.provider_micros;
        self.loss_micros += o.loss_micros;
        self.estimated += o.estimated;
        self.strays += o.strays;
    }

    /// The attributes of a ledger item and their values, in one place for the store.
    pub fn fields(&self) -> [(&'static str, i64); 8] {
        [
            ("jobs", self.jobs),
            ("runs", self.runs),
            ("underpriced", self.underpriced),
            ("charged_micros", self.charged_micros),
            ("provider_micros", self.provider_micros),
            ("loss_micros", self.loss_micros),
            ("estimated", self.estimated),
            ("strays", self.strays),
        ]
    }

    /// Reads the attributes [`LedgerEntry::fields`] names (absent ones are 0).
    pub fn from_fields(get: impl Fn(&str) -> i64) -> Self {
        Self {
            jobs: get("jobs"),
            runs: get("runs"),
            underpriced: get("underpriced"),
            charged_micros: get("charged_micros"),
            provider_micros: get("provider_micros"),
            loss_micros: get("loss_micros"),
            estimated: get("estimated"),
            strays: get("strays"),
        }
    }
}

/// Whether a model's day counts as underpriced: its provider cost exceeded the charge on more
/// than [`UNDERPRICED_SHARE_PERCENT`] of its charged runs (exact: no division).
pub fn is_underpriced_day(day: &LedgerEntry) -> bool {
    day.runs > 0 && day.underpriced * 100 > day.runs * UNDERPRICED_SHARE_PERCENT
}
