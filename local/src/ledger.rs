//! `vn-local ledger`: the operator's ledger of a month as a table (per model and in total).
use shared::billing::LedgerEntry;
use shared::domain::Micros;
use shared::store::LedgerRow;
use std::collections::BTreeMap;

/// The month's rows summed per model, then the total, one line each.
pub fn ledger_table(month: &str, rows: &[LedgerRow]) -> String {
    let mut per_model: BTreeMap<&str, LedgerEntry> = BTreeMap::new();
    let mut total = LedgerEntry::default();
    for r in rows {
        per_model.entry(r.model.as_str()).or_default().add(&r.totals);
        total.add(&r.totals);
    }
    let mut out = format!("Operator's ledger for {month}: what users paid and what Replicate billed\n");
    out += &format!(
        "{:<22} {:>6} {:>6} {:>12} {:>12} {:>12} {:>12} {:>10} {:>7}\n",
        "model", "jobs", "runs", "charged", "billed", "margin", "loss", "estimated", "strays"
    );
    let line = |name: &str, e: &LedgerEntry| {
        format!(
            "{:<22} {:>6} {:>6} {:>12} {:>12} {:>12} {:>12} {:>10} {:>7}\n",
            name,
            e.jobs,
            e.runs,
            Micros(e.charged_micros).to_string(),
            Micros(e.provider_micros).to_string(),
            Micros(e.margin_micros()).to_string(),
            Micros(e.loss_micros).to_string(),
            e.estimated,
            e.strays
        )
    };
    for (model, e) in &per_model {
        out += &line(model, e);
    }
    out += &line("total", &total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_summed_per_model_and_in_total() {
        let row = |day: &str, model: &str, charged, billed, loss| LedgerRow {
            day: day.into(),
            model: model.into(),
            totals: LedgerEntry {
                jobs: 1,
                runs: i64::from(charged > 0),
                charged_micros: charged,
                provider_micros: billed,
                loss_micros: loss,
                ..LedgerEntry::default()
            },
        };
        let rows = [
            row("2026-05-01", "imagen-4", 40_000, 40_000, 0),
            row("2026-05-02", "imagen-4", 40_000, 40_000, 0),
            row("2026-05-02", "codeformer", 0, 2_438, 2_438),
        ];
        let t = ledger_table("2026-05", &rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 5, "{t}");
        assert!(lines[2].starts_with("codeformer") && lines[2].contains("-$0.002438"), "{t}");
        assert!(lines[3].starts_with("imagen-4") && lines[3].contains("$0.08"), "{t}");
        let total: Vec<&str> = lines[4].split_whitespace().collect();
        assert_eq!(
            total,
            ["total", "3", "2", "$0.08", "$0.082438", "-$0.002438", "$0.002438", "0", "0"]
        );
    }
}
