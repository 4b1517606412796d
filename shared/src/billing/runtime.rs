//! How long a model typically takes, measured: each succeeded job adds its run time (from its
//! creation to its success, the wait its card's clock counts) to its model's month in the
//! operator's ledger, as a whole number of milliseconds and a count, never a float. A model's
//! typical time is the mean of this month's and last month's runs, in whole seconds, once there
//! are [`MIN_TIMED_RUNS`] of them (too few runs say nothing: no figure rather than a guess).
use chrono::{DateTime, Datelike, Utc};

/// Runs a model needs (this month and last together) before its typical time is shown.
pub const MIN_TIMED_RUNS: i64 = 3;

/// A longer run is left out: no prediction runs past Replicate's `Cancel-After` (30 minutes),
/// so such a wait is a settle held up (an outage, a late reconcile), not the model's time.
pub const MAX_TIMED_MS: i64 = 60 * 60 * 1000;

/// The run time of a job created at `created_at` that succeeded at `finished_at` (RFC 3339), in
/// milliseconds; `None` when it is no fair sample (an unreadable or reversed time, or longer
/// than [`MAX_TIMED_MS`]).
pub fn run_ms(created_at: &str, finished_at: &str) -> Option<i64> {
    let from = DateTime::parse_from_rfc3339(created_at).ok()?;
    let to = DateTime::parse_from_rfc3339(finished_at).ok()?;
    let ms = (to - from).num_milliseconds();
    (0..=MAX_TIMED_MS).contains(&ms).then_some(ms)
}

/// Timed runs of a model: how many, and their milliseconds summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunTimes {
    pub runs: i64,
    pub total_ms: i64,
}

impl RunTimes {
    pub fn add(&mut self, o: &RunTimes) {
        self.runs += o.runs;
        self.total_ms += o.total_ms;
    }

    /// The mean run in whole seconds (half up, at least 1), once there are
    /// [`MIN_TIMED_RUNS`] runs; `None` before.
    pub fn typical_seconds(&self) -> Option<i64> {
        if self.runs < MIN_TIMED_RUNS || self.total_ms < 0 {
            return None;
        }
        let per = self.runs * 1000;
        Some(((self.total_ms + per / 2) / per).max(1))
    }
}

/// The months (`YYYY-MM`) whose runs count at `now`: last month and this one, in that order.
pub fn timed_months(now: DateTime<Utc>) -> [String; 2] {
    let (y, m) = (now.year(), now.month());
    let last = if m == 1 {
        format!("{}-12", y - 1)
    } else {
        format!("{y}-{:02}", m - 1)
    };
    [last, crate::clock::period(now)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_run_is_timed_from_creation_to_success_in_whole_milliseconds() {
        assert_eq!(run_ms("2026-12-07T10:00:00.000Z", "2026-12-07T10:01:35.250Z"), Some(95_250));
        assert_eq!(run_ms("2026-12-07T10:00:00Z", "2026-12-07T10:00:00Z"), Some(0));
    }

    #[test]
    fn an_unfair_sample_is_left_out() {
        assert_eq!(run_ms("2026-12-07T10:00:05Z", "2026-12-07T10:00:00Z"), None, "reversed");
        assert_eq!(run_ms("garbage", "2026-12-07T10:00:00Z"), None);
        assert_eq!(run_ms("2026-12-07T10:00:00Z", "2026-12-07T11:00:00.001Z"), None, "over an hour");
        assert_eq!(run_ms("2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z"), Some(MAX_TIMED_MS));
    }

    #[test]
    fn no_typical_time_before_three_runs() {
        let two = RunTimes {
            runs: 2,
            total_ms: 190_000,
        };
        assert_eq!(two.typical_seconds(), None);
        let mut three = two;
        three.add(&RunTimes { runs: 1, total_ms: 95_000 });
        assert_eq!(
            three,
            RunTimes {
                runs: 3,
                total_ms: 285_000
            }
        );
        assert_eq!(three.typical_seconds(), Some(95));
    }

    #[test]
    fn the_typical_time_is_the_mean_rounded_half_up_and_never_zero() {
        assert_eq!(
            RunTimes {
                runs: 4,
                total_ms: 4 * 1_499
            }
            .typical_seconds(),
            Some(1)
        );
        assert_eq!(
            RunTimes {
                runs: 4,
                total_ms: 4 * 1_500
            }
            .typical_seconds(),
            Some(2)
        );
        assert_eq!(
            RunTimes { runs: 3, total_ms: 300 }.typical_seconds(),
            Some(1),
            "a fast model says 1 s, not 0"
        );
        assert_eq!(
            RunTimes {
                runs: 3,
                total_ms: 3 * 150_400
            }
            .typical_seconds(),
            Some(150)
        );
    }

    #[test]
    fn this_month_and_the_one_before_count() {
        assert_eq!(
            timed_months(at("2026-12-07T10:00:00Z")),
            ["2026-11".to_string(), "2026-12".to_string()]
        );
        assert_eq!(
            timed_months(at("2027-01-01T00:00:00Z")),
            ["2026-12".to_string(), "2027-01".to_string()]
        );
    }
}
