//! Every function's worst case, derived from the code's own settings, against its timeout
//! (routes.json `timeout_s`): Lambda stops a function there, in the middle of whatever it was
//! doing (docs/aws-limits.md, "Timeouts").
//!
//! The rule that makes it hold is crate::deadline: every invocation runs with its deadline,
//! and every outbound call takes its time from it. What is checked here is that the settings
//! keep that promise:
//! - an AWS SDK call that starts before the deadline ends before it (attempts are cut
//!   `SDK_MARGIN` before it, waits between tries are shorter than that, and a try after the
//!   cut fails at once);
//! - a Replicate call ends `RESERVE` before it, and the writes after it fit in the reserve;
//! - the fixed waits a function chooses itself (`Prefer: wait`, the copy budget) fit without
//!   being cut;
//! - the CPU work that no deadline can interrupt (signing media URLs) fits at the function's
//!   memory, from the measured cost of a signature;
//! - and, for the record, what each would cost with no deadline at all (the figures the issue
//!   found unbounded), so a change of settings shows here first.
use crate::deadline::SDK_MARGIN;
use crate::replicate::client::{DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_RETRY_WAIT, DEFAULT_REQUEST_TIMEOUT};
use crate::sdk::{SDK_ATTEMPT_TIMEOUT, SDK_MAX_ATTEMPTS, SDK_MAX_BACKOFF, SDK_OPERATION_TIMEOUT};
use crate::store::retry::{CAP_MS, MAX_ATTEMPTS as STORE_ATTEMPTS};
use std::time::Duration;

/// One ECDSA P-256 media URL signature, at a full vCPU (Lambda gives one at 1769 MB): 80.3 µs
/// measured by `BENCH_ONLY=signing make bench` on 2026-12-06 on a loaded machine
/// (docs/benchmarks.md, "Media URL signing"), rounded up. RSA-2048 measured 590 µs there: a
/// full board would take 8.2 s of boards-get's 10 s at 128 MB, so RSA keys are refused.
pub const ECDSA_SIGN_FULL_VCPU: Duration = Duration::from_micros(100);
/// Lambda's CPU share: one vCPU at this much memory.
pub const FULL_VCPU_MB: u64 = 1769;

/// `cpu` (at a full vCPU) as it takes at `memory_mb`.
pub fn at_memory(cpu: Duration, memory_mb: u64) -> Duration {
    cpu * FULL_VCPU_MB as u32 / memory_mb.max(1) as u32
}

/// The longest one SDK call can take with no deadline: its operation timeout (every try and
/// wait included).
pub fn sdk_call_unbounded() -> Duration {
    SDK_OPERATION_TIMEOUT.min(SDK_ATTEMPT_TIMEOUT * SDK_MAX_ATTEMPTS + SDK_MAX_BACKOFF * (SDK_MAX_ATTEMPTS - 1))
}

/// The longest one store write can take with no deadline: its contention retries, each an SDK
/// call, and the waits between them.
pub fn store_write_unbounded() -> Duration {
    sdk_call_unbounded() * STORE_ATTEMPTS + Duration::from_millis(CAP_MS) * (STORE_ATTEMPTS - 1)
}

/// The longest one Replicate call can take with no deadline.
pub fn replicate_call_unbounded() -> Duration {
    DEFAULT_REQUEST_TIMEOUT * DEFAULT_MAX_ATTEMPTS + DEFAULT_MAX_RETRY_WAIT
}

/// How long after the deadline's cut an SDK call can still run: the wait before a try that
/// then fails at once. Negative (`None`) is what the rule needs: it ends before the deadline.
pub fn sdk_overrun() -> Option<Duration> {
    SDK_MAX_BACKOFF.checked_sub(SDK_MARGIN).filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::RESERVE;
    use crate::replicate::client::PREFER_WAIT_SLACK;
    use serde_json::Value;

    fn functions() -> Vec<(String, Value)> {
        let routes: Value = serde_json::from_str(include_str!("../../routes.json")).unwrap();
        routes["functions"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn timeout(f: &Value) -> Duration {
        Duration::from_secs(f["timeout_s"].as_u64().unwrap())
    }

    fn calls_replicate(f: &Value) -> bool {
        f["access"]["secrets"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == "replicate_token"))
    }

    /// With no deadline, the settings alone bound nothing that fits a 10 s function: the
    /// figures the issue found (a Replicate call of up to 80 s, SDK calls with no timeout at
    /// all, now 25 s). This is why every call takes its time from the deadline.
    #[test]
    fn without_a_deadline_the_settings_alone_do_not_fit() {
        assert_eq!(replicate_call_unbounded(), Duration::from_secs(80));
        assert_eq!(sdk_call_unbounded(), Duration::from_secs(25));
        assert!(store_write_unbounded() > Duration::from_secs(120));
    }

    /// An SDK call started before the deadline ends before it: its attempt is cut
    /// SDK_MARGIN before the deadline, the wait after a failed try is shorter than that, and
    /// the try after it fails at once. The store's contention retries stop when a wait would
    /// leave no time (store::retry::send).
    #[test]
    fn an_aws_call_never_runs_past_the_deadline() {
        assert_eq!(
            sdk_overrun(),
            None,
            "SDK backoff {SDK_MAX_BACKOFF:?} must be under the margin {SDK_MARGIN:?}"
        );
        assert!(SDK_MARGIN < Duration::from_secs(1));
    }

    /// Every function that calls Replicate in its request path keeps RESERVE after the call for
    /// what follows it (settling a rewrite, a cancel's release), and that follow-up is SDK calls
    /// bounded by the deadline. The call itself needs more than a moment to be worth making.
    #[test]
    fn replicate_calls_leave_the_reserve_for_what_follows() {
        for (name, f) in functions() {
            if !calls_replicate(&f) {
                continue;
            }
            let t = timeout(&f);
            assert!(
                t >= RESERVE + Duration::from_secs(5),
                "{name}: {t:?} leaves a Replicate call less than 5 s after the {RESERVE:?} reserve"
            );
        }
        assert!(RESERVE >= SDK_MARGIN * 4, "the reserve holds a few writes after a provider call");
    }

    /// prompts-rewrite waits for the language model with `Prefer: wait`: the configured wait,
    /// the answer's slack and the reserve fit its timeout without being cut (crate::deadline
    /// cuts them when the function started late).
    #[test]
    fn the_prompt_wait_fits_the_rewrite_functions_timeout() {
        let f = functions().into_iter().find(|(n, _)| n == "prompts-rewrite").unwrap().1;
        let wait = crate::config::DEFAULT_PROMPT_WAIT;
        assert!(
            wait + PREFER_WAIT_SLACK + RESERVE <= timeout(&f),
            "Prefer: wait={wait:?} + {PREFER_WAIT_SLACK:?} + {RESERVE:?} > {:?}",
            timeout(&f)
        );
    }

    /// The worker's copy of one job's outputs ends SETTLE_MARGIN before its deadline, and the
    /// settle after it is bounded SDK calls.
    #[test]
    fn the_copy_and_its_settle_fit_the_workers_timeout() {
        let f = functions().into_iter().find(|(n, _)| n == "worker").unwrap().1;
        let t = timeout(&f);
        let copy = Duration::from_secs(crate::config::DEFAULT_COPY_TIMEOUT_S);
        assert!(copy + crate::service::copy::SETTLE_MARGIN <= t);
        let cut = crate::service::copy_budget(copy, Some(std::time::SystemTime::now() + t));
        assert!(cut <= copy && cut + crate::service::copy::SETTLE_MARGIN <= t + Duration::from_secs(1));
    }

    /// The provider audit starts a page or a prediction only when its whole bound fits in the
    /// pages' window (each is cut at its bound, the pacer's wait included), then moves the
    /// watermark and writes the report, each cut at its half of the report's budget.
    #[test]
    fn the_provider_audit_fits_its_timeout() {
        use crate::service::audit::{DEADLINE_MARGIN, FUNCTION, PAGES_BUDGET, REPORT_BUDGET, pages_window};
        let f = functions().into_iter().find(|(n, _)| n == FUNCTION).unwrap().1;
        let t = timeout(&f);
        let worst = pages_window(None).max(pages_window(Some(t))) + REPORT_BUDGET + DEADLINE_MARGIN;
        assert!(worst <= t, "provider audit: worst run {worst:?} > its timeout {t:?}");
        assert_eq!(pages_window(None), PAGES_BUDGET);
    }

    /// The trash sweep starts a page or a purge only when its whole bound fits in its window,
    /// which leaves the margin before the deadline; the window fits the function's timeout.
    #[test]
    fn the_trash_sweep_fits_its_timeout() {
        use crate::service::trash_sweep::{DEADLINE_MARGIN, FUNCTION, PER_STEP, SWEEP_BUDGET, sweep_window};
        let f = functions().into_iter().find(|(n, _)| n == FUNCTION).unwrap().1;
        let t = timeout(&f);
        let worst = sweep_window(None).max(sweep_window(Some(t))) + DEADLINE_MARGIN;
        assert!(worst <= t, "trash sweep: worst run {worst:?} > its timeout {t:?}");
        assert!(PER_STEP < SWEEP_BUDGET);
    }

    /// Signing is CPU work no deadline interrupts: a board's 500 tiles are 1,000 signatures
    /// (each tile's `url` and `download_url`), a gallery page 96. At the function's memory
    /// they fit its timeout with the reserve to spare (ECDSA P-256 only: media::urls).
    #[test]
    fn signing_a_full_board_fits_boards_get_at_its_memory() {
        // A shared board: one URL per tile (no download URLs on a share page).
        let shared_board = ("shares-open", crate::domain::board::MAX_TILES);
        for (name, pages) in [
            ("boards-get", crate::domain::board::MAX_TILES * 2),
            ("assets-list", 96),
            shared_board,
        ] {
            let f = functions().into_iter().find(|(n, _)| n == name).unwrap().1;
            let cpu = at_memory(ECDSA_SIGN_FULL_VCPU * pages as u32, f["memory_mb"].as_u64().unwrap());
            assert!(
                cpu + RESERVE <= timeout(&f),
                "{name}: {pages} signatures take {cpu:?} at {} MB",
                f["memory_mb"]
            );
        }
    }

    /// What an HTTP API waits for at most (its integration timeout, 30 s), and Lambda's own
    /// limit (900 s): no function is given more.
    #[test]
    fn timeouts_are_within_what_aws_allows() {
        for (name, f) in functions() {
            let t = timeout(&f);
            let cap = if f["trigger"] == "http" { 30 } else { 900 };
            assert!(t <= Duration::from_secs(cap), "{name}: {t:?}");
            assert!(t > SDK_MARGIN * 4, "{name}: {t:?}");
        }
    }
}
