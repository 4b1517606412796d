//! The account gate's decision (docs/architecture.md "The account gate"): whether a request
//! signed with a token issued at `iat` may go on, given the user's account item (usage table,
//! `period = "account"`, docs/data-model.md). Plain data in, a refusal out; the store read and
//! the HTTP answer are the callers'.

/// What the account item says about the user's sessions. Both absent = nothing to refuse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountState {
    /// The tombstone (RFC 3339): the user asked to delete their data; nothing of theirs runs
    /// from then on.
    pub deleted_at: Option<String>,
    /// Epoch seconds: tokens issued before it were signed out everywhere.
    pub tokens_before: Option<i64>,
}

/// Why the gate refuses a request (401; each its own `error.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This account was deleted; its data is being removed.")]
    AccountDeleted,
    #[error("This session was signed out everywhere. Please sign in again.")]
    TokenRevoked,
}

impl Refusal {
    /// The api.md `error.code`.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::AccountDeleted => "account_deleted",
            Refusal::TokenRevoked => "token_revoked",
        }
    }
}

/// The token's `iat` claim as the authorizer passes it (every claim a string): epoch seconds.
pub fn issued_at(claim: Option<&str>) -> Option<i64> {
    claim.and_then(|s| s.trim().parse::<i64>().ok())
}

/// The `tokens_before` that "sign out everywhere" at `now` (epoch seconds) records: the next
/// second. `iat` has whole seconds, so a token issued in the very second of the sign-out can't
/// be told apart from one issued just after it; both are refused (a sign-in made in that same
/// second must be made again), never a token from before the sign-out let through.
pub fn revocation_mark(now: i64) -> i64 {
    now.saturating_add(1)
}

/// Admits or refuses a request. A deleted account refuses everything; a token issued before
/// `tokens_before` (or one whose issue time can't be told, once the user signed out
/// everywhere) is refused.
pub fn admit(state: &AccountState, iat: Option<i64>) -> Result<(), Refusal> {
    if state.deleted_at.is_some() {
        return Err(Refusal::AccountDeleted);
    }
    match (state.tokens_before, iat) {
        (Some(before), Some(iat)) if iat < before => Err(Refusal::TokenRevoked),
        (Some(_), None) => Err(Refusal::TokenRevoked),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(deleted_at: Option<&str>, tokens_before: Option<i64>) -> AccountState {
        AccountState {
            deleted_at: deleted_at.map(str::to_owned),
            tokens_before,
        }
    }

    #[test]
    fn a_user_without_an_account_item_passes() {
        assert_eq!(admit(&AccountState::default(), Some(1_700_000_000)), Ok(()));
        assert_eq!(admit(&AccountState::default(), None), Ok(()));
    }

    #[test]
    fn tokens_issued_before_a_sign_out_everywhere_are_refused_and_later_ones_pass() {
        let s = state(None, Some(1_700_000_100));
        assert_eq!(admit(&s, Some(1_700_000_099)), Err(Refusal::TokenRevoked));
        assert_eq!(admit(&s, Some(1_600_000_000)), Err(Refusal::TokenRevoked));
        assert_eq!(admit(&s, Some(1_700_000_100)), Ok(()), "issued at the mark: after the sign-out");
        assert_eq!(admit(&s, Some(1_700_000_101)), Ok(()));
        assert_eq!(admit(&s, None), Err(Refusal::TokenRevoked), "no iat, no proof it is fresh");
    }

    /// A token issued in the second the user signed out everywhere may predate the sign-out:
    /// refused with the older ones; the next second's pass.
    #[test]
    fn the_second_of_the_sign_out_is_refused_with_everything_before_it() {
        let s = state(None, Some(revocation_mark(1_700_000_100)));
        assert_eq!(admit(&s, Some(1_700_000_100)), Err(Refusal::TokenRevoked));
        assert_eq!(admit(&s, Some(1_700_000_101)), Ok(()));
        assert_eq!(revocation_mark(i64::MAX), i64::MAX);
    }

    #[test]
    fn a_deleted_account_refuses_every_token_even_a_fresh_one() {
        let s = state(Some("2026-12-06T22:00:00Z"), None);
        assert_eq!(admit(&s, Some(i64::MAX)), Err(Refusal::AccountDeleted));
        let s = state(Some("2026-12-06T22:00:00Z"), Some(1_700_000_100));
        assert_eq!(admit(&s, Some(1_700_000_000)), Err(Refusal::AccountDeleted), "the tombstone wins");
    }

    #[test]
    fn each_refusal_has_its_code_and_a_message_for_people() {
        assert_eq!(Refusal::AccountDeleted.code(), "account_deleted");
        assert_eq!(Refusal::TokenRevoked.code(), "token_revoked");
        assert!(Refusal::TokenRevoked.to_string().contains("sign in again"));
    }

    #[test]
    fn the_issue_time_is_read_from_the_claim_string() {
        assert_eq!(issued_at(Some("1733520000")), Some(1_733_520_000));
        assert_eq!(issued_at(Some(" 1733520000 ")), Some(1_733_520_000));
        assert_eq!(issued_at(Some("soon")), None);
        assert_eq!(issued_at(None), None);
    }
}
