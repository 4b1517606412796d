//! Time as the domain sees it: RFC 3339 UTC strings, month periods, unix seconds.
use chrono::{DateTime, SecondsFormat, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
/// `YYYY-MM`, the quota period.
pub fn period(t: DateTime<Utc>) -> String {
    t.format("%Y-%m").to_string()
}
/// `YYYY-MM-DD`.
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}
