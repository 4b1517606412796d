use super::{Store, StoreError, aws, jobs::month_key};
use crate::domain::{Micros, UserId};
use aws_sdk_dynamodb::types::AttributeValue;

/// A month of a user's spending: `spent` is what succeeded jobs cost; `committed` is spent plus
/// what unfinished jobs hold in reserve (what the limit is checked against).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthUsage {
    pub spent: Micros,
    pub committed: Micros,
    pub count: i64,
}

impl MonthUsage {
    /// What is left of `limit` after spending and reservations; never negative.
    pub fn remaining(&self, limit: Micros) -> Micros {
        Micros(limit.0 - self.committed.0).max(Micros::ZERO)
    }
}

pub struct UsageStore<'a> {
    pub(crate) store: &'a Store,
}

fn num(item: &std::collections::HashMap<String, AttributeValue>, k: &str) -> i64 {
    item.get(k).and_then(|v| v.as_n().ok()).and_then(|s| s.parse().ok()).unwrap_or(0)
}

impl UsageStore<'_> {
    pub async fn month(&self, user: &UserId, period: &str) -> Result<MonthUsage, StoreError> {
        let st = self.store;
        let out = st
            .ddb
            .get_item()
            .table_name(&st.tables.usage)
            .set_key(Some(month_key(user, period)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get usage"))?;
        Ok(out.item.map_or_else(MonthUsage::default, |i| MonthUsage {
            spent: Micros(num(&i, "spent_micros")),
            committed: Micros(num(&i, "committed_micros")),
            count: num(&i, "count"),
        }))
    }
}
