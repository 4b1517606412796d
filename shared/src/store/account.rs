//! The account item (docs/data-model.md: usage table, `period = "account"`): what the account
//! gate reads on every authenticated request, and where "sign out everywhere" writes.
use super::{Store, StoreError, aws, n, s};
use crate::domain::UserId;
use crate::domain::account::AccountState;

/// The usage table's `period` of a user's account item.
pub const ACCOUNT_PERIOD: &str = "account";

impl Store {
    /// The user's account item (one consistent GetItem: a sign-out or a deletion counts from
    /// the next request on); no item reads as nothing to refuse.
    pub async fn account_state(&self, user: &UserId) -> Result<AccountState, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .key("user_id", s(user.as_str()))
            .key("period", s(ACCOUNT_PERIOD))
            .projection_expression("deleted_at, tokens_before")
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get account item"))?;
        let item = out.item.unwrap_or_default();
        Ok(AccountState {
            deleted_at: item.get("deleted_at").and_then(|v| v.as_s().ok()).cloned(),
            tokens_before: item.get("tokens_before").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()),
        })
    }

    /// Refuses every token of `user` issued before `at` (epoch seconds); never moves the mark
    /// back (a later sign-out that reached the table first stays).
    pub async fn revoke_tokens_before(&self, user: &UserId, at: i64) -> Result<(), StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .key("user_id", s(user.as_str()))
            .key("period", s(ACCOUNT_PERIOD))
            .update_expression("SET tokens_before = :t")
            .condition_expression("attribute_not_exists(tokens_before) OR tokens_before < :t")
            .expression_attribute_values(":t", n(at));
        super::write("revoke tokens", || req.clone().send()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The account item sorts where no range query of the usage partition reads (the report's
    /// `day#`, sets, stories, boards, collections and their members).
    #[test]
    fn the_account_item_stays_out_of_every_queried_range() {
        for prefix in [
            "day#",
            "month#",
            "set#",
            "story#",
            "board#",
            "tiles#",
            "collection#",
            "cmember#",
            "upload#",
        ] {
            let hi = format!("{prefix}\u{ffff}");
            assert!(
                !(prefix <= ACCOUNT_PERIOD && ACCOUNT_PERIOD <= hi.as_str()),
                "{ACCOUNT_PERIOD} in {prefix}.."
            );
        }
    }
}
