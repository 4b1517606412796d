use super::*;
use crate::domain::Micros;

/// A finished prediction as the provider sends it (JSON text: the metrics are read from it).
fn pred(status: &str, metrics: Option<&str>) -> Prediction {
    let m = metrics.map_or(String::new(), |m| format!(r#","metrics":{m}"#));
    let text = format!(
        r#"{{"id":"p1","status":"{status}","started_at":"2026-05-01T10:00:01.250000Z","completed_at":"2026-05-01T10:00:05.782184Z"{m}}}"#
    );
    serde_json::from_str(&text).unwrap()
}

fn cost(rate: Rate, p: &Prediction) -> (i64, bool) {
    let c = provider_cost(rate, p, Micros(777));
    assert_eq!(c.basis, rate.basis());
    (c.micros.0, c.metered)
}

#[test]
fn each_basis_is_billed_from_its_metric_to_the_micro_dollar() {
    // Images: image_count × the price of one (Imagen 4, $0.04).
    let p = pred("succeeded", Some(r#"{"predict_time":3.1,"image_count":2}"#));
    assert_eq!(cost(Rate::PerImage(40_000), &p), (80_000, true));
    // Video: seconds of output × the price of a second (Veo 3.1 with audio, $0.40): 8.0 s.
    let p = pred("succeeded", Some(r#"{"predict_time":61.25,"video_output_duration_seconds":8.0}"#));
    assert_eq!(cost(Rate::PerVideoSecond(400_000), &p), (3_200_000, true));
    // A fraction of a second is billed to the micro-dollar, rounded up: 4.0000001 s × 150000.
    let p = pred("succeeded", Some(r#"{"video_output_duration_seconds":4.0000001}"#));
    assert_eq!(cost(Rate::PerVideoSecond(150_000), &p), (600_001, true));
    // Tokens: 1234 in at $0.05/M and 567 out at $0.25/M = 61.7 + 141.75 = 203.45 µ$ → 204.
    let p = pred(
        "succeeded",
        Some(r#"{"input_token_count":1234,"output_token_count":567,"predict_time":0.8}"#),
    );
    assert_eq!(cost(Rate::PerThousandTokens { input: 50, output: 250 }, &p), (204, true));
    // Hardware: predict_time × $/s: 4.532184 s on a T4 ($0.000225/s) = 1019.7414 µ$ → 1020.
    let p = pred("succeeded", Some(r#"{"predict_time":4.532184,"total_time":4.9}"#));
    assert_eq!(cost(Rate::PerHardwareSecond(225), &p), (1020, true));
    // The same seconds on an L40S ($0.000975/s) and an A100 80GB ($0.0014/s).
    assert_eq!(cost(Rate::PerHardwareSecond(975), &p), (4419, true));
    assert_eq!(cost(Rate::PerHardwareSecond(1400), &p), (6346, true));
}

#[test]
fn a_missing_metric_makes_an_estimate() {
    // Hardware: the time between started_at and completed_at (4.532184 s) → metered false.
    let p = pred("succeeded", Some(r#"{"total_time":5.0}"#));
    assert_eq!(cost(Rate::PerHardwareSecond(225), &p), (1020, false));
    let p = pred("succeeded", None);
    assert_eq!(cost(Rate::PerHardwareSecond(225), &p), (1020, false));
    // ... and nothing when the timestamps are missing too.
    let p: Prediction = serde_json::from_str(r#"{"id":"p","status":"failed"}"#).unwrap();
    assert_eq!(cost(Rate::PerHardwareSecond(225), &p), (0, false));
    // An official model's succeeded run without its metric: what the job asked for.
    let p = pred("succeeded", Some(r#"{"predict_time":2.0}"#));
    assert_eq!(cost(Rate::PerImage(40_000), &p), (777, false));
    assert_eq!(cost(Rate::PerVideoSecond(400_000), &p), (777, false));
    let one_count = pred("succeeded", Some(r#"{"input_token_count":10}"#));
    assert_eq!(cost(Rate::PerThousandTokens { input: 50, output: 250 }, &one_count), (777, false));
    // An unreadable metric is a missing one.
    let p = pred("succeeded", Some(r#"{"image_count":"two"}"#));
    assert_eq!(cost(Rate::PerImage(40_000), &p), (777, false));
    // An official model's failed run without its metric made nothing billable.
    let p = pred("failed", Some(r#"{"predict_time":2.0}"#));
    assert_eq!(cost(Rate::PerImage(40_000), &p), (0, false));
}

#[test]
fn canceled_runs_are_billed_for_their_time_and_aborted_ones_are_not() {
    // A community model canceled after it started: the seconds it ran.
    let p = pred("canceled", Some(r#"{"predict_time":2.5}"#));
    assert_eq!(cost(Rate::PerHardwareSecond(975), &p), (2438, true));
    // Failed runs of a community model are billed for their time too.
    let p = pred("failed", Some(r#"{"predict_time":1.000001}"#));
    assert_eq!(cost(Rate::PerHardwareSecond(1_000_000), &p), (1_000_001, true));
    // Aborted: never ran, never billed, whatever the metrics or timestamps say.
    let p = pred("aborted", Some(r#"{"predict_time":2.5}"#));
    assert_eq!(cost(Rate::PerHardwareSecond(975), &p), (0, true));
    assert_eq!(cost(Rate::PerImage(40_000), &pred("aborted", None)), (0, true));
}

#[test]
fn a_record_keeps_the_raw_metrics_and_the_ledger_counts_who_paid() {
    let p = pred("canceled", Some(r#"{"predict_time":2.5}"#));
    let rec = ProviderRecord::of(&p, provider_cost(Rate::PerHardwareSecond(975), &p, Micros(0)));
    assert_eq!(rec.metrics.as_deref(), Some(r#"{"predict_time":2.5}"#));
    assert_eq!(
        (rec.status.as_str(), rec.cost_micros, rec.metered),
        ("canceled", Micros(2438), true)
    );

    // Canceled after it started: charged nothing, billed 2438 → all of it is the operator's loss.
    let e = LedgerEntry::settled(false, Micros::ZERO, &rec);
    assert_eq!(
        (e.jobs, e.runs, e.charged_micros, e.provider_micros, e.loss_micros),
        (1, 0, 0, 2438, 2438)
    );
    assert_eq!(e.margin_micros(), -2438);
    // A charged run: no loss; underpriced only when the bill exceeds the charge.
    let e = LedgerEntry::settled(true, Micros(5000), &rec);
    assert_eq!((e.runs, e.underpriced, e.loss_micros, e.margin_micros()), (1, 0, 0, 2562));
    assert_eq!(LedgerEntry::settled(true, Micros(2437), &rec).underpriced, 1);
    // A stray: loss; a late, final figure replaces an estimate by the difference.
    let s = LedgerEntry::stray(&rec);
    assert_eq!((s.jobs, s.strays, s.loss_micros), (0, 1, 2438));
    let est = ProviderRecord::unread("p1", BillingBasis::HardwareSecond);
    let r = LedgerEntry::remetered(&est, &rec);
    assert_eq!((r.provider_micros, r.loss_micros, r.estimated), (2438, 2438, -1));
    let mut total = LedgerEntry::settled(false, Micros::ZERO, &est);
    total.add(&r);
    assert_eq!(total, LedgerEntry::settled(false, Micros::ZERO, &rec));
}

#[test]
fn a_day_is_underpriced_past_ten_percent_of_its_runs() {
    let day = |runs, underpriced| LedgerEntry {
        runs,
        underpriced,
        ..LedgerEntry::default()
    };
    assert!(!is_underpriced_day(&day(10, 1)), "exactly 10% is not more than 10%");
    assert!(is_underpriced_day(&day(10, 2)));
    assert!(is_underpriced_day(&day(9, 1)), "11.1%");
    assert!(!is_underpriced_day(&day(1000, 100)));
    assert!(is_underpriced_day(&day(1000, 101)));
    assert!(!is_underpriced_day(&day(0, 0)));
}
