//! The operator's side of settling: what the provider billed for a job's prediction
//! (billing::provider_cost with the catalog's price rule), a late final figure replacing an
//! estimate, and the daily check for underpriced models (the reconciler's).
use crate::app::App;
use crate::billing::{BillingBasis, LedgerEntry, ProviderCost, ProviderRecord};
use crate::domain::{Job, JobKind, JobStatus, Micros};
use crate::replicate::Prediction;
use std::time::Duration;

/// The most the daily ledger report may take (one Query of a day's items: one per model).
pub const LEDGER_BUDGET: Duration = Duration::from_secs(10);

/// The basis the job's model is billed on (by its kind when the model left the catalog).
pub(super) fn basis_of(app: &App, job: &Job) -> BillingBasis {
    app.catalog.get(&job.model).map_or_else(
        || match job.kind {
            JobKind::Image | JobKind::Edit => BillingBasis::Image,
            JobKind::Video => BillingBasis::VideoSecond,
            JobKind::Text => BillingBasis::Token,
            JobKind::Restore => BillingBasis::HardwareSecond,
        },
        |m| m.price.provider.basis,
    )
}

/// What the provider billed for `p`, a prediction of `job`, as the job records it.
pub(super) fn bill(app: &App, job: &Job, p: &Prediction) -> ProviderRecord {
    let cost = match app.catalog.get(&job.model) {
        Some(spec) => app.catalog.provider_cost(spec, &job.options, p),
        None => {
            tracing::error!(job_id = %job.job_id, model = %job.model, "model not in the catalog: its provider cost is unknown");
            ProviderCost {
                basis: basis_of(app, job),
                micros: Micros::ZERO,
                metered: false,
            }
        }
    };
    if !cost.metered {
        tracing::warn!(
            job_id = %job.job_id,
            prediction_id = %p.id,
            basis = cost.basis.as_str(),
            provider_cost_micros = cost.micros.0,
            "the provider reported no metric to bill by; the provider cost is an estimate"
        );
    }
    ProviderRecord::of(p, cost)
}

/// A finished prediction's webhook for a job that settled before its final figure was known
/// (the user's cancel settles from the cancel's answer): the job's estimate is replaced by the
/// provider's figure, and the ledger moves by the difference. Only for uncharged jobs that
/// hold an estimate of this very prediction; anything else is left as it is.
pub(super) async fn remeter(app: &App, job: &Job, p: &Prediction) {
    let Some(old) = job.provider.as_ref() else { return };
    if job.status == JobStatus::Succeeded || old.metered || old.prediction_id != p.id || !p.status.is_terminal() {
        return;
    }
    let new = bill(app, job, p);
    if !new.metered && new.cost_micros == old.cost_micros {
        return;
    }
    match app.store.remeter(job, old, &new).await {
        Ok(applied) => {
            tracing::info!(job_id = %job.job_id, prediction_id = %p.id, provider_cost_micros = new.cost_micros.0, applied, "provider cost re-billed from the final figure")
        }
        Err(e) => tracing::warn!(job_id = %job.job_id, error = %e, "could not record the provider's final figure; the estimate stays"),
    }
}

/// Reports yesterday's (a closed day's) ledger: how many models were underpriced on more than
/// [`crate::billing::UNDERPRICED_SHARE_PERCENT`] of their runs (the "underpriced" alarm's
/// metric), within [`LEDGER_BUDGET`]. Returns the models found underpriced.
pub async fn report_underpriced(app: &App) -> Vec<String> {
    let day = crate::clock::day(crate::clock::now() - chrono::Duration::days(1));
    let rows = match tokio::time::timeout(LEDGER_BUDGET, app.store.ledger(&day, &day)).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not read the operator's ledger");
            return vec![];
        }
        Err(_) => {
            tracing::error!("reading the operator's ledger took too long");
            return vec![];
        }
    };
    let models: Vec<(String, LedgerEntry)> = rows.into_iter().map(|r| (r.model, r.totals)).collect();
    crate::metrics::underpriced_day(&day, &models);
    let under: Vec<String> = models
        .iter()
        .filter(|(_, e)| crate::billing::is_underpriced_day(e))
        .map(|(m, _)| m.clone())
        .collect();
    if !under.is_empty() {
        tracing::warn!(day, models = ?under, "models whose provider cost exceeded the user's price on more than 10% of their runs");
    }
    under
}
