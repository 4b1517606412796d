//! The operator's ledger (billing::ledger) in the usage table, under the partition
//! [`OPERATOR_PARTITION`]: one item per creation day and model, `ledger#{YYYY-MM-DD}#{model}`,
//! with no user id, so it survives the deletion of a user's own partition. Every write to it is
//! an item of the transaction that settles (or re-bills) a job, so its totals are always the
//! sum of the jobs'. Also the two writes that bill a finished job again: a stray prediction,
//! and a late final figure replacing an estimate.
use super::jobs::key;
use super::settlement::usage_day;
use super::{Item, Store, StoreError, aws, failed_at, n, s};
use crate::billing::{LedgerEntry, OPERATOR_PARTITION, ProviderRecord};
use crate::domain::Job;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

/// One ledger item: a day, a model, and its totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerRow {
    pub day: String,
    pub model: String,
    pub totals: LedgerEntry,
}

fn ledger_key(day: &str, model: &str) -> Item {
    Item::from([
        ("user_id".into(), s(OPERATOR_PARTITION)),
        ("period".into(), s(format!("ledger#{day}#{model}"))),
    ])
}

impl Store {
    /// The transaction item adding `entry` to the ledger of the job's creation day and model.
    pub(crate) fn ledger_update(&self, job: &Job, entry: &LedgerEntry) -> Result<Update, StoreError> {
        let day = usage_day(job);
        let fields = entry.fields();
        let adds: Vec<String> = (0..fields.len()).map(|i| format!("#a{i} :a{i}")).collect();
        let mut u = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(ledger_key(&day, &job.model)))
            .update_expression(format!("SET #m = :m, #d = :day ADD {}", adds.join(", ")))
            .expression_attribute_names("#m", "model")
            .expression_attribute_names("#d", "date")
            .expression_attribute_values(":m", s(&job.model))
            .expression_attribute_values(":day", s(day));
        for (i, (name, v)) in fields.iter().enumerate() {
            u = u
                .expression_attribute_names(format!("#a{i}"), *name)
                .expression_attribute_values(format!(":a{i}"), n(*v));
        }
        u.build().map_err(aws("build update"))
    }

    /// Every ledger item from `from` to `to` (inclusive days, `YYYY-MM-DD`), by day then model.
    pub async fn ledger(&self, from: &str, to: &str) -> Result<Vec<LedgerRow>, StoreError> {
        let mut rows = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .ddb
                .query()
                .table_name(&self.tables.usage)
                .key_condition_expression("user_id = :u AND #p BETWEEN :lo AND :hi")
                .expression_attribute_names("#p", "period")
                .expression_attribute_values(":u", s(OPERATOR_PARTITION))
                .expression_attribute_values(":lo", s(format!("ledger#{from}#")))
                .expression_attribute_values(":hi", s(format!("ledger#{to}#\u{ffff}")))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(aws("ledger"))?;
            for item in out.items.unwrap_or_default() {
                let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
                rows.push(LedgerRow {
                    day: text("date"),
                    model: text("model"),
                    totals: LedgerEntry::from_fields(num),
                });
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(rows);
            }
        }
    }

    /// Records a stray prediction of `job` that finished (its bill is the operator's loss), in
    /// one transaction with the ledger. False when it was recorded already.
    pub async fn record_stray(&self, job: &Job, billed: &ProviderRecord) -> Result<bool, StoreError> {
        let one = AttributeValue::L(vec![serde_dynamo::to_attribute_value(billed)?]);
        let upd_job = Update::builder()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET strays = list_append(if_not_exists(strays, :none), :one) ADD stray_ids :ids")
            .condition_expression("attribute_exists(job_id) AND NOT contains(stray_ids, :p)")
            .expression_attribute_values(":none", AttributeValue::L(vec![]))
            .expression_attribute_values(":one", one)
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![billed.prediction_id.clone()]))
            .expression_attribute_values(":p", s(&billed.prediction_id))
            .build()
            .map_err(aws("build update"))?;
        let entry = LedgerEntry::stray(billed);
        let done = self.ledger_transaction("record stray", upd_job, &entry, job).await?;
        if done {
            crate::metrics::stray_billed(&job.model, billed);
        }
        Ok(done)
    }

    /// Replaces the estimated bill of an uncharged (failed or canceled) job's prediction with
    /// `billed`, the provider's final figure, and moves the ledger by the difference. False
    /// when the job holds no estimate of that prediction (metered already, or charged).
    pub async fn remeter(&self, job: &Job, old: &ProviderRecord, billed: &ProviderRecord) -> Result<bool, StoreError> {
        let upd_job = Update::builder()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET provider = :new")
            .condition_expression("#st IN (:failed, :canceled) AND provider.prediction_id = :p AND provider.metered = :no")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":failed", s("failed"))
            .expression_attribute_values(":canceled", s("canceled"))
            .expression_attribute_values(":p", s(&billed.prediction_id))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":new", serde_dynamo::to_attribute_value(billed)?)
            .build()
            .map_err(aws("build update"))?;
        let entry = LedgerEntry::remetered(old, billed);
        let done = self.ledger_transaction("remeter", upd_job, &entry, job).await?;
        if done {
            crate::metrics::provider_cost_corrected(&job.model, &entry);
        }
        Ok(done)
    }

    async fn ledger_transaction(&self, op: &'static str, upd_job: Update, entry: &LedgerEntry, job: &Job) -> Result<bool, StoreError> {
        let items = vec![
            TransactWriteItem::builder().update(upd_job).build(),
            TransactWriteItem::builder().update(self.ledger_update(job, entry)?).build(),
        ];
        match super::transact(self, op, items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op,
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_sorts_apart_from_every_user_item_type() {
        // Its own partition, and its sort keys match none of the users' ranges either.
        let k = ledger_key("2026-05-01", "imagen-4");
        assert_eq!(k["user_id"], s("_operator"));
        let period = k["period"].as_s().unwrap();
        for other in ["day#", "month#", "limit", "set#", "story#", "board#", "tiles#"] {
            assert!(!period.starts_with(other), "{other}");
        }
    }
}
