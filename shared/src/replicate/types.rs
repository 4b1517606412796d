//! The JSON model of Replicate predictions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::billing::{Decimal, DecimalError};

use super::error::ReplicateError;

/// An official model, `owner/name` (no version: official models are addressed by name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRef {
    owner: String,
    name: String,
}

impl ModelRef {
    /// Builds a reference from its two parts, checking that each is a valid Replicate slug
    /// (ASCII letters, digits, `-`, `_`, `.`; not empty).
    pub fn new(owner: &str, name: &str) -> Result<Self, ReplicateError> {
        if !is_slug(owner) || !is_slug(name) {
            return Err(ReplicateError::InvalidModel(format!("{owner}/{name}")));
        }
        Ok(Self {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Parses `owner/name`.
    pub fn parse(s: &str) -> Result<Self, ReplicateError> {
        match s.split_once('/') {
            Some((owner, name)) => Self::new(owner, name).map_err(|_| ReplicateError::InvalidModel(s.to_owned())),
            None => Err(ReplicateError::InvalidModel(s.to_owned())),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty() && s != "." && s != ".." && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl FromStr for ModelRef {
    type Err = ReplicateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Webhook events a prediction can report (`webhook_events_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookEvent {
    Start,
    Output,
    Logs,
    /// Succeeded, failed or canceled. The only event Replicate retries.
    Completed,
}

impl WebhookEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Output => "output",
            Self::Logs => "logs",
            Self::Completed => "completed",
        }
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of a prediction. Unknown values are kept in [`PredictionStatus::Unknown`] so a new
/// status never breaks parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PredictionStatus {
    Starting,
    Processing,
    Succeeded,
    Failed,
    Canceled,
    /// Ended before it ran (e.g. its `Cancel-After` deadline passed while queued).
    Aborted,
    Unknown(String),
}

impl PredictionStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Starting => "starting",
            Self::Processing => "processing",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Aborted => "aborted",
            Self::Unknown(s) => s,
        }
    }

    /// True once the prediction can no longer change: succeeded, failed, canceled or aborted.
    /// An unknown status is treated as not terminal (keep polling).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled | Self::Aborted)
    }
}

impl From<&str> for PredictionStatus {
    fn from(s: &str) -> Self {
        match s {
            "starting" => Self::Starting,
            "processing" => Self::Processing,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            "aborted" => Self::Aborted,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for PredictionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PredictionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PredictionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

/// `urls` of a prediction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictionUrls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub get: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// `metrics` of a prediction, kept as the JSON text the provider sent: names differ between
/// models (`predict_time`, `image_count`, `input_token_count`, `video_output_duration_seconds`,
/// whatever comes later), and a decimal such as `predict_time` is read from its text
/// ([`Metrics::decimal`]), never through a float, because the provider bills by it.
#[derive(Debug, Clone)]
pub struct Metrics(Box<RawValue>);

impl Metrics {
    /// Metrics from their JSON text (an object, as the provider sends them).
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.to_string()).map(Self)
    }

    /// The JSON text as received.
    pub fn raw(&self) -> &str {
        self.0.get()
    }

    /// The JSON text of one metric's value, as received; `None` when absent or null.
    pub fn value_text(&self, name: &str) -> Option<String> {
        let map: std::collections::BTreeMap<String, Box<RawValue>> = serde_json::from_str(self.raw()).ok()?;
        map.get(name).map(|v| v.get().trim().to_string()).filter(|v| v != "null")
    }

    /// A numeric metric, exactly (`Ok(None)` when absent or null; an error when it is not a
    /// non-negative number).
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, DecimalError> {
        self.value_text(name).map(|t| Decimal::parse(&t)).transpose()
    }

    /// A metric that is a whole number (a count), when it is one.
    pub fn integer(&self, name: &str) -> Option<i64> {
        let d = self.decimal(name).ok()??;
        let p = 10u128.pow(d.scale());
        (d.units() % p == 0).then(|| i64::try_from(d.units() / p).ok()).flatten()
    }
}

impl PartialEq for Metrics {
    fn eq(&self, o: &Self) -> bool {
        self.raw() == o.raw()
    }
}

impl Serialize for Metrics {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Kept whatever its shape: a metric that is not there reads as missing (an estimate),
        // it never makes the prediction unreadable.
        Box::<RawValue>::deserialize(d).map(Self)
    }
}

/// A prediction, as returned by `GET /v1/predictions/{id}` and sent as webhook body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub id: String,
    /// `owner/name`.
    #[serde(default)]
    pub model: String,
    /// `"hidden"` for official models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub input: Value,
    /// Null, one URI string, or an array of URIs, depending on the model. Null again once
    /// Replicate has removed the data (about an hour after completion).
    #[serde(default)]
    pub output: Value,
    /// Error message of a failed prediction.
    #[serde(default, deserialize_with = "de_error")]
    pub error: Option<String>,
    pub status: PredictionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Set when the prediction was created with `Cancel-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    #[serde(default)]
    pub data_removed: bool,
    #[serde(default)]
    pub urls: PredictionUrls,
    /// Where it was created: `api`, or `web` (the Replicate console). Shown in listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The webhook URL it was created with, if any. Shown in listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

/// One page of `GET /v1/predictions`: up to 100 predictions, newest first, and the URL of the
/// next (older) page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PredictionPage {
    #[serde(default)]
    pub results: Vec<Prediction>,
    #[serde(default)]
    pub next: Option<String>,
}

/// `error` is a string or null; tolerate anything else by keeping its JSON text.
fn de_error<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

impl Prediction {
    /// Every output URI, whether `output` is one string, an array (possibly nested) or null.
    /// Non-string items are skipped.
    pub fn output_urls(&self) -> Vec<String> {
        fn collect(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::String(s) if !s.is_empty() => out.push(s.clone()),
                Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        collect(&self.output, &mut out);
        out
    }

    /// `created_at` parsed as RFC 3339.
    pub fn created_at_utc(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_time(self.created_at.as_deref())
    }

    /// `completed_at` parsed as RFC 3339.
    pub fn completed_at_utc(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_time(self.completed_at.as_deref())
    }
}

fn parse_time(s: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s?).ok().map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canned(status: &str, output: Value) -> Value {
        json!({
            "id": "gm3qorzdhgbfurvjtvhg6dckhu",
            "model": "google/imagen-4",
            "version": "hidden",
            "input": {"prompt": "a red fox"},
            "output": output,
            "logs": "",
            "error": null,
            "status": status,
            "created_at": "2025-06-01T10:00:00.123Z",
            "started_at": "2025-06-01T10:00:01Z",
            "completed_at": "2025-06-01T10:00:05.5Z",
            "data_removed": false,
            "metrics": {"predict_time": 4.5, "total_time": 5.4, "image_count": 1},
            "urls": {
                "get": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu",
                "cancel": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
                "web": "https://replicate.com/p/gm3qorzdhgbfurvjtvhg6dckhu"
            }
        })
    }

    fn parse(v: Value) -> Prediction {
        serde_json::from_value(v).expect("prediction parses")
    }

    #[test]
    fn parses_a_succeeded_prediction_with_one_uri() {
        let p = parse(canned("succeeded", json!("https://replicate.delivery/xezq/a.png")));
        assert_eq!(p.status, PredictionStatus::Succeeded);
        assert!(p.status.is_terminal());
        assert_eq!(p.output_urls(), vec!["https://replicate.delivery/xezq/a.png"]);
        assert_eq!(p.version.as_deref(), Some("hidden"));
        let m = p.metrics.as_ref().unwrap();
        assert_eq!(m.decimal("predict_time").unwrap().map(|d| d.to_string()).as_deref(), Some("4.5"));
        assert_eq!(m.integer("image_count"), Some(1));
        assert_eq!(p.completed_at_utc().unwrap().timestamp(), 1_748_772_005);
        assert!(p.urls.get.as_deref().unwrap().ends_with("/predictions/gm3qorzdhgbfurvjtvhg6dckhu"));
    }

    #[test]
    fn metrics_are_kept_as_sent_and_read_without_floats() {
        // A webhook body as Replicate sends it: the decimals are read from this text.
        let body = r#"{"id":"p1","status":"succeeded","metrics":{"predict_time":4.532184123,"total_time":0.30000000000000004,"image_count":2,"tokens_per_second":null}}"#;
        let p: Prediction = serde_json::from_str(body).unwrap();
        let m = p.metrics.as_ref().unwrap();
        assert_eq!(
            m.raw(),
            r#"{"predict_time":4.532184123,"total_time":0.30000000000000004,"image_count":2,"tokens_per_second":null}"#
        );
        let t = m.decimal("predict_time").unwrap().unwrap();
        assert_eq!((t.units(), t.scale()), (4_532_184_123, 9));
        assert_eq!(m.decimal("total_time").unwrap().unwrap().to_string(), "0.30000000000000004");
        assert_eq!(m.integer("image_count"), Some(2));
        assert_eq!(m.integer("predict_time"), None, "not a whole number");
        assert_eq!(m.decimal("tokens_per_second"), Ok(None), "null is missing");
        assert_eq!(m.decimal("video_output_duration_seconds"), Ok(None));
        // Serialized again (the simulator's webhooks, the tests), the text is unchanged.
        let again: Prediction = serde_json::from_slice(&serde_json::to_vec(&p).unwrap()).unwrap();
        assert_eq!(again.metrics.as_ref().unwrap().raw(), m.raw());
        // A metric that is not a number is an error for that metric only.
        let odd = Metrics::from_json(r#"{"predict_time":"4.5","image_count":-1}"#).unwrap();
        assert!(odd.decimal("predict_time").is_err() && odd.decimal("image_count").is_err());
        // Metrics of another shape keep the prediction readable; they read as missing.
        let p: Prediction = serde_json::from_str(r#"{"id":"p2","status":"failed","metrics":[1,2]}"#).unwrap();
        assert_eq!(p.metrics.unwrap().decimal("predict_time"), Ok(None));
    }

    #[test]
    fn output_urls_handles_array_null_and_removed_data() {
        let p = parse(canned("succeeded", json!(["https://x/1.png", "https://x/2.png"])));
        assert_eq!(p.output_urls(), vec!["https://x/1.png", "https://x/2.png"]);

        let p = parse(canned("succeeded", Value::Null));
        assert!(p.output_urls().is_empty());

        let mut v = canned("succeeded", Value::Null);
        v.as_object_mut().unwrap().remove("output");
        v["data_removed"] = json!(true);
        let p = parse(v);
        assert!(p.data_removed);
        assert!(p.output_urls().is_empty());
    }

    #[test]
    fn aborted_and_unknown_statuses_parse() {
        let p = parse(canned("aborted", Value::Null));
        assert_eq!(p.status, PredictionStatus::Aborted);
        assert!(p.status.is_terminal());

        let p = parse(canned("queued_for_gpu", Value::Null));
        assert_eq!(p.status, PredictionStatus::Unknown("queued_for_gpu".into()));
        assert!(!p.status.is_terminal());
        // The unknown status survives a round trip unchanged.
        assert_eq!(serde_json::to_value(&p).unwrap()["status"], json!("queued_for_gpu"));
    }

    #[test]
    fn in_flight_statuses_are_not_terminal() {
        for s in ["starting", "processing"] {
            assert!(!parse(canned(s, Value::Null)).status.is_terminal(), "{s}");
        }
        for s in ["succeeded", "failed", "canceled", "aborted"] {
            assert!(parse(canned(s, Value::Null)).status.is_terminal(), "{s}");
        }
    }

    #[test]
    fn failed_prediction_keeps_its_error_message() {
        let mut v = canned("failed", Value::Null);
        v["error"] = json!("E005: The input was flagged as sensitive");
        let p = parse(v);
        assert_eq!(p.status, PredictionStatus::Failed);
        assert_eq!(p.error.as_deref(), Some("E005: The input was flagged as sensitive"));
    }

    #[test]
    fn minimal_starting_prediction_parses() {
        let p = parse(json!({"id": "abc", "status": "starting"}));
        assert_eq!(p.status, PredictionStatus::Starting);
        assert!(p.output.is_null());
        assert!(!p.data_removed);
        assert!(p.metrics.is_none());
    }

    #[test]
    fn model_ref_parses_owner_and_name() {
        let m = ModelRef::parse("google/imagen-4").unwrap();
        assert_eq!((m.owner(), m.name()), ("google", "imagen-4"));
        assert_eq!(m.to_string(), "google/imagen-4");
        for bad in ["imagen-4", "/x", "x/", "a/b/c", "a/b:0123", "a b/c", "../x"] {
            assert!(ModelRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhook_events_serialize_lowercase() {
        let v = serde_json::to_value([WebhookEvent::Start, WebhookEvent::Completed]).unwrap();
        assert_eq!(v, json!(["start", "completed"]));
    }
}
