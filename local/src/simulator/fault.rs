//! Fault switches: per request (a `[sim:...]` marker in the prompt), at runtime
//! (`POST /_sim/fault`, [`super::SimHandle::set_fault`]) or by default ([`super::SimConfig`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A misbehaviour the simulator can be told to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The prediction ends `failed` with an error message.
    Fail,
    /// The prediction stays `processing` forever (until canceled or its deadline).
    Stall,
    /// The create call answers 429 with `Retry-After: 1`.
    Throttle,
    /// The `completed` webhook is delivered twice, with the same `webhook-id`.
    Duplicate,
    /// The prediction completes but no webhook is sent (polling still sees the result).
    DropWebhook,
    /// The prediction completes (polling and a cancel see it finished) but its `completed`
    /// webhook is held until the test releases it ([`super::SimHandle::release_webhooks`]).
    HoldWebhook,
    /// `completed` is delivered first, then `start`.
    OutOfOrder,
    /// The create makes the prediction (it runs and sends its webhooks) but answers 502: the
    /// caller can't know whether a prediction exists.
    BadGateway,
    /// The create answers only after the prediction finished and its `completed` webhook was
    /// delivered: webhooks arrive before the caller learns the prediction's id.
    SlowCreate,
    /// The prediction delivers more images than asked (three, or two more than a multi-image input).
    ExtraOutputs,
    /// The create answers 502 and makes no prediction (`[sim:unavailable:N]`: the first N
    /// creates with that prompt).
    Unavailable,
    /// A language model answers far more text than anyone asked for (over 10 000 characters).
    Verbose,
    /// A video prediction's output is an MP4 of [`super::SimConfig::oversize_bytes`] (or the
    /// size `POST /_sim/fault` set), streamed: never built in memory. An image prediction's
    /// outputs are valid PNGs of that size (a real image padded with an ancillary chunk).
    OversizeOutput,
    /// Like `oversize-output`, but the download names no Content-Length (a chunked body): only
    /// a cap checked while streaming can refuse it.
    UnsizedOutput,
    /// A video prediction's output is not an MP4 (an HTML page under an `.mp4` name).
    NotMp4,
    /// The output bodies are held after their headers until the test releases them
    /// ([`super::SimHandle::release_outputs`]).
    SlowOutput,
    /// The first download of each output is cut mid-body (the connection drops); later
    /// downloads are whole.
    DropOutput,
    /// Each output URL answers `302` to another host (`localhost` instead of the simulator's
    /// `127.0.0.1`), whose hits are counted as `redirects_followed`.
    RedirectOutput,
    /// The output URLs point at the link-local metadata address `169.254.169.254`.
    LinkLocalOutput,
    /// The output URLs point at a private address (`10.0.0.1`).
    PrivateOutput,
    /// An image prediction's output is not an image (an HTML page under a `.png` name, served
    /// as `image/png`).
    NotImage,
    /// The prediction stays `processing` like `stall`, and its cancels answer 429 with the
    /// `Retry-After` of throttled creates, as many times as a client tries one call
    /// (`shared::replicate::client::DEFAULT_MAX_ATTEMPTS`): only a caller that comes back later cancels it.
    ThrottleCancel,
    /// The prediction reports no `metrics` (the provider still bills it: the simulator's
    /// ledger counts it; the system can only estimate what it cost).
    NoMetrics,
}

impl Fault {
    pub const ALL: [Fault; 23] = [
        Fault::Fail,
        Fault::Stall,
        Fault::Throttle,
        Fault::Duplicate,
        Fault::DropWebhook,
        Fault::HoldWebhook,
        Fault::OutOfOrder,
        Fault::BadGateway,
        Fault::SlowCreate,
        Fault::ExtraOutputs,
        Fault::Unavailable,
        Fault::Verbose,
        Fault::OversizeOutput,
        Fault::UnsizedOutput,
        Fault::NotMp4,
        Fault::SlowOutput,
        Fault::DropOutput,
        Fault::RedirectOutput,
        Fault::LinkLocalOutput,
        Fault::PrivateOutput,
        Fault::NotImage,
        Fault::ThrottleCancel,
        Fault::NoMetrics,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Fail => "fail",
            Fault::Stall => "stall",
            Fault::Throttle => "throttle",
            Fault::Duplicate => "duplicate",
            Fault::DropWebhook => "drop-webhook",
            Fault::HoldWebhook => "hold-webhook",
            Fault::OutOfOrder => "out-of-order",
            Fault::BadGateway => "bad-gateway",
            Fault::SlowCreate => "slow-create",
            Fault::ExtraOutputs => "extra-outputs",
            Fault::Unavailable => "unavailable",
            Fault::Verbose => "verbose",
            Fault::OversizeOutput => "oversize-output",
            Fault::UnsizedOutput => "unsized-output",
            Fault::NotMp4 => "not-mp4",
            Fault::SlowOutput => "slow-output",
            Fault::DropOutput => "drop-output",
            Fault::RedirectOutput => "redirect-output",
            Fault::LinkLocalOutput => "link-local-output",
            Fault::PrivateOutput => "private-output",
            Fault::NotImage => "not-image",
            Fault::ThrottleCancel => "throttle-cancel",
            Fault::NoMetrics => "no-metrics",
        }
    }

    /// Faults that refuse the create itself, so no prediction exists.
    pub fn refuses_create(self) -> bool {
        matches!(self, Fault::Throttle | Fault::Unavailable)
    }

    /// The prompt marker, e.g. `[sim:fail]`.
    pub fn marker(self) -> String {
        format!("[sim:{}]", self.as_str())
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unknown fault name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFault(pub String);

impl fmt::Display for UnknownFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown simulator fault {:?}", self.0)
    }
}

impl std::error::Error for UnknownFault {}

impl FromStr for Fault {
    type Err = UnknownFault;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Fault::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s) || f.as_str().replace('-', "_").eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFault(s.to_owned()))
    }
}

/// The first `[sim:<fault>]` or `[sim:<fault>:<n>]` marker in a prompt. `n` (default 1) only
/// matters for `throttle` and `unavailable`: how many creates with this prompt are refused
/// before one passes.
pub fn from_prompt(prompt: &str) -> Option<(Fault, u32)> {
    let mut rest = prompt;
    while let Some(start) = rest.find("[sim:") {
        let after = &rest[start + 5..];
        let end = after.find(']')?;
        let body = &after[..end];
        let (name, count) = match body.split_once(':') {
            Some((name, n)) => (name, n.trim().parse::<u32>().ok()),
            None => (body, Some(1)),
        };
        if let (Ok(fault), Some(count)) = (name.parse::<Fault>(), count) {
            return Some((fault, count.max(1)));
        }
        rest = &after[end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_prompts() {
        assert_eq!(from_prompt("a fox [sim:fail]"), Some((Fault::Fail, 1)));
        assert_eq!(from_prompt("[sim:drop-webhook] a fox"), Some((Fault::DropWebhook, 1)));
        assert_eq!(from_prompt("x [sim:throttle:3] y"), Some((Fault::Throttle, 3)));
        assert_eq!(from_prompt("x [sim:bogus] [sim:out-of-order]"), Some((Fault::OutOfOrder, 1)));
        assert_eq!(from_prompt("a fox in [brackets]"), None);
        assert_eq!(from_prompt("[sim:fail"), None);
    }

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.as_str().parse::<Fault>(), Ok(f));
            assert_eq!(serde_json::to_value(f).unwrap(), serde_json::json!(f.as_str()));
        }
        assert_eq!("drop_webhook".parse::<Fault>(), Ok(Fault::DropWebhook));
        assert!("explode".parse::<Fault>().is_err());
    }
}
