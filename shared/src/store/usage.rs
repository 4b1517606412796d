use super::{Item, Store, StoreError, aws, jobs::month_key, s};
pub use crate::domain::storage::Limits;
use crate::domain::storage::{mb_string, parse_mb};
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

/// What one model cost on one day (a `day#{date}#{model}` item): succeeded jobs only, dated by
/// the job's creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayUsage {
    pub date: String,
    pub model: String,
    pub spent: Micros,
    pub count: i64,
}

pub struct UsageStore<'a> {
    pub(crate) store: &'a Store,
}

fn num(item: &std::collections::HashMap<String, AttributeValue>, k: &str) -> i64 {
    item.get(k).and_then(|v| v.as_n().ok()).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The usage item an admin adds (DynamoDB console) to give one user their own limits.
pub const LIMIT_PERIOD: &str = "limit";

fn raw(item: Option<&Item>, k: &str) -> Option<String> {
    item.and_then(|i| i.get(k)).map(|v| match v {
        AttributeValue::N(s) | AttributeValue::S(s) => s.clone(),
        _ => String::new(),
    })
}

impl UsageStore<'_> {
    /// The user's limits: the `monthly_limit_usd` and `storage_limit_mb` of their `limit` item
    /// where the admin set them, else `default`'s. A value that is not a non-negative amount is
    /// logged and ignored.
    pub async fn limits(&self, user: &UserId, default: Limits) -> Result<Limits, StoreError> {
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
        let item = out.item.as_ref();
        let monthly = match raw(item, "monthly_limit_usd") {
            None => default.monthly,
            Some(s) => Micros::parse_usd(&s).unwrap_or_else(|| {
                tracing::error!(value = %s, "the user's monthly_limit_usd is not an amount of dollars; using the default");
                default.monthly
            }),
        };
        let storage_bytes = match raw(item, "storage_limit_mb") {
            None => default.storage_bytes,
            Some(s) => parse_mb(&s).unwrap_or_else(|| {
                tracing::error!(value = %s, "the user's storage_limit_mb is not a number of MB; using the default");
                default.storage_bytes
            }),
        };
        Ok(Limits { monthly, storage_bytes })
    }

    /// The user's monthly limit (see [`UsageStore::limits`]).
    pub async fn monthly_limit(&self, user: &UserId, default: Micros) -> Result<Micros, StoreError> {
        let d = Limits {
            monthly: default,
            storage_bytes: 0,
        };
        Ok(self.limits(user, d).await?.monthly)
    }

    /// Sets (or with `None` removes) the user's own monthly limit, as the admin does in the
    /// console. Their storage limit, in the same item, stays.
    pub async fn set_monthly_limit(&self, user: &UserId, limit: Option<Micros>) -> Result<(), StoreError> {
        self.set_limit_attribute(user, "monthly_limit_usd", limit.map(|m| m.usd_string()))
            .await
    }

    /// Sets (or with `None` removes) the user's own storage limit in bytes, written as the
    /// decimal MB an admin would type. Their monthly limit stays.
    pub async fn set_storage_limit(&self, user: &UserId, bytes: Option<u64>) -> Result<(), StoreError> {
        self.set_limit_attribute(user, "storage_limit_mb", bytes.map(mb_string)).await
    }

    async fn set_limit_attribute(&self, user: &UserId, attribute: &str, number: Option<String>) -> Result<(), StoreError> {
        let st = self.store;
        let req = st
            .ddb
            .update_item()
            .table_name(&st.tables.usage)
            .key("user_id", AttributeValue::S(user.as_str().into()))
            .key("period", AttributeValue::S(LIMIT_PERIOD.into()))
            .expression_attribute_names("#a", attribute);
        let req = match number {
            Some(v) => req
                .update_expression("SET #a = :v")
                .expression_attribute_values(":v", AttributeValue::N(v)),
            None => req.update_expression("REMOVE #a"),
        };
        super::write("set limit", || req.clone().send()).await?;
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

    /// The day-per-model items from `from` to `to` (inclusive, `YYYY-MM-DD`), by date then model.
    pub async fn days(&self, user: &UserId, from: &str, to: &str) -> Result<Vec<DayUsage>, StoreError> {
        let st = self.store;
        let mut days = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = st
                .ddb
                .query()
                .table_name(&st.tables.usage)
                .key_condition_expression("user_id = :u AND #p BETWEEN :lo AND :hi")
                .expression_attribute_names("#p", "period")
                .expression_attribute_values(":u", s(user.as_str()))
                .expression_attribute_values(":lo", s(format!("day#{from}")))
                .expression_attribute_values(":hi", s(format!("day#{to}#\u{ffff}")))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(aws("usage days"))?;
            for item in out.items.unwrap_or_default() {
                let period = item.get("period").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                // `day#{date}#{model}`; the model may not contain `#` (catalog ids).
                let mut parts = period.splitn(3, '#').skip(1);
                let (Some(date), Some(model)) = (parts.next(), parts.next()) else {
                    continue;
                };
                days.push(DayUsage {
                    date: date.to_string(),
                    model: model.to_string(),
                    spent: Micros(num(&item, "usd_micros")),
                    count: num(&item, "count"),
                });
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(days);
            }
        }
    }
}
