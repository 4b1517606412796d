//! What happens to a prediction after it is created, and the webhooks it sends.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};
use shared::replicate::webhook;
use shared::replicate::{Prediction, PredictionStatus, WebhookEvent};

use super::WebhookDelivery;
use super::billing::{self, Produced};
use super::codec::{self, Format};
use super::fault::Fault;
use super::schema::{ModelSchema, OutputMedia, OutputShape};
use super::server::{OutFile, Sim, now_rfc3339};
use super::video::{self, OutBody};
use super::{derive, image, source};

/// starting → processing (+ `start` webhook) → succeeded/failed (+ `completed` webhook).
pub(super) async fn run(sim: Arc<Sim>, id: String) {
    tokio::time::sleep(sim.cfg.step_delay).await;

    let (fault, start) = {
        let mut preds = sim.preds.lock().unwrap();
        let Some(e) = preds.get_mut(&id) else { return };
        if e.pred.status != PredictionStatus::Starting {
            return; // canceled or aborted meanwhile
        }
        e.pred.status = PredictionStatus::Processing;
        e.pred.started_at = Some(now_rfc3339());
        e.pred.logs = Some("simulator: running\n".into());
        e.start_snapshot = Some(e.pred.clone());
        let start = e
            .webhook
            .clone()
            .filter(|_| e.wants(WebhookEvent::Start))
            .map(|url| (url, e.pred.clone()));
        (e.fault, start)
    };
    if let Some((url, snapshot)) = start
        && !matches!(fault, Some(Fault::DropWebhook | Fault::OutOfOrder))
    {
        tokio::spawn(deliver(sim.clone(), url, WebhookEvent::Start, snapshot, false));
    }
    if matches!(fault, Some(Fault::Stall | Fault::ThrottleCancel)) {
        return; // stays processing until canceled or its deadline
    }

    tokio::time::sleep(sim.cfg.step_delay).await;
    let (input, schema) = {
        let preds = sim.preds.lock().unwrap();
        match preds.get(&id) {
            Some(e) if e.pred.status == PredictionStatus::Processing => (e.pred.input.clone(), e.schema.clone()),
            _ => return,
        }
    };

    if schema.output == OutputShape::Text && fault != Some(Fault::Fail) {
        let a = super::text::answer(&input, fault == Some(Fault::Verbose));
        let done = {
            let mut preds = sim.preds.lock().unwrap();
            let Some(e) = preds.get_mut(&id) else { return };
            if e.pred.status != PredictionStatus::Processing {
                return; // canceled meanwhile
            }
            e.pred.output = json!(a.pieces);
            e.pred.status = PredictionStatus::Succeeded;
            e.pred.logs = Some("simulator: running\nsimulator: answered\n".into());
            e.pred.completed_at = Some(now_rfc3339());
            let produced = Produced {
                tokens: Some((a.input_tokens, a.output_tokens)),
                ..Produced::nothing()
            };
            billing::finish(&sim, e, produced);
            Completion::of(e)
        };
        done.announce(sim).await;
        return;
    }

    let outcome: Result<Vec<OutFile>, String> = if fault == Some(Fault::Fail) {
        Err("Simulated failure: the model raised an error while generating (simulator fault `fail`)".into())
    } else {
        produce(&sim, schema.clone(), input.clone(), fault).await
    };

    let done = {
        let mut preds = sim.preds.lock().unwrap();
        let Some(e) = preds.get_mut(&id) else { return };
        if e.pred.status != PredictionStatus::Processing {
            return; // canceled meanwhile
        }
        let mut images = 0;
        match outcome {
            Ok(files) => {
                let urls: Vec<String> = files
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match fault {
                        Some(Fault::LinkLocalOutput) => {
                            format!(
                                "http://169.254.169.254/latest/meta-data/iam/security-credentials/{id}-{i}.{}",
                                f.ext
                            )
                        }
                        Some(Fault::PrivateOutput) => format!("http://10.0.0.1/files/{id}/{i}.{}", f.ext),
                        _ => format!("{}/files/{id}/{i}.{}", sim.origin, f.ext),
                    })
                    .collect();
                let array = files.len() > 1 || schema.output == OutputShape::Array;
                e.pred.output = if array { json!(urls) } else { json!(urls[0]) };
                images = files.len();
                e.files = files;
                e.pred.status = PredictionStatus::Succeeded;
                let what = if schema.output_media == OutputMedia::Video {
                    "video(s)"
                } else {
                    "image(s)"
                };
                e.pred.logs = Some(format!("simulator: running\nsimulator: generated {images} {what}\n"));
            }
            Err(msg) => {
                e.pred.output = Value::Null;
                e.pred.error = Some(msg.clone());
                e.pred.status = PredictionStatus::Failed;
                e.pred.logs = Some(format!("simulator: running\n{msg}\n"));
            }
        }
        e.pred.completed_at = Some(now_rfc3339());
        let produced = Produced::outputs(e, images);
        billing::finish(&sim, e, produced);
        Completion::of(e)
    };
    done.announce(sim).await;
}

/// The output files of a prediction: its sources downloaded (a failure is the prediction's
/// error), then an edit or a restoration of the first one, or a picture from the prompt when
/// there is none. See [`derive`].
async fn produce(sim: &Arc<Sim>, schema: Arc<ModelSchema>, input: Value, fault: Option<Fault>) -> Result<Vec<OutFile>, String> {
    let limits = source::Limits {
        max_bytes: sim.cfg.source_max_bytes,
        timeout: sim.cfg.source_timeout,
    };
    let sources = source::download_all(&sim.source_http, &schema.sources(&input), limits).await?;
    if schema.output_media == OutputMedia::Video {
        return produce_video(sim, &input, &sources, fault);
    }
    if fault == Some(Fault::NotImage) {
        return Ok(vec![OutFile {
            body: OutBody::Bytes(Bytes::from_static(
                b"<!doctype html><html><body>Not an image: simulator fault `not-image`</body></html>\n",
            )),
            ext: "png",
            content_type: "image/png",
        }]);
    }
    let factor = schema.upscale_factor(&input);
    let count = if fault == Some(Fault::ExtraOutputs) {
        // More than asked: at least 3, and two more than a multi-image request.
        (image::image_count(&input) + 2).max(3)
    } else if factor.is_some() {
        1
    } else {
        image::image_count(&input)
    };
    // Text to image keeps its PNGs whatever `output_format` says (the behaviour the generation
    // tests were written against); outputs derived from a source honour it. An oversize output
    // is a PNG padded to the size asked for (a valid image, streamed).
    let oversize = matches!(fault, Some(Fault::OversizeOutput | Fault::UnsizedOutput)).then(|| sim.oversize_bytes.load(Ordering::Relaxed));
    let format = if sources.is_empty() || oversize.is_some() {
        Format::Png
    } else {
        Format::of_input(&input)
    };
    let long_side = sim.cfg.image_long_side;
    let work = move || -> Result<Vec<OutFile>, String> {
        if let Some(bad) = sources.iter().find(|s| !codec::looks_like_image(&s.bytes)) {
            return Err(format!("Input `{}`: cannot identify image file", bad.input));
        }
        let prompt = input.get("prompt").and_then(Value::as_str).unwrap_or("");
        let first = match sources.first() {
            Some(s) => Some(codec::decode(&s.bytes).map_err(|e| format!("Input `{}`: {e}", s.input))?),
            None => None,
        };
        let aspect = input.get("aspect_ratio").and_then(Value::as_str);
        let images = match (&first, factor) {
            (Some(src), Some(f)) => (0..count).map(|_| derive::upscale(src, f)).collect::<Result<Vec<_>, _>>()?,
            (Some(src), None) => (0..count).map(|i| derive::edit(src, prompt, aspect, i)).collect(),
            (None, _) => (0..count).map(|i| image::render(&input, i, long_side)).collect(),
        };
        images
            .iter()
            .map(|img| {
                codec::encode(img, format, prompt).map(|b| match oversize {
                    Some(total) => OutFile::padded_png(b, total),
                    None => OutFile::image(b, format),
                })
            })
            .collect()
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| format!("simulator: image generation crashed: {e}"))?
}

/// A video prediction's output: the fixture of its duration and aspect ratio, once its frames
/// (downloaded like an edit's sources) are images; or what the output fault says.
fn produce_video(sim: &Sim, input: &Value, sources: &[source::Source], fault: Option<Fault>) -> Result<Vec<OutFile>, String> {
    if let Some(bad) = sources.iter().find(|s| !codec::looks_like_image(&s.bytes)) {
        return Err(format!("Input `{}`: cannot identify image file", bad.input));
    }
    let mp4 = |body| OutFile {
        body,
        ext: "mp4",
        content_type: "video/mp4",
    };
    Ok(vec![match fault {
        Some(Fault::OversizeOutput | Fault::UnsizedOutput) => mp4(OutBody::oversize(input, sim.oversize_bytes.load(Ordering::Relaxed))),
        Some(Fault::NotMp4) => mp4(OutBody::Bytes(Bytes::from_static(
            b"<!doctype html><html><body>Not a video: simulator fault `not-mp4`</body></html>\n",
        ))),
        _ => mp4(OutBody::Bytes(Bytes::from_static(video::fixture(input)))),
    }])
}

/// Ends a prediction that is still running: `status` for one that already started,
/// `if_not_started` for one still `starting`. Returns the prediction afterwards (unchanged when
/// it had already finished), `None` for an unknown id. Sends the `completed` webhook.
pub(super) fn end_early(sim: &Arc<Sim>, id: &str, status: PredictionStatus, if_not_started: PredictionStatus) -> Option<Prediction> {
    let mut preds = sim.preds.lock().unwrap();
    let e = preds.get_mut(id)?;
    if e.pred.status.is_terminal() {
        return Some(e.pred.clone());
    }
    e.pred.status = if e.pred.status == PredictionStatus::Starting {
        if_not_started
    } else {
        status
    };
    e.pred.completed_at = Some(now_rfc3339());
    billing::finish(sim, e, Produced::nothing());
    let done = Completion::of(e);
    let pred = e.pred.clone();
    drop(preds);
    tokio::spawn(done.announce(sim.clone()));
    Some(pred)
}

/// `POST /v1/predictions/{id}/cancel`.
pub(super) fn cancel(sim: &Arc<Sim>, id: &str) -> Option<Prediction> {
    end_early(sim, id, PredictionStatus::Canceled, PredictionStatus::Canceled)
}

/// The `Cancel-After` deadline: canceled when running, aborted when it never started.
pub(super) async fn deadline(sim: Arc<Sim>, id: String, after: Duration) {
    tokio::time::sleep(after).await;
    end_early(&sim, &id, PredictionStatus::Canceled, PredictionStatus::Aborted);
}

/// What to send once a prediction is terminal.
struct Completion {
    fault: Option<Fault>,
    url: Option<String>,
    pred: Prediction,
    /// URL and snapshot for a late `start` webhook (out-of-order fault).
    start: Option<(String, Prediction)>,
}

impl Completion {
    fn of(e: &super::server::Entry) -> Self {
        Self {
            fault: e.fault,
            url: e.webhook.clone().filter(|_| e.wants(WebhookEvent::Completed)),
            pred: e.pred.clone(),
            start: e
                .webhook
                .clone()
                .filter(|_| e.wants(WebhookEvent::Start))
                .zip(e.start_snapshot.clone()),
        }
    }

    async fn announce(self, sim: Arc<Sim>) {
        match self.fault {
            Some(Fault::DropWebhook) => {}
            Some(Fault::HoldWebhook) => {
                let mut released = sim.webhooks_released.subscribe();
                let _ = released.wait_for(|released| *released).await;
                if let Some(url) = self.url {
                    deliver(sim, url, WebhookEvent::Completed, self.pred, true).await;
                }
            }
            Some(Fault::Duplicate) => {
                if let Some(url) = self.url {
                    deliver(sim.clone(), url.clone(), WebhookEvent::Completed, self.pred.clone(), true).await;
                    deliver(sim, url, WebhookEvent::Completed, self.pred, true).await;
                }
            }
            Some(Fault::OutOfOrder) => {
                if let Some(url) = self.url {
                    deliver(sim.clone(), url, WebhookEvent::Completed, self.pred, true).await;
                }
                if let Some((url, snapshot)) = self.start {
                    deliver(sim, url, WebhookEvent::Start, snapshot, false).await;
                }
            }
            _ => {
                if let Some(url) = self.url {
                    deliver(sim, url, WebhookEvent::Completed, self.pred, true).await;
                }
            }
        }
    }
}

/// POSTs one signed webhook, retrying on non-2xx (and failures) when `retry` is set. Never
/// follows redirects (the client is built that way): a 3xx counts as a failure.
async fn deliver(sim: Arc<Sim>, url: String, event: WebhookEvent, pred: Prediction, retry: bool) {
    let body = serde_json::to_vec(&pred).expect("prediction serializes");
    let webhook_id = format!("msg_{}_{}", pred.id, event);
    let tries = if retry { 1 + sim.cfg.webhook_retry_delays.len() } else { 1 };
    for attempt in 1..=tries {
        let ts = chrono::Utc::now().timestamp();
        let signature = webhook::sign(&sim.secret, &webhook_id, ts, &body);
        let result = sim
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("webhook-id", &webhook_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body.clone())
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        sim.stats.webhook_attempts.fetch_add(1, Ordering::Relaxed);
        sim.deliveries.lock().unwrap().push(WebhookDelivery {
            prediction_id: pred.id.clone(),
            event,
            webhook_id: webhook_id.clone(),
            attempt: attempt as u32,
            status,
        });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            sim.stats.webhooks_delivered.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(id = %pred.id, %event, attempt, "simulator webhook delivered");
            return;
        }
        tracing::debug!(id = %pred.id, %event, attempt, ?status, "simulator webhook not accepted");
        if attempt < tries {
            tokio::time::sleep(sim.cfg.webhook_retry_delays[attempt - 1]).await;
        }
    }
    tracing::warn!(id = %pred.id, %event, "simulator gave up delivering a webhook");
}
