//! The invocation's deadline, and the budget every outbound call takes from it.
//!
//! Lambda stops a function at its timeout (routes.json `timeout_s`), in the middle of whatever
//! it was doing. So no call may be allowed to run past it: the handler runs inside
//! [`scope`] (the Lambda runtime's context deadline in AWS, `timeout_s` from the start of the
//! request in the local gateway), and every outbound call asks for its time here:
//! - AWS SDK attempts stop [`SDK_MARGIN`] before the deadline (the connector in
//!   `app::sdk_config`), so a last write still ends inside the function;
//! - Replicate calls, their `Retry-After` sleeps and `Prefer: wait` stop [`RESERVE`] before it
//!   ([`remaining`]): what follows them (settle, record, answer) needs that time.
//!
//! Outside an invocation (tests, tools) there is no deadline and only the calls' own timeouts
//! apply. `budget::worst_case` (a unit test) checks every function's settings against this.
use std::future::Future;
use std::time::{Duration, SystemTime};

tokio::task_local! {
    static DEADLINE: SystemTime;
}

/// Kept free before the deadline by provider calls and waits: for the writes that follow them
/// and the answer.
pub const RESERVE: Duration = Duration::from_secs(2);

/// Kept free before the deadline by every AWS SDK attempt: to return the answer.
pub const SDK_MARGIN: Duration = Duration::from_millis(250);

/// When the invocation being handled must have answered; `None` outside one.
pub fn get() -> Option<SystemTime> {
    DEADLINE.try_with(|d| *d).ok()
}

/// Runs `f` with `deadline` as the invocation's deadline (`None`: none).
pub async fn scope<F: Future>(deadline: Option<SystemTime>, f: F) -> F::Output {
    match deadline {
        Some(d) => DEADLINE.scope(d, f).await,
        None => f.await,
    }
}

/// `f` carrying the current deadline, for a task spawned by the handler (task-locals do not
/// follow `tokio::spawn`).
pub fn carry<F: Future>(f: F) -> impl Future<Output = F::Output> {
    let d = get();
    scope(d, f)
}

fn left_before(margin: Duration) -> Option<Duration> {
    let d = get()?;
    Some(d.duration_since(SystemTime::now()).unwrap_or_default().saturating_sub(margin))
}

/// Time left for provider calls and waits (the deadline less [`RESERVE`]); `None` without a
/// deadline.
pub fn remaining() -> Option<Duration> {
    left_before(RESERVE)
}

/// Time left for one AWS SDK attempt (the deadline less [`SDK_MARGIN`]).
pub fn remaining_for_sdk() -> Option<Duration> {
    left_before(SDK_MARGIN)
}

/// `d`, cut to [`remaining`].
pub fn bound(d: Duration) -> Duration {
    remaining().map_or(d, |left| d.min(left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_are_cut_to_the_deadline_less_the_reserve() {
        assert_eq!(get(), None);
        assert_eq!(bound(Duration::from_secs(15)), Duration::from_secs(15));
        let d = SystemTime::now() + Duration::from_secs(10);
        scope(Some(d), async {
            let b = bound(Duration::from_secs(15));
            assert!(b <= Duration::from_secs(8) && b > Duration::from_secs(7), "{b:?}");
            assert_eq!(bound(Duration::from_secs(1)), Duration::from_secs(1));
            let sdk = remaining_for_sdk().unwrap();
            assert!(sdk > Duration::from_secs(9) && sdk <= Duration::from_millis(9750), "{sdk:?}");
            // A spawned task keeps it only when carried.
            let lost = tokio::spawn(async { get() }).await.unwrap();
            assert_eq!(lost, None);
            let kept = tokio::spawn(carry(async { get() })).await.unwrap();
            assert_eq!(kept, Some(d));
        })
        .await;
        let past = SystemTime::now() - Duration::from_secs(1);
        scope(Some(past), async {
            assert_eq!(remaining(), Some(Duration::ZERO));
            assert_eq!(bound(Duration::from_secs(3)), Duration::ZERO);
        })
        .await;
    }
}
