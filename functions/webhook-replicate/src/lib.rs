//! `POST /webhooks/replicate` — the only public POST. Verifies the Standard-Webhooks
//! signature, dedupes on `webhook-id`, then settles the prediction (copy outputs, charge once).
use lambda_http::{Request, http::StatusCode};
use shared::api::{ApiError, ApiResult, json_response};
use shared::replicate::{Prediction, webhook};
use shared::service::{Settled, settle};
use shared::{App, clock};
use std::sync::Arc;

/// Far more than any prediction JSON; bigger bodies are refused before parsing.
const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;
/// Replicate retries for about a minute; remember ids much longer than that.
const DEDUPE_TTL_S: i64 = 7 * 24 * 3600;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (id, ts, sig) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let body: &[u8] = req.body().as_ref();
    if body.len() > MAX_WEBHOOK_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_WEBHOOK_BYTES));
    }
    let now = clock::now().timestamp();
    let secret = app.webhook_secret().await.map_err(ApiError::internal)?;
    if let Err(first) = webhook::verify(&secret, &id, &ts, &sig, body, now) {
        // The secret may have been rotated since it was cached: read it again once.
        app.secrets.forget(&app.config.webhook_secret_id).await;
        let fresh = app.webhook_secret().await.map_err(ApiError::internal)?;
        if fresh.to_whsec() == secret.to_whsec() || webhook::verify(&fresh, &id, &ts, &sig, body, now).is_err() {
            tracing::warn!(error = %first, "webhook signature rejected");
            return Err(ApiError::Unauthorized(format!("invalid webhook signature: {first}")));
        }
    }
    let prediction: Prediction = serde_json::from_slice(body).map_err(|e| ApiError::Validation {
        message: format!("webhook body is not a prediction: {e}"),
        field: None,
    })?;
    if !app.store.claim_webhook(&id, now + DEDUPE_TTL_S).await.map_err(ApiError::internal)? {
        tracing::info!(webhook_id = %id, prediction_id = %prediction.id, "duplicate delivery ignored");
        return Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": "duplicate" })));
    }
    match settle(&app, &prediction).await {
        Ok(outcome) => {
            let status = match outcome {
                Settled::Applied(s) => s.as_str(),
                Settled::AlreadyFinal => "already_final",
                Settled::InProgress => "in_progress",
                Settled::UnknownPrediction => "unknown_prediction",
            };
            Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": status })))
        }
        Err(e) => {
            // Let Replicate's retry be processed instead of dropped as a duplicate.
            let _ = app.store.forget_webhook(&id).await;
            Err(ApiError::internal(e))
        }
    }
}
