//! One function invocation, locally as in Lambda: on its own task, with its deadline in scope
//! (shared::deadline), and stopped at its timeout (routes.json `timeout_s`), in the middle of
//! whatever it was doing.
use std::future::Future;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

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
}
