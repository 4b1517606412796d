//! What the admin sees in CloudWatch: Embedded Metric Format lines written to stdout, which
//! Lambda sends to CloudWatch Logs, where they become metrics without an API call. Namespace
//! `VisualNeurons`; per model and in total. On only where `METRICS=emf` (Terraform sets it;
//! locally it stays quiet).
//!
//! - One record per settled job: `Jobs`, `Succeeded`, `Failed`, `Canceled`, `CostMicros` (what
//!   the user was charged), `TimeToResultMs` (creation to settle), and for a job that ran as a
//!   prediction `ProviderCostMicros` (what the provider billed, billing::provider_cost),
//!   `OperatorLossMicros` (the provider cost of a run no user paid for), `MarginMicros`
//!   (charged less provider cost) and `UnderpricedRuns` (a charged run that cost more than its
//!   charge).
//! - One per stray prediction billed: `StrayRuns`, and its cost as `ProviderCostMicros`,
//!   `OperatorLossMicros` and a negative `MarginMicros`.
//! - One per late correction of an estimate: the differences of the same three.
//! - One per closed day from the reconciler: `UnderpricedModels` (how many models were
//!   underpriced that day: billing::is_underpriced_day), and per model `UnderpricedSharePct`.
use crate::billing::{LedgerEntry, ProviderRecord, is_underpriced_day};
use crate::domain::{Job, JobStatus, Micros};
use serde_json::{Map, Value, json};
use std::sync::OnceLock;

pub const NAMESPACE: &str = "VisualNeurons";

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("METRICS").is_ok_and(|v| v == "emf"))
}

/// One EMF record: `values` (name, unit, value) under `dimensions`, with `properties` as
/// plain (unmeasured) fields.
fn record(dimensions: Value, values: &[(&str, &str, i64)], properties: &[(&str, &str)], timestamp_ms: i64) -> String {
    let metrics: Vec<Value> = values.iter().map(|(n, u, _)| json!({ "Name": n, "Unit": u })).collect();
    let mut v = Map::new();
    v.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{ "Namespace": NAMESPACE, "Dimensions": dimensions, "Metrics": metrics }]
        }),
    );
    for (k, val) in properties {
        v.insert((*k).into(), json!(val));
    }
    for (n, _, val) in values {
        v.insert((*n).into(), json!(val));
    }
    Value::Object(v).to_string()
}

/// The EMF record of one settled job; `billed` is its prediction's bill, if it ran as one.
pub fn emf_line(
    model: &str,
    status: JobStatus,
    cost: Micros,
    billed: Option<&ProviderRecord>,
    time_to_result_ms: i64,
    timestamp_ms: i64,
) -> String {
    let flag = |s: JobStatus| i64::from(status == s);
    let mut values = vec![
        ("Jobs", "Count", 1),
        ("Succeeded", "Count", flag(JobStatus::Succeeded)),
        ("Failed", "Count", flag(JobStatus::Failed)),
        ("Canceled", "Count", flag(JobStatus::Canceled)),
        ("CostMicros", "None", cost.0),
        ("TimeToResultMs", "Milliseconds", time_to_result_ms.max(0)),
    ];
    if let Some(b) = billed {
        let e = LedgerEntry::settled(status == JobStatus::Succeeded, cost, b);
        values.extend([
            ("ProviderCostMicros", "None", e.provider_micros),
            ("OperatorLossMicros", "None", e.loss_micros),
            ("MarginMicros", "None", e.margin_micros()),
            ("UnderpricedRuns", "Count", e.underpriced),
        ]);
    }
    record(
        json!([["Model"], []]),
        &values,
        &[("Model", model), ("Status", status.as_str())],
        timestamp_ms,
    )
}

/// The EMF record of a ledger change that is not a settle: a stray billed, an estimate corrected.
pub fn emf_ledger_line(model: &str, e: &LedgerEntry, timestamp_ms: i64) -> String {
    let mut values = vec![
        ("ProviderCostMicros", "None", e.provider_micros),
        ("OperatorLossMicros", "None", e.loss_micros),
        ("MarginMicros", "None", e.margin_micros()),
    ];
    if e.strays != 0 {
        values.push(("StrayRuns", "Count", e.strays));
    }
    record(json!([["Model"], []]), &values, &[("Model", model)], timestamp_ms)
}

/// The EMF records of one closed day's ledger: a total `UnderpricedModels` and each model's
/// share of underpriced runs (in percent, rounded down; the count uses the exact rule).
pub fn emf_day_lines(day: &str, models: &[(String, LedgerEntry)], timestamp_ms: i64) -> Vec<String> {
    let under = models.iter().filter(|(_, e)| is_underpriced_day(e)).count() as i64;
    let mut lines = vec![record(
        json!([[]]),
        &[("UnderpricedModels", "Count", under)],
        &[("Day", day)],
        timestamp_ms,
    )];
    for (model, e) in models.iter().filter(|(_, e)| e.runs > 0) {
        let pct = e.underpriced * 100 / e.runs;
        lines.push(record(
            json!([["Model"]]),
            &[("UnderpricedSharePct", "Percent", pct)],
            &[("Model", model), ("Day", day)],
            timestamp_ms,
        ));
    }
    lines
}

fn now_ms() -> i64 {
    crate::clock::now().timestamp_millis()
}

/// Reports a job that just settled (called once per job, by the write that finished it).
pub fn job_settled(job: &Job, status: JobStatus, cost: Micros, billed: Option<&ProviderRecord>) {
    if !enabled() {
        return;
    }
    let now = now_ms();
    let created = chrono::DateTime::parse_from_rfc3339(&job.created_at).map(|t| t.timestamp_millis());
    let elapsed = created.map_or(0, |c| now - c);
    println!("{}", emf_line(&job.model, status, cost, billed, elapsed, now));
}

/// Reports a stray prediction of a job of `model` that the provider billed.
pub fn stray_billed(model: &str, billed: &ProviderRecord) {
    if enabled() {
        println!("{}", emf_ledger_line(model, &LedgerEntry::stray(billed), now_ms()));
    }
}

/// Reports an estimate replaced by the provider's figure (the difference).
pub fn provider_cost_corrected(model: &str, delta: &LedgerEntry) {
    if enabled() {
        println!("{}", emf_ledger_line(model, delta, now_ms()));
    }
}

/// Reports a closed day's underpriced models (the reconciler, every run). Nothing for a day
/// without runs: an idle deployment pays for no metric.
pub fn underpriced_day(day: &str, models: &[(String, LedgerEntry)]) {
    if enabled() && !models.is_empty() {
        for line in emf_day_lines(day, models, now_ms()) {
            println!("{line}");
        }
    }
}

/// The EMF record of one provider audit run (service::audit): `ProviderOrphans` (this
/// deployment's predictions no job knows: alarmed), `ForeignPredictions` (no job of ours, not
/// this deployment's: never touched), `StatusDisagreements` and `ProviderCostDrifts`, with no
/// dimension.
pub fn audit_line(orphans: usize, foreign: usize, disagreements: usize, cost_drifts: usize, timestamp_ms: i64) -> String {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[]],
                "Metrics": [
                    { "Name": "ProviderOrphans", "Unit": "Count" },
                    { "Name": "ForeignPredictions", "Unit": "Count" },
                    { "Name": "StatusDisagreements", "Unit": "Count" },
                    { "Name": "ProviderCostDrifts", "Unit": "Count" }
                ]
            }]
        },
        "ProviderOrphans": orphans,
        "ForeignPredictions": foreign,
        "StatusDisagreements": disagreements,
        "ProviderCostDrifts": cost_drifts,
    })
    .to_string()
}

/// Reports a provider audit run's counts.
pub fn provider_audit(orphans: usize, foreign: usize, disagreements: usize, cost_drifts: usize) {
    if enabled() {
        println!(
            "{}",
            audit_line(orphans, foreign, disagreements, cost_drifts, crate::clock::now().timestamp_millis())
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_audit_run_is_one_emf_record_of_its_counts() {
        let v: Value = serde_json::from_str(&audit_line(2, 5, 1, 3, 1_700_000_000_000)).unwrap();
        let m = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(m["Namespace"], NAMESPACE);
        for d in m["Metrics"].as_array().unwrap() {
            assert!(v[d["Name"].as_str().unwrap()].is_number(), "{d}");
        }
        assert_eq!(
            (v["ProviderOrphans"].as_u64(), v["ForeignPredictions"].as_u64()),
            (Some(2), Some(5))
        );
    }

    use super::*;
    use crate::billing::BillingBasis;

    fn billed(cost: i64) -> ProviderRecord {
        ProviderRecord {
            prediction_id: "p".into(),
            status: "succeeded".into(),
            basis: BillingBasis::HardwareSecond,
            metrics: Some(r#"{"predict_time":1.5}"#.into()),
            cost_micros: Micros(cost),
            metered: true,
        }
    }

    /// Every metric declared has its value at the top level, as EMF requires.
    fn declared_values_present(v: &Value) {
        for d in v["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap() {
            assert!(v[d["Name"].as_str().unwrap()].is_number(), "{d}");
        }
    }

    #[test]
    fn a_settled_job_is_one_emf_record_per_model_and_in_total() {
        let line = emf_line(
            "imagen-4",
            JobStatus::Succeeded,
            Micros(40_000),
            Some(&billed(41_000)),
            8123,
            1_700_000_000_000,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        let m = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(m["Namespace"], NAMESPACE);
        assert_eq!(m["Dimensions"], json!([["Model"], []]));
        declared_values_present(&v);
        assert_eq!(
            (v["CostMicros"].as_i64(), v["Succeeded"].as_i64(), v["Failed"].as_i64()),
            (Some(40_000), Some(1), Some(0))
        );
        assert_eq!(v["TimeToResultMs"], 8123);
        // The operator's side: billed 41000 for a 40000 charge: margin −1000, underpriced.
        assert_eq!(
            (
                v["ProviderCostMicros"].as_i64(),
                v["OperatorLossMicros"].as_i64(),
                v["MarginMicros"].as_i64(),
                v["UnderpricedRuns"].as_i64()
            ),
            (Some(41_000), Some(0), Some(-1000), Some(1))
        );
        // A failed run the provider billed: charged nothing, all of it lost.
        let f: Value = serde_json::from_str(&emf_line("veo", JobStatus::Failed, Micros(0), Some(&billed(900)), -5, 0)).unwrap();
        declared_values_present(&f);
        assert_eq!(
            (f["Failed"].as_i64(), f["CostMicros"].as_i64(), f["TimeToResultMs"].as_i64()),
            (Some(1), Some(0), Some(0))
        );
        assert_eq!(
            (f["OperatorLossMicros"].as_i64(), f["MarginMicros"].as_i64()),
            (Some(900), Some(-900))
        );
        // A job that never ran as a prediction reports no provider figures.
        let q: Value = serde_json::from_str(&emf_line("veo", JobStatus::Canceled, Micros(0), None, 5, 0)).unwrap();
        declared_values_present(&q);
        assert!(q.get("ProviderCostMicros").is_none());
    }

    #[test]
    fn strays_and_closed_days_have_their_own_records() {
        let s: Value = serde_json::from_str(&emf_ledger_line("gfpgan", &LedgerEntry::stray(&billed(700)), 0)).unwrap();
        declared_values_present(&s);
        assert_eq!(
            (
                s["StrayRuns"].as_i64(),
                s["OperatorLossMicros"].as_i64(),
                s["MarginMicros"].as_i64()
            ),
            (Some(1), Some(700), Some(-700))
        );
        let day = |runs, underpriced| LedgerEntry {
            runs,
            underpriced,
            ..LedgerEntry::default()
        };
        let models = vec![
            ("a".to_string(), day(10, 1)),
            ("b".to_string(), day(9, 1)),
            ("c".to_string(), day(0, 0)),
        ];
        let lines: Vec<Value> = emf_day_lines("2026-05-01", &models, 0)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        lines.iter().for_each(declared_values_present);
        assert_eq!(lines[0]["UnderpricedModels"], 1, "b (11%) is; a (exactly 10%) is not");
        assert_eq!(lines[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
        let shares: Vec<(&str, i64)> = lines[1..]
            .iter()
            .map(|l| (l["Model"].as_str().unwrap(), l["UnderpricedSharePct"].as_i64().unwrap()))
            .collect();
        assert_eq!(shares, [("a", 10), ("b", 11)]);
    }
}
