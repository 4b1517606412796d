//! The models' measured run times (billing::runtime) in the operator's partition of the usage
//! table: per month and model, [`LEDGER_SHARDS`] items `runtime#{YYYY-MM}#{model}#{shard}`
//! (the shard of the job, as the ledger's, so the settles of a busy model don't contend) with
//! `runs` and `run_ms` added by the transaction that settles a job succeeded. Reading sums the
//! shards of last month and this one.
use super::{Item, Store, StoreError, aws, n, s};
use crate::billing::{LEDGER_SHARDS, OPERATOR_PARTITION, RunTimes, ledger_shard};
use crate::domain::Job;
use aws_sdk_dynamodb::types::Update;
use std::collections::BTreeMap;

fn run_time_key(month: &str, model: &str, shard: u32) -> Item {
    debug_assert!(shard < LEDGER_SHARDS);
    Item::from([
        ("user_id".into(), s(OPERATOR_PARTITION)),
        ("period".into(), s(format!("runtime#{month}#{model}#{shard}"))),
    ])
}

impl Store {
    /// The transaction item adding one run of `ms` milliseconds to the job's model in the month
    /// the job was created in (its `quota_period`).
    pub(crate) fn run_time_update(&self, job: &Job, ms: i64) -> Result<Update, StoreError> {
        Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(run_time_key(&job.quota_period, &job.model, ledger_shard(job.job_id.as_str()))))
            .update_expression("SET #m = :m ADD runs :one, run_ms :ms")
            .expression_attribute_names("#m", "model")
            .expression_attribute_values(":m", s(&job.model))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ms", n(ms))
            .build()
            .map_err(aws("build update"))
    }

    /// The timed runs of every model over `months` (`[first, last]`, `YYYY-MM`, inclusive), its
    /// shards and months summed.
    pub async fn run_times(&self, months: &[String; 2]) -> Result<BTreeMap<String, RunTimes>, StoreError> {
        let mut out: BTreeMap<String, RunTimes> = BTreeMap::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .ddb
                .query()
                .table_name(&self.tables.usage)
                .key_condition_expression("user_id = :u AND #p BETWEEN :lo AND :hi")
                .expression_attribute_names("#p", "period")
                .expression_attribute_values(":u", s(OPERATOR_PARTITION))
                .expression_attribute_values(":lo", s(format!("runtime#{}#", months[0])))
                .expression_attribute_values(":hi", s(format!("runtime#{}#\u{ffff}", months[1])))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(aws("run times"))?;
            for item in page.items.unwrap_or_default() {
                let Some(model) = item.get("model").and_then(|v| v.as_s().ok()) else {
                    continue;
                };
                let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
                let one = RunTimes {
                    runs: num("runs"),
                    total_ms: num("run_ms"),
                };
                out.entry(model.clone()).or_default().add(&one);
            }
            start = page.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_times_sort_apart_from_the_ledger() {
        // Same partition as the ledger: its `ledger#` range must never read these.
        let k = run_time_key("2026-12", "veo-3.1-fast", 3);
        assert_eq!(k["user_id"], s("_operator"));
        let period = k["period"].as_s().unwrap();
        assert_eq!(period, "runtime#2026-12#veo-3.1-fast#3");
        assert!(!period.starts_with("ledger#"));
    }
}
