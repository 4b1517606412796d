//! The usage report (`GET /api/usage`) and the quota both it and `GET /api/me` show, and the
//! report's storage figures. Sums are integer micro-dollars; dollars appear only in the JSON.
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::{Micros, StorageUsage, UserId};
use crate::store::DayUsage;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The longest period one report covers, in days (both ends counted).
pub const MAX_REPORT_DAYS: i64 = 366;

/// `Quota` of api.md for the current month: `{monthly_limit_usd, spent_usd, remaining_usd, period}`.
pub async fn quota_json(app: &App, user: &UserId) -> Result<Value, ApiError> {
    let period = clock::period(clock::now());
    let used = app.store.usage().month(user, &period).await?;
    let limit = app.store.usage().monthly_limit(user, app.config.monthly_limit).await?;
    Ok(json!({
        "monthly_limit_usd": limit.usd(),
        "spent_usd": used.spent.usd(),
        "remaining_usd": used.remaining(limit).usd(),
        "period": period,
    }))
}

/// `Storage` of `GET /api/usage`: what the user keeps now against their storage limit, in bytes
/// (domain::storage): `stored_bytes` (their assets), `reserved_bytes` (uploads announced and not
/// completed yet), `limit_bytes`, `files`.
pub async fn storage_json(app: &App, user: &UserId) -> Result<Value, ApiError> {
    let used = app.store.storage(user).await?;
    let limits = app.store.usage().limits(user, app.config.default_limits()).await?;
    Ok(storage_body(&used, limits.storage_bytes))
}

pub fn storage_body(used: &StorageUsage, limit: u64) -> Value {
    json!({
        "stored_bytes": used.stored,
        "reserved_bytes": used.reserved(),
        "limit_bytes": limit,
        "files": used.files,
    })
}

fn parse_date(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    let bad = || ApiError::validation(field, format!("{field} must be a date as YYYY-MM-DD"));
    if s.len() != 10 {
        return Err(bad());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())
}

/// The report's period: both `from` and `to` (inclusive), or neither for the month of `today`.
pub fn period(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let (from, to) = match (from, to) {
        (None, None) => {
            let first = today.with_day(1).expect("day 1 exists");
            let next = first.checked_add_months(chrono::Months::new(1)).expect("a next month exists");
            (first, next.pred_opt().expect("a day before exists"))
        }
        (Some(f), Some(t)) => (parse_date("from", f)?, parse_date("to", t)?),
        (None, Some(_)) => return Err(ApiError::validation("from", "give both from and to, or neither for this month")),
        (Some(_), None) => return Err(ApiError::validation("to", "give both from and to, or neither for this month")),
    };
    if to < from {
        return Err(ApiError::validation("to", "to must not be before from"));
    }
    if (to - from).num_days() + 1 > MAX_REPORT_DAYS {
        return Err(ApiError::validation(
            "to",
            format!("a report covers at most {MAX_REPORT_DAYS} days"),
        ));
    }
    Ok((from, to))
}

#[derive(Default)]
struct Sum {
    spent: Micros,
    count: i64,
}

impl Sum {
    fn add(&mut self, spent: Micros, count: i64) {
        self.spent = self.spent + spent;
        self.count += count;
    }
}

/// The report body without the quota: totals, `by_model` (most spent first, then by id) and
/// `by_day` (days with usage, in order, each with its own `by_model` for stacked charts).
pub fn report(from: NaiveDate, to: NaiveDate, days: &[DayUsage]) -> Value {
    let mut total = Sum::default();
    let mut models: BTreeMap<&str, Sum> = BTreeMap::new();
    let mut by_day: BTreeMap<&str, (Sum, Vec<Value>)> = BTreeMap::new();
    for d in days {
        total.add(d.spent, d.count);
        models.entry(&d.model).or_default().add(d.spent, d.count);
        let day = by_day.entry(&d.date).or_default();
        day.0.add(d.spent, d.count);
        day.1.push(json!({ "model": d.model, "count": d.count, "usd": d.spent.usd() }));
    }
    let mut models: Vec<(&str, Sum)> = models.into_iter().collect();
    models.sort_by(|a, b| b.1.spent.cmp(&a.1.spent).then(a.0.cmp(b.0)));
    json!({
        "from": from.format("%Y-%m-%d").to_string(),
        "to": to.format("%Y-%m-%d").to_string(),
        "total_usd": total.spent.usd(),
        "count": total.count,
        "by_model": models
            .iter()
            .map(|(m, s)| json!({ "model": m, "count": s.count, "usd": s.spent.usd() }))
            .collect::<Vec<_>>(),
        "by_day": by_day
            .into_iter()
            .map(|(date, (s, models))| json!({ "date": date, "count": s.count, "usd": s.spent.usd(), "by_model": models }))
            .collect::<Vec<_>>(),
    })
}

/// `GET /api/usage` for the user over `from..=to`.
pub async fn usage_json(app: &App, user: &UserId, from: NaiveDate, to: NaiveDate) -> Result<Value, ApiError> {
    let f = from.format("%Y-%m-%d").to_string();
    let t = to.format("%Y-%m-%d").to_string();
    let days = app.store.usage().days(user, &f, &t).await?;
    let mut body = report(from, to, &days);
    body["quota"] = quota_json(app, user).await?;
    body["storage"] = storage_json(app, user).await?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::Validation { field, .. } => field.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn storage_shows_stored_and_reserved_apart() {
        let used = StorageUsage {
            stored: 1_500_000,
            committed: 2_000_000,
            files: 3,
        };
        assert_eq!(
            storage_body(&used, 5_000_000),
            json!({"stored_bytes": 1_500_000, "reserved_bytes": 500_000, "limit_bytes": 5_000_000, "files": 3})
        );
    }

    #[test]
    fn the_default_period_is_the_whole_current_month() {
        assert_eq!(period(None, None, d("2026-02-14")).unwrap(), (d("2026-02-01"), d("2026-02-28")));
        assert_eq!(period(None, None, d("2026-12-31")).unwrap(), (d("2026-12-01"), d("2026-12-31")));
    }

    #[test]
    fn periods_are_checked() {
        let today = d("2026-11-23");
        assert_eq!(period(Some("2025-11-23"), Some("2026-11-23"), today).unwrap().1, d("2026-11-23"));
        assert_eq!(field(period(Some("2025-11-22"), Some("2026-11-23"), today).unwrap_err()), "to");
        assert_eq!(field(period(Some("2026-11-02"), Some("2026-11-01"), today).unwrap_err()), "to");
        assert_eq!(field(period(Some("2026-1-02"), Some("2026-11-01"), today).unwrap_err()), "from");
        assert_eq!(field(period(Some("2026-02-30"), Some("2026-03-01"), today).unwrap_err()), "from");
        assert_eq!(field(period(Some("2026-02-01"), Some("tomorrow"), today).unwrap_err()), "to");
        assert_eq!(field(period(Some("2026-02-01"), None, today).unwrap_err()), "to");
        assert_eq!(field(period(None, Some("2026-02-01"), today).unwrap_err()), "from");
    }

    #[test]
    fn the_report_sums_micros_exactly() {
        let day = |date: &str, model: &str, micros: i64, count: i64| DayUsage {
            date: date.into(),
            model: model.into(),
            spent: Micros(micros),
            count,
        };
        // 0.1 + 0.2 as floats is 0.30000000000000004; as micros it is exact.
        let days = [
            day("2026-11-01", "a", 100_000, 1),
            day("2026-11-01", "b", 200_000, 2),
            day("2026-11-03", "a", 39_000, 1),
        ];
        let r = report(d("2026-11-01"), d("2026-11-30"), &days);
        assert_eq!(r["total_usd"], json!(0.339));
        assert_eq!(r["count"], 4);
        assert_eq!(r["by_model"][0], json!({"model": "b", "count": 2, "usd": 0.2}));
        assert_eq!(r["by_model"][1], json!({"model": "a", "count": 2, "usd": 0.139}));
        assert_eq!(r["by_day"][0]["usd"], json!(0.3));
        assert_eq!(r["by_day"][0]["by_model"].as_array().unwrap().len(), 2);
        assert_eq!(
            r["by_day"][1],
            json!({"date": "2026-11-03", "count": 1, "usd": 0.039, "by_model": [{"model": "a", "count": 1, "usd": 0.039}]})
        );
        assert_eq!(report(d("2026-11-01"), d("2026-11-30"), &[])["by_day"], json!([]));
    }
}
