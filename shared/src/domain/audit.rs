//! The provider audit's judgement of one prediction on the Replicate account (service::audit
//! does the listing and the lookups): whose it is, whether its job agrees, and whether it must
//! be stopped. Plain functions of what was found.
use super::{JobId, JobStatus, Micros, UserId};
use crate::replicate::PredictionStatus;
use std::time::Duration;

/// Replicate's limit on reads (every call but a create): 3000 a minute for the account, which
/// every function and every deployment on it share (team handbook, replicate.md).
pub const REPLICATE_READS_PER_MINUTE: u32 = 3000;

/// Spaces the audit's listing reads evenly: at most `per_minute` in any minute, so a run's
/// reads can never exceed that share of [`REPLICATE_READS_PER_MINUTE`], however fast the
/// pages come back.
#[derive(Clone, Debug)]
pub struct Pacer {
    interval: Duration,
    last: Option<std::time::Instant>,
}

impl Pacer {
    pub fn new(per_minute: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / per_minute.max(1),
            last: None,
        }
    }

    /// The gap kept between two reads.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How long to wait at `now` before the next read (which is then counted as made at
    /// `now` + the wait).
    pub fn next(&mut self, now: std::time::Instant) -> Duration {
        let at = self.last.map_or(now, |l| (l + self.interval).max(now));
        self.last = Some(at);
        at - now
    }
}

/// Predictions younger than the lag plus this are listed again by the next run: a prediction
/// Replicate lists a little late is still seen.
pub const OVERLAP: Duration = Duration::from_secs(10 * 60);
/// The most one run takes on: a backlog is worked off oldest first, a window at a time, so a
/// run that can't finish never keeps the watermark from moving.
pub const MAX_WINDOW: Duration = Duration::from_secs(6 * 3600);
/// The first run (no watermark yet) looks this far back: one window.
pub const FIRST_LOOKBACK: Duration = MAX_WINDOW;

/// The closed window a run lists, `(from, to)`: from the watermark less [`OVERLAP`] (or
/// [`FIRST_LOOKBACK`] before the first full run) to `now` less `lag`, at most [`MAX_WINDOW`]
/// long. `None` when there is nothing new to list. `to` becomes the watermark once the whole
/// window was audited.
pub fn window(
    now: chrono::DateTime<chrono::Utc>,
    lag: Duration,
    watermark: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let d = |d: Duration| chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::days(1));
    let end = now - d(lag);
    let from = watermark.map_or(end - d(FIRST_LOOKBACK), |w| w - d(OVERLAP));
    let to = end.min(from + d(MAX_WINDOW));
    (watermark.is_none_or(|w| to > w) && to > from).then_some((from, to))
}

/// A provider cost within this of the one recorded is no drift: whichever is larger of
/// [`COST_TOLERANCE_MICROS`] and [`COST_TOLERANCE_PERCENT`] of the larger figure.
pub const COST_TOLERANCE_MICROS: i64 = 1_000;
pub const COST_TOLERANCE_PERCENT: i64 = 1;

/// By how much the provider's cost (`now`, from the prediction as listed, with its final
/// metrics) differs from what the job recorded when it settled (`recorded`), when that is
/// beyond the tolerance; `None` when they agree.
pub fn cost_drift(recorded: Micros, now: Micros) -> Option<i64> {
    let diff = now.0.saturating_sub(recorded.0);
    let tolerance = COST_TOLERANCE_MICROS.max(recorded.0.max(now.0).saturating_mul(COST_TOLERANCE_PERCENT) / 100);
    (diff.abs() > tolerance).then_some(diff)
}

/// Where a prediction's webhook points, seen from this deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// No webhook: the web console, `make dev` without a public URL, another tool.
    None,
    /// This deployment's webhook endpoint, with the job it names (`Config::webhook_url_for`
    /// puts `user` and `job` on the URL), if it names one.
    Ours(Option<(UserId, JobId)>),
    /// Another host or path: another deployment, a developer's tunnel.
    Elsewhere,
}

/// Where `webhook` points, given this deployment's webhook URL (`Config::webhook_url`; `None`
/// when this deployment asks for no webhooks, so nothing is recognisably its own). The same
/// origin (scheme, host, port) and path make it ours; the query then names the job.
pub fn destination(webhook: Option<&str>, own: Option<&str>) -> Destination {
    let Some(webhook) = webhook.filter(|w| !w.is_empty()) else {
        return Destination::None;
    };
    let (Ok(url), Some(Ok(own))) = (url::Url::parse(webhook), own.map(url::Url::parse)) else {
        return Destination::Elsewhere;
    };
    let same = url.scheme() == own.scheme()
        && url.host_str().map(str::to_ascii_lowercase) == own.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == own.port_or_known_default()
        && url.path() == own.path();
    if !same {
        return Destination::Elsewhere;
    }
    let pair = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let marker = match (pair("user"), pair("job")) {
        (Some(u), Some(j)) => UserId::parse(&u).zip(JobId::parse(&j)),
        _ => None,
    };
    Destination::Ours(marker)
}

/// Whether our job's status and the provider's say the same thing. A prediction still running
/// belongs to an unfinished job; a finished one to a job finished the same way (a prediction
/// canceled by its `Cancel-After` deadline fails its job). An unknown status is no evidence.
pub fn agrees(job: JobStatus, provider: &PredictionStatus) -> bool {
    use PredictionStatus as P;
    match provider {
        P::Starting | P::Processing => !job.is_terminal(),
        P::Succeeded => job == JobStatus::Succeeded,
        P::Failed | P::Aborted => job == JobStatus::Failed,
        P::Canceled => matches!(job, JobStatus::Canceled | JobStatus::Failed),
        P::Unknown(_) => true,
    }
}

/// What one listed prediction is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Made in the Replicate web console: counted apart, never touched.
    Web,
    /// Its job (by prediction id, or named by its webhook while the job recorded none) agrees.
    Agrees,
    /// Its job's status disagrees with the provider's.
    Disagrees { user: UserId, job: JobId, job_status: JobStatus },
    /// Its webhook names a job of ours that runs as another prediction: a second prediction
    /// of that job.
    Stray { user: UserId, job: JobId },
    /// No job knows it, and its webhook names a job of a user who deleted their account: the
    /// jobs went with the account. Counted apart, not an orphan.
    DeletedUser { user: UserId, job: JobId },
    /// No job knows it. `ours`: its webhook names a job of this deployment (a create whose
    /// outcome was lost, whose job has gone); otherwise it is someone else's (another
    /// deployment, `make dev` with a real token, a script) and never touched.
    Orphan { ours: Option<(UserId, JobId)> },
}

/// What the lookups found for one prediction (service::audit makes them in this order and
/// stops at the first that answers).
#[derive(Clone, Debug)]
pub enum Found {
    /// The job whose `prediction_id` is this prediction's.
    ByPrediction { user: UserId, job: JobId, status: JobStatus },
    /// No job by prediction id; the job its webhook names, with the prediction it recorded.
    ByMarker { status: JobStatus, recorded: Option<String> },
    /// No job by prediction id, and none by the webhook's marker (or no marker).
    Nothing { user_deleted: bool },
}

/// Classifies a prediction that is not a web one: `dest` is where its webhook points,
/// `found` what the lookups found.
pub fn classify(prediction_id: &str, status: &PredictionStatus, dest: &Destination, found: Found) -> Finding {
    let marker = match dest {
        Destination::Ours(m) => m.clone(),
        _ => None,
    };
    match found {
        Found::ByPrediction { user, job, status: s } if !agrees(s, status) => Finding::Disagrees { user, job, job_status: s },
        Found::ByPrediction { .. } => Finding::Agrees,
        Found::ByMarker { status: s, recorded } => {
            let (user, job) = marker.expect("a job found by the marker has one");
            match recorded {
                Some(other) if other != prediction_id => Finding::Stray { user, job },
                _ if agrees(s, status) => Finding::Agrees,
                _ => Finding::Disagrees { user, job, job_status: s },
            }
        }
        Found::Nothing { user_deleted: true } if marker.is_some() => {
            let (user, job) = marker.expect("checked");
            Finding::DeletedUser { user, job }
        }
        Found::Nothing { .. } => Finding::Orphan { ours: marker },
    }
}

/// The job a prediction's cancel is queued under, when it must be stopped: it still runs (and
/// bills), and it is this deployment's, with no job of its own to wait for (an orphan of ours,
/// a stray, a deleted user's). Nothing else on the account is ever touched.
pub fn to_cancel(finding: &Finding, status: &PredictionStatus) -> Option<(UserId, JobId)> {
    if status.is_terminal() || matches!(status, PredictionStatus::Unknown(_)) {
        return None;
    }
    match finding {
        Finding::Orphan { ours: Some(m) } => Some(m.clone()),
        Finding::Stray { user, job } | Finding::DeletedUser { user, job } => Some((user.clone(), job.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PredictionStatus as P;

    const OWN: &str = "https://vn.example.com/webhooks/replicate";

    fn ids() -> (UserId, JobId) {
        (UserId::parse("u-1").unwrap(), JobId::new())
    }

    fn hook(u: &UserId, j: &JobId) -> String {
        format!("{OWN}?user={}&job={}", u.as_str(), j.as_str())
    }

    #[test]
    fn each_window_starts_before_the_watermark_and_moves_it_on() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let lag = Duration::from_secs(900);
        let now = t("2026-12-06T12:00:00Z");
        assert_eq!(
            window(now, lag, None),
            Some((t("2026-12-06T05:45:00Z"), t("2026-12-06T11:45:00Z"))),
            "first run: one window back"
        );
        assert_eq!(
            window(now, lag, Some(t("2026-12-06T11:30:00Z"))),
            Some((t("2026-12-06T11:20:00Z"), t("2026-12-06T11:45:00Z"))),
            "the overlap is listed again"
        );
        assert_eq!(window(now, lag, Some(t("2026-12-06T11:45:00Z"))), None, "nothing new");
        let (from, to) = window(now, lag, Some(t("2026-12-01T00:00:00Z"))).unwrap();
        assert_eq!(
            (from, to),
            (t("2026-11-30T23:50:00Z"), t("2026-12-01T05:50:00Z")),
            "a backlog, oldest first"
        );
    }

    #[test]
    fn a_cost_drifts_only_beyond_the_tolerance() {
        assert_eq!(cost_drift(Micros(40_000), Micros(40_000)), None);
        assert_eq!(cost_drift(Micros(40_000), Micros(40_900)), None, "within $0.001");
        assert_eq!(cost_drift(Micros(40_000), Micros(80_000)), Some(40_000), "a second image billed");
        assert_eq!(cost_drift(Micros(0), Micros(40_000)), Some(40_000), "recorded nothing");
        assert_eq!(cost_drift(Micros(5_000_000), Micros(5_040_000)), None, "within 1%");
        assert_eq!(cost_drift(Micros(5_000_000), Micros(4_900_000)), Some(-100_000));
    }

    #[test]
    fn the_pacer_keeps_any_minute_under_its_share() {
        let mut p = Pacer::new(300);
        assert_eq!(p.interval(), Duration::from_millis(200));
        let t0 = std::time::Instant::now();
        // Pages that come back at once: each read waits its turn.
        let mut at = Vec::new();
        let mut now = t0;
        for _ in 0..1000 {
            now += p.next(now);
            at.push(now);
        }
        for (i, t) in at.iter().enumerate() {
            let in_minute = at[i..].iter().take_while(|u| **u < *t + Duration::from_secs(60)).count();
            assert!(in_minute <= 300, "{in_minute} reads in a minute");
        }
        // A read after a long page waits for nothing.
        let later = now + Duration::from_secs(5);
        assert_eq!(p.next(later), Duration::ZERO);
    }

    #[test]
    fn a_webhook_is_ours_only_on_our_origin_and_path() {
        let (u, j) = ids();
        assert_eq!(
            destination(Some(&hook(&u, &j)), Some(OWN)),
            Destination::Ours(Some((u.clone(), j.clone())))
        );
        assert_eq!(destination(Some(OWN), Some(OWN)), Destination::Ours(None));
        let other = format!(
            "https://other.example.com/webhooks/replicate?user={}&job={}",
            u.as_str(),
            j.as_str()
        );
        assert_eq!(destination(Some(&other), Some(OWN)), Destination::Elsewhere);
        let port = hook(&u, &j).replace("vn.example.com", "vn.example.com:8443");
        assert_eq!(destination(Some(&port), Some(OWN)), Destination::Elsewhere);
        let path = hook(&u, &j).replace("/webhooks/replicate", "/webhooks/other");
        assert_eq!(destination(Some(&path), Some(OWN)), Destination::Elsewhere);
        assert_eq!(
            destination(Some(&hook(&u, &j)), None),
            Destination::Elsewhere,
            "no own webhook: nothing is ours"
        );
        assert_eq!(destination(None, Some(OWN)), Destination::None);
        assert_eq!(destination(Some("not a url"), Some(OWN)), Destination::Elsewhere);
    }

    #[test]
    fn statuses_agree_when_they_tell_the_same_story() {
        assert!(agrees(JobStatus::Running, &P::Processing));
        assert!(agrees(JobStatus::Queued, &P::Starting));
        assert!(agrees(JobStatus::Succeeded, &P::Succeeded));
        assert!(agrees(JobStatus::Failed, &P::Aborted));
        assert!(agrees(JobStatus::Failed, &P::Canceled));
        assert!(!agrees(JobStatus::Running, &P::Succeeded), "a lost webhook");
        assert!(!agrees(JobStatus::Succeeded, &P::Failed));
        assert!(!agrees(JobStatus::Canceled, &P::Succeeded), "a cancel that came too late");
        assert!(!agrees(JobStatus::Failed, &P::Processing), "given up while it still runs");
        assert!(agrees(JobStatus::Failed, &P::Unknown("new".into())));
    }

    #[test]
    fn predictions_are_classed_by_what_knows_them() {
        let (u, j) = ids();
        let ours = Destination::Ours(Some((u.clone(), j.clone())));
        let by_pred = |s| Found::ByPrediction {
            user: u.clone(),
            job: j.clone(),
            status: s,
        };
        assert_eq!(classify("p1", &P::Succeeded, &ours, by_pred(JobStatus::Succeeded)), Finding::Agrees);
        assert_eq!(
            classify("p1", &P::Succeeded, &ours, by_pred(JobStatus::Running)),
            Finding::Disagrees {
                user: u.clone(),
                job: j.clone(),
                job_status: JobStatus::Running
            }
        );
        let marked = |recorded: Option<&str>| Found::ByMarker {
            status: JobStatus::Running,
            recorded: recorded.map(str::to_string),
        };
        assert_eq!(
            classify("p2", &P::Processing, &ours, marked(None)),
            Finding::Agrees,
            "not recorded yet"
        );
        assert_eq!(
            classify("p2", &P::Processing, &ours, marked(Some("p1"))),
            Finding::Stray {
                user: u.clone(),
                job: j.clone()
            }
        );
        let nothing = |d| Found::Nothing { user_deleted: d };
        assert_eq!(
            classify("p3", &P::Processing, &ours, nothing(false)),
            Finding::Orphan {
                ours: Some((u.clone(), j.clone()))
            }
        );
        assert_eq!(
            classify("p3", &P::Processing, &ours, nothing(true)),
            Finding::DeletedUser {
                user: u.clone(),
                job: j.clone()
            },
            "a deleted user's prediction is not an orphan"
        );
        assert_eq!(
            classify("p4", &P::Processing, &Destination::Elsewhere, nothing(false)),
            Finding::Orphan { ours: None }
        );
        assert_eq!(
            classify("p5", &P::Processing, &Destination::None, nothing(false)),
            Finding::Orphan { ours: None }
        );
    }

    #[test]
    fn only_our_running_predictions_without_a_job_are_cancelled() {
        let (u, j) = ids();
        let ours = Finding::Orphan {
            ours: Some((u.clone(), j.clone())),
        };
        assert_eq!(to_cancel(&ours, &P::Processing), Some((u.clone(), j.clone())));
        assert_eq!(to_cancel(&ours, &P::Starting), Some((u.clone(), j.clone())));
        assert_eq!(to_cancel(&ours, &P::Succeeded), None, "finished: nothing to stop");
        assert_eq!(to_cancel(&Finding::Orphan { ours: None }, &P::Processing), None, "someone else's");
        assert_eq!(to_cancel(&Finding::Web, &P::Processing), None);
        assert_eq!(to_cancel(&Finding::Agrees, &P::Processing), None);
        let stray = Finding::Stray {
            user: u.clone(),
            job: j.clone(),
        };
        assert_eq!(to_cancel(&stray, &P::Processing), Some((u, j)));
    }
}
