//! Deleting an account ("Delete my data", docs/architecture.md "Deleting an account"): the
//! confirmation, the tombstone's lifetime and when an erasure is finished. Plain rules, no AWS.
use chrono::{DateTime, Duration, Utc};

/// The usage table's partition of the erasures still to do: one item per deleted user
/// (`period` = the user's `sub`). Not a Cognito `sub` (those are UUIDs), so no request reaches it.
pub const ERASE_PARTITION: &str = "_erase";

/// How long after the delete the tombstone (the account item with `deleted_at`) is kept. It
/// must outlive every ID token issued before the delete (Cognito: at most 1 hour) so the gate
/// answers them `401 account_deleted`, and it lets the provider audit class a late prediction
/// of the user as theirs (`Finding::DeletedUser`) for a week of audits. Then it goes: it holds
/// nothing but the `sub` and the time.
pub const TOMBSTONE_KEEP: Duration = Duration::days(7);

/// How long after the delete an erasure keeps sweeping before it may finish: a worker or a
/// webhook that read the account as live just before the tombstone was written may still land
/// a job's outputs for as long as the worker runs (routes.json: 300 s). A pass that finds
/// nothing after this is final.
pub const LATE_WRITES: Duration = Duration::seconds(360);

/// What the user must type: exactly their username (no trimming, no case folding: the
/// confirmation is deliberate).
pub fn confirmed(typed: Option<&str>, username: &str) -> bool {
    typed == Some(username)
}

/// Where an erasure stands, from what its last pass found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Items of the user remain, or a job is still running, or it is too soon to be sure
    /// nothing lands late: sweep again.
    Sweeping,
    /// Nothing of the user is left and no late write can come: delete the Cognito user.
    Final,
    /// The user's data and Cognito user are gone; the tombstone waits for `TOMBSTONE_KEEP`.
    Tombstone,
    /// The tombstone's time is over: remove it and the erasure's own item.
    Forget,
}

/// The next stage of an erasure begun at `deleted_at`. `pass_empty`: the pass that just ran
/// found no item, object or job of the user. `user_gone`: the Cognito user was deleted.
pub fn stage(deleted_at: DateTime<Utc>, now: DateTime<Utc>, pass_empty: bool, user_gone: bool) -> Stage {
    if user_gone {
        if now >= deleted_at + TOMBSTONE_KEEP {
            Stage::Forget
        } else {
            Stage::Tombstone
        }
    } else if pass_empty && now >= deleted_at + LATE_WRITES {
        Stage::Final
    } else {
        Stage::Sweeping
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn only_the_exact_username_confirms() {
        assert!(confirmed(Some("alice"), "alice"));
        for typed in [None, Some(""), Some("Alice"), Some(" alice"), Some("alice "), Some("bob")] {
            assert!(!confirmed(typed, "alice"), "{typed:?}");
        }
    }

    #[test]
    fn an_erasure_finishes_only_after_an_empty_pass_past_the_late_writes() {
        let at = t("2026-12-01T10:00:00Z");
        assert_eq!(stage(at, at, true, false), Stage::Sweeping, "a worker may still land outputs");
        assert_eq!(stage(at, at + LATE_WRITES, false, false), Stage::Sweeping, "items remain");
        assert_eq!(stage(at, at + LATE_WRITES, true, false), Stage::Final);
    }

    #[test]
    fn the_tombstone_outlives_every_id_token_then_goes() {
        let at = t("2026-12-01T10:00:00Z");
        assert!(TOMBSTONE_KEEP > Duration::hours(1), "ID tokens live up to an hour");
        assert_eq!(stage(at, at + Duration::hours(2), true, true), Stage::Tombstone);
        assert_eq!(stage(at, at + TOMBSTONE_KEEP, true, true), Stage::Forget);
    }
}
