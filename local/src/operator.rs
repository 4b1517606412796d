//! The operator's commands (`vn-local ledger`, `vn-local reconcile-report`): what users paid,
//! what Replicate billed, and the predictions no job knows, read from the running local stack or
//! from a deployment.
use crate::BoxError;
use aws_config::SdkConfig;

/// Said when no provider audit has written a report yet.
pub const NO_REPORT: &str = "no provider audit report yet (the audit runs every 15 minutes)";

/// Where the answer is read: the usage table (the operator's ledger) and the bucket of the
/// provider audit's reports.
pub struct Place {
    store: shared::store::Store,
    s3: aws_sdk_s3::Client,
    bucket: Option<String>,
}

impl Place {
    /// `path_style`: the local emulator's S3 addressing.
    pub fn new(conf: &SdkConfig, path_style: bool, usage_table: String, bucket: Option<String>) -> Self {
        let ddb = aws_sdk_dynamodb::Client::new(conf);
        let tables = shared::config::Tables {
            jobs: String::new(),
            assets: String::new(),
            usage: usage_table,
            idempotency: String::new(),
            shares: String::new(),
        };
        let store = shared::store::Store::new(shared::lazy::Lazy::new(move || ddb.clone()), tables);
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(conf).force_path_style(path_style).build());
        Place { store, s3, bucket }
    }

    /// The newest provider audit report: its key and its JSON lines.
    pub async fn last_report(&self) -> Result<Option<(String, String)>, BoxError> {
        let bucket = self
            .bucket
            .as_deref()
            .ok_or("MEDIA_BUCKET (the deployment's media bucket) is needed for the audit's reports")?;
        let prefix = shared::media::reports::report_key(shared::service::audit::FUNCTION, "");
        let mut last: Option<String> = None;
        let mut token = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&prefix)
                .set_continuation_token(token.take())
                .send()
                .await?;
            for k in out.contents().iter().filter_map(|o| o.key()) {
                if last.as_deref().is_none_or(|l| k > l) {
                    last = Some(k.to_string());
                }
            }
            match out.next_continuation_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        let Some(key) = last else { return Ok(None) };
        let body = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await?
            .body
            .collect()
            .await?
            .into_bytes();
        Ok(Some((key, String::from_utf8_lossy(&body).into_owned())))
    }

    /// The month's answer: the operator's ledger of the month (per model and in total) and the
    /// last provider audit's summary, when the reports' bucket is known.
    pub async fn month_answer(&self, first_day: chrono::NaiveDate) -> Result<MonthAnswer, BoxError> {
        let last_day = first_day
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or("no last day")?;
        let rows = self.store.ledger(&first_day.to_string(), &last_day.to_string()).await?;
        let audit = match &self.bucket {
            None => None,
            Some(_) => Some(self.last_report().await?),
        };
        Ok(MonthAnswer {
            month: first_day.format("%Y-%m").to_string(),
            rows,
            audit,
        })
    }
}

/// What Replicate billed this month, what users paid, and whether any prediction is unknown.
pub struct MonthAnswer {
    pub month: String,
    pub rows: Vec<shared::store::LedgerRow>,
    /// `None`: the reports' bucket is not known; `Some(None)`: no report yet.
    pub audit: Option<Option<(String, String)>>,
}

impl MonthAnswer {
    /// The month's totals over every model.
    pub fn total(&self) -> shared::billing::LedgerEntry {
        let mut total = shared::billing::LedgerEntry::default();
        self.rows.iter().for_each(|r| total.add(&r.totals));
        total
    }

    /// The last audit's summary line (`kind: "summary"`: `orphans`, `foreign_orphans`, `web`, …).
    pub fn audit_summary(&self) -> Option<serde_json::Value> {
        let (_, body) = self.audit.as_ref()?.as_ref()?;
        serde_json::from_str(body.lines().next()?).ok()
    }

    /// As `make ledger` prints it.
    pub fn text(&self) -> Result<String, BoxError> {
        let mut out = crate::ledger_table(&self.month, &self.rows);
        out += "\nPredictions no job knows, from the last provider audit:\n";
        match &self.audit {
            None => out += "  (set MEDIA_BUCKET to read the provider audit's reports)\n",
            Some(None) => out += &format!("  {NO_REPORT}\n"),
            Some(Some((key, body))) => {
                out += &format!("  {key}\n");
                for line in crate::report::table(body)?.lines().take(2) {
                    out += &format!("  {line}\n");
                }
            }
        }
        Ok(out)
    }
}
