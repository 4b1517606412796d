//! `vn-local reconcile-report`: the last provider audit report (service::audit, JSON lines in
//! the media bucket under `reports/provider-audit/`) as a table.
use serde_json::Value;

/// The report `body` (JSON lines: the summary, then one line per finding) as text: the
/// summary's window and counts, then one row per finding.
pub fn table(body: &str) -> Result<String, String> {
    let mut lines = body.lines().filter(|l| !l.trim().is_empty());
    let summary: Value = serde_json::from_str(lines.next().ok_or("an empty report")?).map_err(|e| format!("the summary line: {e}"))?;
    let n = |k: &str| summary[k].as_u64().unwrap_or(0);
    let mut out = format!(
        "window {} .. {}  complete: {}\n{} listed on {} pages: {} matched, {} disagree, {} orphans ({} cancels queued), {} not ours, {} of deleted users, {} strays, {} cost drifts, {} web, {} errors\n",
        summary["window_from"].as_str().unwrap_or("-"),
        summary["window_to"].as_str().unwrap_or("-"),
        summary["complete"],
        n("listed"),
        n("pages"),
        n("matched"),
        n("disagreements"),
        n("orphans"),
        n("cancels_queued"),
        n("foreign_orphans"),
        n("deleted_user"),
        n("strays"),
        n("cost_drifts"),
        n("web"),
        n("errors"),
    );
    let cols = [
        "kind",
        "prediction_id",
        "status",
        "model",
        "job_id",
        "job_status",
        "webhook_host",
        "drift_micros",
        "action",
    ];
    let mut rows: Vec<Vec<String>> = vec![cols.iter().map(|c| c.to_uppercase()).collect()];
    for l in lines {
        let v: Value = serde_json::from_str(l).map_err(|e| format!("a finding line: {e}"))?;
        let cell = |c: &str| match &v[c] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => "-".into(),
        };
        rows.push(cols.iter().map(|c| cell(c)).collect());
    }
    if rows.len() == 1 {
        out.push_str("no findings\n");
        return Ok(out);
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_report_prints_its_counts_and_one_row_per_finding() {
        let body = concat!(
            r#"{"kind":"summary","window_from":"2026-12-06T10:00:00.000Z","window_to":"2026-12-06T11:00:00.000Z","listed":3,"pages":1,"orphans":1,"cancels_queued":1,"foreign_orphans":1,"complete":true}"#,
            "\n",
            r#"{"kind":"orphan","prediction_id":"p1","status":"processing","model":"google/imagen-4","job_id":"01J","action":"cancel_queued"}"#,
            "\n",
            r#"{"kind":"foreign_orphan","prediction_id":"p2","status":"succeeded","model":"google/imagen-4","webhook_host":"other.example","action":"none"}"#,
            "\n"
        );
        let t = super::table(body).unwrap();
        assert!(
            t.contains("3 listed on 1 pages") && t.contains("1 orphans (1 cancels queued)"),
            "{t}"
        );
        let rows: Vec<&str> = t.lines().skip(2).collect();
        assert_eq!(rows.len(), 3, "{t}");
        assert!(
            rows[0].starts_with("KIND") && rows[1].starts_with("orphan ") && rows[1].ends_with("cancel_queued"),
            "{t}"
        );
        assert!(rows[2].contains("other.example"), "{t}");
        assert!(super::table("").is_err());
    }
}
