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

/// The usage item an admin adds (DynamoDB console) to give one user their own monthly limit.
pub const LIMIT_PERIOD: &str = "limit";

impl UsageStore<'_> {
    /// The user's monthly limit: the `monthly_limit_usd` of their `limit` item when the admin
    /// set one, else `default`. A value that is not a non-negative amount of dollars is logged
    /// and ignored.
    pub async fn monthly_limit(&self, user: &UserId, default: Micros) -> Result<Micros, StoreError> {
        let st = self.store;
        let out = st
            .ddb
            .get_item()
            .table_name(&st.tables.usage)
            .key("user_id", AttributeValue::S(user.as_str().into()))
            .key("period", AttributeValue::S(LIMIT_PERIOD.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get limit"))?;
        let raw = out.item.as_ref().and_then(|i| i.get("monthly_limit_usd")).map(|v| match v {
            AttributeValue::N(s) | AttributeValue::S(s) => s.clone(),
            _ => String::new(),
        });
        Ok(match raw {
            None => default,
            Some(s) => Micros::parse_usd(&s).unwrap_or_else(|| {
                tracing::error!(value = %s, "the user's monthly_limit_usd is not an amount of dollars; using the default");
                default
            }),
        })
    }

    /// Sets (or with `None` removes) the user's own monthly limit, as the admin does in the console.
    pub async fn set_monthly_limit(&self, user: &UserId, limit: Option<Micros>) -> Result<(), StoreError> {
        let st = self.store;
        match limit {
            Some(m) => {
                let req = st
                    .ddb
                    .put_item()
                    .table_name(&st.tables.usage)
                    .item("user_id", AttributeValue::S(user.as_str().into()))
                    .item("period", AttributeValue::S(LIMIT_PERIOD.into()))
                    .item("monthly_limit_usd", AttributeValue::N(m.usd_string()));
                super::write("set limit", || req.clone().send()).await?;
            }
            None => {
                let req = st
                    .ddb
                    .delete_item()
                    .table_name(&st.tables.usage)
                    .key("user_id", AttributeValue::S(user.as_str().into()))
                    .key("period", AttributeValue::S(LIMIT_PERIOD.into()));
                super::write("remove limit", || req.clone().send()).await?;
            }
        }
        Ok(())
    }

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
