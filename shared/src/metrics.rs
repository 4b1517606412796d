//! What the admin sees in CloudWatch: one Embedded Metric Format line per settled job, written
//! to stdout, which Lambda sends to CloudWatch Logs, where it becomes metrics without an API
//! call. Namespace `VisualNeurons`; per model and in total: `Jobs`, `Succeeded`, `Failed`,
//! `Canceled`, `CostMicros` (what the user was charged) and `TimeToResultMs` (creation to
//! settle). On only where `METRICS=emf` (Terraform sets it; locally it stays quiet).
use crate::domain::{Job, JobStatus, Micros};
use serde_json::json;
use std::sync::OnceLock;

pub const NAMESPACE: &str = "VisualNeurons";

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("METRICS").is_ok_and(|v| v == "emf"))
}

/// The EMF record of one settled job.
pub fn emf_line(model: &str, status: JobStatus, cost: Micros, time_to_result_ms: i64, timestamp_ms: i64) -> String {
    let flag = |s: JobStatus| i64::from(status == s);
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Model"], []],
                "Metrics": [
                    { "Name": "Jobs", "Unit": "Count" },
                    { "Name": "Succeeded", "Unit": "Count" },
                    { "Name": "Failed", "Unit": "Count" },
                    { "Name": "Canceled", "Unit": "Count" },
                    { "Name": "CostMicros", "Unit": "None" },
                    { "Name": "TimeToResultMs", "Unit": "Milliseconds" }
                ]
            }]
        },
        "Model": model,
        "Status": status.as_str(),
        "Jobs": 1,
        "Succeeded": flag(JobStatus::Succeeded),
        "Failed": flag(JobStatus::Failed),
        "Canceled": flag(JobStatus::Canceled),
        "CostMicros": cost.0,
        "TimeToResultMs": time_to_result_ms.max(0),
    })
    .to_string()
}

/// Reports a job that just settled (called once per job, by the write that finished it).
pub fn job_settled(job: &Job, status: JobStatus, cost: Micros) {
    if !enabled() {
        return;
    }
    let now = crate::clock::now();
    let created = chrono::DateTime::parse_from_rfc3339(&job.created_at).map(|t| t.timestamp_millis());
    let elapsed = created.map_or(0, |c| now.timestamp_millis() - c);
    println!("{}", emf_line(&job.model, status, cost, elapsed, now.timestamp_millis()));
}

/// The EMF record of one provider audit run (service::audit): `ProviderOrphans` (this
/// deployment's predictions no job knows: alarmed), `ForeignPredictions` (no job of ours, not
/// this deployment's: never touched) and `StatusDisagreements`, with no dimension.
pub fn audit_line(orphans: usize, foreign: usize, disagreements: usize, timestamp_ms: i64) -> String {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[]],
                "Metrics": [
                    { "Name": "ProviderOrphans", "Unit": "Count" },
                    { "Name": "ForeignPredictions", "Unit": "Count" },
                    { "Name": "StatusDisagreements", "Unit": "Count" }
                ]
            }]
        },
        "ProviderOrphans": orphans,
        "ForeignPredictions": foreign,
        "StatusDisagreements": disagreements,
    })
    .to_string()
}

/// Reports a provider audit run's counts.
pub fn provider_audit(orphans: usize, foreign: usize, disagreements: usize) {
    if enabled() {
        println!(
            "{}",
            audit_line(orphans, foreign, disagreements, crate::clock::now().timestamp_millis())
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_audit_run_is_one_emf_record_of_its_counts() {
        let v: Value = serde_json::from_str(&audit_line(2, 5, 1, 1_700_000_000_000)).unwrap();
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
    use serde_json::Value;

    #[test]
    fn a_settled_job_is_one_emf_record_per_model_and_in_total() {
        let v: Value = serde_json::from_str(&emf_line("imagen-4", JobStatus::Succeeded, Micros(40_000), 8123, 1_700_000_000_000)).unwrap();
        let m = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(m["Namespace"], NAMESPACE);
        assert_eq!(m["Dimensions"], json!([["Model"], []]));
        // Every metric declared has its value at the top level, as EMF requires.
        for d in m["Metrics"].as_array().unwrap() {
            assert!(v[d["Name"].as_str().unwrap()].is_number(), "{d}");
        }
        assert_eq!(
            (v["CostMicros"].as_i64(), v["Succeeded"].as_i64(), v["Failed"].as_i64()),
            (Some(40_000), Some(1), Some(0))
        );
        assert_eq!(v["TimeToResultMs"], 8123);
        let f: Value = serde_json::from_str(&emf_line("veo", JobStatus::Failed, Micros(0), -5, 0)).unwrap();
        assert_eq!(
            (f["Failed"].as_i64(), f["CostMicros"].as_i64(), f["TimeToResultMs"].as_i64()),
            (Some(1), Some(0), Some(0))
        );
    }
}
