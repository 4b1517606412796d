//! The one bounded sweep loop: read a listing a page at a time and handle what it lists, each
//! page read and each handling cut off after `per_step`, none started that could end after the
//! run's window (nor, in Lambda, after the invocation's deadline less a margin), at most `max`
//! handled a run. What is left waits for the next run. The trash sweep (service::trash_sweep)
//! and the account erasure (service::erase) run on it.
use super::reconcile::{fits, time_left};
use crate::store::StoreError;
use std::future::Future;
use std::time::{Duration, Instant};

/// A run's time: until when steps may run, and the most one step may take.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    until: Instant,
    per_step: Duration,
}

impl Window {
    /// `budget` from now, cut to the invocation's deadline less `margin` when that is nearer.
    pub fn new(budget: Duration, per_step: Duration, margin: Duration) -> Self {
        let span = time_left().map_or(budget, |l| budget.min(l.saturating_sub(margin)));
        Self {
            until: Instant::now() + span,
            per_step,
        }
    }

    /// Whether one more step may start.
    pub fn fits(&self) -> bool {
        fits(self.until, self.per_step)
    }

    /// Runs one step under the per-step cut-off (None: cut off).
    pub async fn step<T>(&self, f: impl Future<Output = T>) -> Option<T> {
        tokio::time::timeout(self.per_step, f).await.ok()
    }
}

/// What handling one listed thing came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Listed, but no longer what the listing said (changed meanwhile): nothing to do.
    Skipped,
    Failed,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drained {
    pub done: usize,
    pub skipped: usize,
    pub errors: usize,
    /// The run ended with listed things left (its window or `max` reached, a page cut off).
    pub stopped_early: bool,
}

impl Drained {
    fn handled(&self) -> usize {
        self.done + self.skipped + self.errors
    }
}

/// Reads `read_listing` page after page (its argument: where the last page stopped) and hands each
/// listed thing to `handle_listed`, within `window` and `max`. `what` names the sweep in the
/// logs. (The closures' names are unique: tools/infra-check follows calls by name.)
pub async fn drain<T, K, LF, EF>(
    window: &Window,
    max: usize,
    what: &'static str,
    mut read_listing: impl FnMut(Option<K>) -> LF,
    mut handle_listed: impl FnMut(T) -> EF,
) -> Drained
where
    LF: Future<Output = Result<(Vec<T>, Option<K>), StoreError>>,
    EF: Future<Output = Outcome>,
{
    let mut report = Drained::default();
    let mut start = None;
    'pages: loop {
        if !window.fits() {
            report.stopped_early = true;
            break;
        }
        let (page, next) = match window.step(read_listing(start.take())).await {
            Some(Ok(page)) => page,
            Some(Err(e)) => {
                tracing::error!(sweep = what, error = %e, "could not read the listing");
                report.errors += 1;
                break;
            }
            None => {
                tracing::error!(sweep = what, "reading the listing timed out");
                report.errors += 1;
                break;
            }
        };
        for thing in page {
            if report.handled() >= max || !window.fits() {
                report.stopped_early = true;
                break 'pages;
            }
            match window.step(handle_listed(thing)).await {
                Some(Outcome::Done) => report.done += 1,
                Some(Outcome::Skipped) => report.skipped += 1,
                Some(Outcome::Failed) => report.errors += 1,
                None => {
                    report.errors += 1;
                    tracing::warn!(sweep = what, "a step took too long; the next run takes it up again");
                }
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    if report.stopped_early {
        tracing::warn!(
            sweep = what,
            done = report.done,
            "sweep stopped early; the rest waits for the next run"
        );
    }
    report
}
