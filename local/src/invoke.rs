//! One function invocation, locally as in Lambda: on its own task, with its deadline in scope
//! (shared::deadline), and stopped at its timeout (routes.json `timeout_s`), in the middle of
//! whatever it was doing.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// Why an invocation gave no result.
#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It ran past its timeout and was stopped ("Task timed out after N seconds").
    TimedOut,
    Panicked(String),
}

pub async fn invoke<F>(timeout: Duration, f: F) -> Result<F::Output, Stopped>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let deadline = SystemTime::now() + timeout;
    let task = tokio::spawn(shared::deadline::scope(Some(deadline), f));
    let abort = task.abort_handle();
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(Stopped::Panicked(e.to_string())),
        Err(_) => {
            abort.abort();
            Err(Stopped::TimedOut)
        }
    }
}

/// [`invoke`] as the function `function`; while [`record_durations`] is on, its duration is
/// recorded as Lambda bills it (rounded up to 1 ms): what `make bench`'s AWS cost phase turns
/// into GB-seconds at each function's memory.
pub async fn invoke_as<F>(function: &str, timeout: Duration, f: F) -> Result<F::Output, Stopped>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let started = std::time::Instant::now();
    let out = invoke(timeout, f).await;
    if !RECORDING.load(Ordering::Relaxed) {
        return out;
    }
    let ms = started.elapsed().as_micros().div_ceil(1000) as u64;
    DURATIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(function.to_string())
        .or_default()
        .push(ms);
    out
}

static DURATIONS: Mutex<BTreeMap<String, Vec<u64>>> = Mutex::new(BTreeMap::new());
static RECORDING: AtomicBool = AtomicBool::new(false);

/// Turns the recording of durations on or off for this process (off by default: a long-running
/// `make dev` keeps no record).
pub fn record_durations(on: bool) {
    RECORDING.store(on, Ordering::Relaxed);
}

/// Every invocation's billed duration (ms) per function since the last [`take_durations`], in
/// this process (all stacks in it); taking them starts the record afresh.
pub fn take_durations() -> BTreeMap<String, Vec<u64>> {
    std::mem::take(&mut *DURATIONS.lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A handler sees its deadline; one that runs past its timeout is stopped there and does
    /// nothing more (what it would have done after is never done).
    #[tokio::test]
    async fn an_invocation_past_its_timeout_is_stopped() {
        let seen = invoke(Duration::from_secs(5), async { shared::deadline::get() }).await.unwrap();
        let left = seen.unwrap().duration_since(SystemTime::now()).unwrap();
        assert!(left > Duration::from_secs(4) && left <= Duration::from_secs(5), "{left:?}");

        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let slow = async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            flag.store(true, Ordering::SeqCst);
        };
        assert_eq!(invoke(Duration::from_millis(100), slow).await, Err(Stopped::TimedOut));
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!finished.load(Ordering::SeqCst), "a stopped invocation does nothing more");
    }

    /// Each named invocation is recorded once, rounded up to the millisecond, a stopped one
    /// at the time it was stopped.
    #[tokio::test]
    async fn named_invocations_record_their_billed_durations() {
        let name = "invoke-test-durations";
        record_durations(true);
        invoke_as(name, Duration::from_secs(5), async {
            tokio::time::sleep(Duration::from_millis(30)).await
        })
        .await
        .unwrap();
        let slow = invoke_as(name, Duration::from_millis(50), tokio::time::sleep(Duration::from_secs(2)));
        assert_eq!(slow.await, Err(Stopped::TimedOut));
        let got = take_durations().remove(name).unwrap_or_default();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!((30..1000).contains(&got[0]) && (50..1000).contains(&got[1]), "{got:?}");
    }
}
