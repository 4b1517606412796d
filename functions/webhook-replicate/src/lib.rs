//! `POST /webhooks/replicate` — the only public POST. Verifies the Standard-Webhooks
//! signature, dedupes on `webhook-id`, then applies the prediction to the job the URL's query
//! names: a failed or canceled run is settled here (nothing to download); a succeeded one has
//! its outputs recorded on the job and their copy queued for the worker, which settles it. It
//! downloads nothing, so it answers at once whatever the output size. A terminal webhook is
//! never acknowledged before it is applied (recorded and queued): when it can't be yet, it
//! answers 503 and forgets the delivery, so Replicate's retry applies it.
use lambda_http::{Request, http::StatusCode};
use shared::api::{ApiError, ApiResult, json_response, query_param};
use shared::replicate::{Prediction, SignatureError, webhook};
use shared::service::{JobRef, Settled, settle};
use shared::{App, clock};
use std::sync::Arc;
use std::time::Duration;

/// Far more than any prediction JSON; bigger bodies are refused before parsing.
const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;
/// Replicate retries for about a minute; remember ids much longer than that.
const DEDUPE_TTL_S: i64 = 7 * 24 * 3600;
/// A cached webhook secret is re-read (it may have been rotated) at most this often.
const SECRET_REREAD_MIN_AGE: Duration = Duration::from_secs(60);

fn retry_later(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "webhook not applied; asking for a retry");
    ApiError::Unavailable("The webhook could not be applied yet; retry later.".into())
}

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (id, ts, sig) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_WEBHOOK_BYTES));
    }
    let now = clock::now().timestamp();
    verify(&app, &id, &ts, &sig, body, now).await?;
    let prediction: Prediction = serde_json::from_slice(body).map_err(|e| ApiError::Validation {
        message: format!("webhook body is not a prediction: {e}"),
        field: None,
    })?;
    let target = match (query_param(&req, "user"), query_param(&req, "job")) {
        (Some(u), Some(j)) => Some(JobRef::parse(&u, &j).ok_or_else(|| ApiError::validation("job", "the webhook URL names no valid job"))?),
        (None, None) => None,
        _ => return Err(ApiError::validation("job", "the webhook URL must name both user and job")),
    };
    if !app.store.claim_webhook(&id, now + DEDUPE_TTL_S).await.map_err(retry_later)? {
        tracing::info!(webhook_id = %id, prediction_id = %prediction.id, "duplicate delivery ignored");
        return Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": "duplicate" })));
    }
    let outcome = settle(&app, &prediction, target.as_ref()).await;
    let status = match outcome {
        Ok(Settled::Applied(s)) => s.as_str(),
        Ok(Settled::CopyQueued) => "copy_queued",
        Ok(Settled::AlreadyFinal) => "already_final",
        Ok(Settled::InProgress) => "in_progress",
        Ok(Settled::Stray) => "stray",
        Ok(Settled::UnknownPrediction) if !prediction.status.is_terminal() => "unknown_prediction",
        Ok(Settled::UnknownPrediction) => {
            let _ = app.store.forget_webhook(&id).await;
            return Err(retry_later(format_args!("no job for prediction {} yet", prediction.id)));
        }
        Err(e) => {
            // Let Replicate's retry be processed instead of dropped as a duplicate.
            let _ = app.store.forget_webhook(&id).await;
            return Err(retry_later(e));
        }
    };
    tracing::info!(webhook_id = %id, prediction_id = %prediction.id, status, "webhook applied");
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": status })))
}

/// Checks the signature. Only a well-formed, fresh delivery whose signature doesn't match may
/// make us re-read the secret (it may have been rotated), and at most once a minute: anonymous
/// junk never reaches Secrets Manager.
async fn verify(app: &App, id: &str, ts: &str, sig: &str, body: &[u8], now: i64) -> Result<(), ApiError> {
    let secret = app.webhook_secret().await.map_err(ApiError::internal)?;
    let Err(first) = webhook::verify(&secret, id, ts, sig, body, now) else {
        return Ok(());
    };
    let reread = matches!(first, SignatureError::NoMatch)
        && app
            .secrets
            .forget_if_older(&app.config.webhook_secret_id, SECRET_REREAD_MIN_AGE)
            .await;
    if reread {
        let fresh = app.webhook_secret().await.map_err(ApiError::internal)?;
        if fresh.to_whsec() != secret.to_whsec() && webhook::verify(&fresh, id, ts, sig, body, now).is_ok() {
            return Ok(());
        }
    }
    tracing::warn!(error = %first, "webhook signature rejected");
    Err(ApiError::Unauthorized(format!("invalid webhook signature: {first}")))
}
