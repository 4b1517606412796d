//! Environment → typed configuration, read once per container.
use crate::domain::Micros;
use std::time::Duration;

/// Names of the DynamoDB tables (keys in `infra/tables.json`).
#[derive(Clone, Debug)]
pub struct Tables {
    pub jobs: String,
    pub assets: String,
    pub usage: String,
    pub idempotency: String,
    /// Share links, their token lookups and the public routes' rate counters (domain::share).
    pub shares: String,
}

/// An origin outputs may be downloaded from: `https://replicate.delivery`, or a wildcard
/// `https://*.replicate.delivery` (any subdomain, not the apex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedOrigin {
    pub scheme: String,
    pub host: String,
    pub wildcard: bool,
    pub port: Option<u16>,
}

impl AllowedOrigin {
    pub fn parse(s: &str) -> Option<Self> {
        let (scheme, rest) = s.trim().split_once("://")?;
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (rest, None),
        };
        let (wildcard, host) = match host.strip_prefix("*.") {
            Some(h) => (true, h),
            None => (false, host),
        };
        if host.is_empty() || host.contains('/') || host.contains('*') {
            return None;
        }
        Some(Self {
            scheme: scheme.into(),
            host: host.to_ascii_lowercase(),
            wildcard,
            port,
        })
    }

    pub fn allows(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host = host.to_ascii_lowercase();
        let host_ok = if self.wildcard {
            host.ends_with(&format!(".{}", self.host))
        } else {
            host == self.host
        };
        host_ok && url.scheme() == self.scheme && url.port() == self.port && url.username().is_empty() && url.password().is_none()
    }
}

/// Default of `PROMPT_WAIT_S`: how long a prompt rewrite is waited for (`Prefer: wait`).
pub const DEFAULT_PROMPT_WAIT: Duration = Duration::from_secs(20);

/// Default of `COPY_TIMEOUT_S`; a test checks it fits inside the worker's timeout.
pub const DEFAULT_COPY_TIMEOUT_S: u64 = 240;

#[derive(Clone, Debug)]
pub struct Config {
    pub region: String,
    /// Set only for the local stack (moto); in AWS the SDK finds the endpoints.
    pub endpoint_url: Option<String>,
    pub tables: Tables,
    pub media_bucket: String,
    pub queue_url: String,
    pub replicate_api_base: String,
    pub replicate_token_secret_id: String,
    pub webhook_secret_id: String,
    /// Public origin of the site; the webhook URL is `{public_base_url}/webhooks/replicate`.
    pub public_base_url: String,
    pub output_allowlist: Vec<AllowedOrigin>,
    /// The default monthly limit of every user; an admin may set a user's own (store::usage).
    pub monthly_limit: Micros,
    /// The default storage limit of every user in bytes (`STORAGE_LIMIT_MB`, decimal MB;
    /// domain::storage); an admin may set a user's own, as for money.
    pub storage_limit: u64,
    /// How many jobs one user may start in a minute (0: no limit).
    pub job_starts_per_minute: u32,
    /// How many share-page reads one source IP may make per minute (`PUBLIC_READS_PER_MINUTE`,
    /// 60, at least 1): the public route's fixed window (store::rate).
    pub public_reads_per_minute: u32,
    /// Lifetime of a signed media URL (at most an hour; the expiry is rounded down to a
    /// quarter of it, media::cdn::rounded_expiry).
    pub media_url_ttl: Duration,
    /// Where the browser loads media: `{public_base_url}/media` (CloudFront's `/media/*`
    /// behaviour, or the local gateway), followed by the object's key.
    pub media_base_url: String,
    /// Where the browser posts an upload form: `{public_base_url}/upload` (CloudFront's
    /// `/upload` behaviour, or the local gateway), which passes it on to the media bucket.
    pub upload_url: String,
    /// The Secrets Manager secret holding the key that signs media URLs: a JSON object with the
    /// CloudFront public key's id and its private key (PEM), media::signing_key.
    pub media_signing_key_secret_id: String,
    /// Largest image output copied (`MAX_OUTPUT_BYTES`, 64 MiB).
    pub max_output_bytes: u64,
    /// Largest video output copied (`MAX_VIDEO_BYTES`, 500 MB).
    pub max_video_bytes: u64,
    pub download_timeout: Duration,
    /// The worker's budget for copying one job's outputs, all of them together
    /// (`COPY_TIMEOUT_S`, 240 s): inside the worker's timeout (routes.json, 300 s), and cut
    /// further to the Lambda's own deadline when that is nearer (service::finish_copy).
    pub copy_timeout: Duration,
    pub reconcile_after: Duration,
    /// How long a submission whose create had an unknown outcome waits for a webhook before a
    /// second create may be tried (store::submission).
    pub submit_deadline: Duration,
    /// A job that never reached the provider, or whose prediction cannot be read, is given up
    /// this long after it was created, and its reservation released.
    pub give_up_after: Duration,
    /// False only locally with a real Replicate token and no public URL: Replicate could not
    /// reach us, so no webhook is requested and the reconciler polls instead.
    pub send_webhooks: bool,
    /// Days an unsaved result lives after its creation or its last unsave (domain::expiry).
    pub unsaved_expiration_days: u32,
    /// Days a deleted asset waits in the trash before the sweep purges it for good
    /// (`TRASH_RETENTION_DAYS`, 30; domain::trash).
    pub trash_retention_days: u32,
    /// How long a prompt rewrite (a language model) is waited for with `Prefer: wait` before
    /// the API answers 202 with the job to poll: well under API Gateway's 29 s.
    pub prompt_wait: Duration,
    /// How long one Replicate call may sleep in-process on `Retry-After`s before it hands the
    /// wait to the queue instead (`REPLICATE_MAX_RETRY_WAIT_S`, 20 s; 0: always the queue).
    pub replicate_max_retry_wait: Duration,
    /// The provider audit leaves predictions younger than this to a later run
    /// (`PROVIDER_AUDIT_LAG_S`, 900): their job may not have recorded them yet.
    pub audit_lag: Duration,
    /// The most listing reads the provider audit makes in a minute
    /// (`PROVIDER_AUDIT_READS_PER_MINUTE`, 300: a tenth of Replicate's 3000 reads a minute,
    /// which the rest of the system shares).
    pub audit_reads_per_minute: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let req = |k: &'static str| get(k).ok_or(ConfigError::Missing(k));
        let or = |k: &str, d: &str| get(k).unwrap_or_else(|| d.to_string());
        let secs = |k: &'static str, d: u64| -> Result<Duration, ConfigError> {
            get(k).map_or(Ok(Duration::from_secs(d)), |v| {
                v.parse().map(Duration::from_secs).map_err(|_| ConfigError::Invalid(k, v))
            })
        };
        let allow_raw = or("OUTPUT_HOST_ALLOWLIST", "https://replicate.delivery,https://*.replicate.delivery");
        let output_allowlist = allow_raw
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| AllowedOrigin::parse(s).ok_or_else(|| ConfigError::Invalid("OUTPUT_HOST_ALLOWLIST", s.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let limit_raw = or("MONTHLY_LIMIT_USD", "20");
        let monthly_limit = Micros::parse_usd(&limit_raw).ok_or(ConfigError::Invalid("MONTHLY_LIMIT_USD", limit_raw))?;
        let storage_raw = or("STORAGE_LIMIT_MB", crate::domain::storage::DEFAULT_STORAGE_LIMIT_MB);
        let storage_limit = crate::domain::storage::parse_mb(&storage_raw).ok_or(ConfigError::Invalid("STORAGE_LIMIT_MB", storage_raw))?;
        let starts_raw = or("JOB_STARTS_PER_MINUTE", "30");
        let job_starts_per_minute = starts_raw
            .parse()
            .map_err(|_| ConfigError::Invalid("JOB_STARTS_PER_MINUTE", starts_raw))?;
        let public_raw = or("PUBLIC_READS_PER_MINUTE", "60");
        let public_reads_per_minute = public_raw
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or(ConfigError::Invalid("PUBLIC_READS_PER_MINUTE", public_raw))?;
        let max_raw = or("MAX_OUTPUT_BYTES", "67108864");
        let max_output_bytes = max_raw.parse().map_err(|_| ConfigError::Invalid("MAX_OUTPUT_BYTES", max_raw))?;
        let video_raw = or("MAX_VIDEO_BYTES", "500000000");
        let max_video_bytes = video_raw.parse().map_err(|_| ConfigError::Invalid("MAX_VIDEO_BYTES", video_raw))?;
        let days_raw = or("UNSAVED_EXPIRATION_DAYS", "30");
        let unsaved_expiration_days = days_raw
            .parse()
            .ok()
            .filter(|d| *d >= 1)
            .ok_or(ConfigError::Invalid("UNSAVED_EXPIRATION_DAYS", days_raw))?;
        let trash_raw = or("TRASH_RETENTION_DAYS", "30");
        let trash_retention_days = trash_raw
            .parse()
            .ok()
            .filter(|d| *d >= 1)
            .ok_or(ConfigError::Invalid("TRASH_RETENTION_DAYS", trash_raw))?;
        let public_base_url = req("PUBLIC_BASE_URL")?.trim_end_matches('/').to_string();
        let media_url_ttl = secs("MEDIA_URL_TTL_S", 3600)?;
        let reads_raw = or("PROVIDER_AUDIT_READS_PER_MINUTE", "300");
        let audit_reads_per_minute = reads_raw
            .parse()
            .ok()
            .filter(|r| (1..=crate::domain::audit::REPLICATE_READS_PER_MINUTE).contains(r))
            .ok_or(ConfigError::Invalid("PROVIDER_AUDIT_READS_PER_MINUTE", reads_raw))?;
        if media_url_ttl.is_zero() || media_url_ttl > Duration::from_secs(3600) {
            return Err(ConfigError::Invalid("MEDIA_URL_TTL_S", media_url_ttl.as_secs().to_string()));
        }
        Ok(Self {
            region: get("AWS_REGION")
                .or_else(|| get("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint_url: get("AWS_ENDPOINT_URL"),
            tables: Tables {
                jobs: req("JOBS_TABLE")?,
                assets: req("ASSETS_TABLE")?,
                usage: req("USAGE_TABLE")?,
                idempotency: req("IDEMPOTENCY_TABLE")?,
                shares: req("SHARES_TABLE")?,
            },
            media_bucket: req("MEDIA_BUCKET")?,
            queue_url: req("GENERATION_QUEUE_URL")?,
            replicate_api_base: or("REPLICATE_API_BASE", "https://api.replicate.com/v1")
                .trim_end_matches('/')
                .to_string(),
            replicate_token_secret_id: req("REPLICATE_TOKEN_SECRET_ID")?,
            webhook_secret_id: req("WEBHOOK_SECRET_ID")?,
            media_base_url: get("MEDIA_BASE_URL")
                .unwrap_or_else(|| format!("{public_base_url}/media"))
                .trim_end_matches('/')
                .to_string(),
            upload_url: get("UPLOAD_URL").unwrap_or_else(|| format!("{public_base_url}/upload")),
            media_signing_key_secret_id: req("MEDIA_SIGNING_KEY_SECRET_ID")?,
            public_base_url,
            output_allowlist,
            monthly_limit,
            storage_limit,
            job_starts_per_minute,
            public_reads_per_minute,
            media_url_ttl,
            max_output_bytes,
            max_video_bytes,
            download_timeout: secs("DOWNLOAD_TIMEOUT_S", 20)?,
            copy_timeout: secs("COPY_TIMEOUT_S", DEFAULT_COPY_TIMEOUT_S)?,
            reconcile_after: secs("RECONCILE_AFTER_S", 600)?,
            submit_deadline: secs("SUBMIT_DEADLINE_S", 300)?,
            give_up_after: secs("GIVE_UP_AFTER_S", 3600)?,
            send_webhooks: or("SEND_WEBHOOKS", "true") != "false",
            unsaved_expiration_days,
            trash_retention_days,
            prompt_wait: secs("PROMPT_WAIT_S", DEFAULT_PROMPT_WAIT.as_secs())
                .ok()
                .filter(|d| (1..=25).contains(&d.as_secs()))
                .ok_or_else(|| ConfigError::Invalid("PROMPT_WAIT_S", get("PROMPT_WAIT_S").unwrap_or_default()))?,
            replicate_max_retry_wait: secs("REPLICATE_MAX_RETRY_WAIT_S", crate::replicate::DEFAULT_MAX_RETRY_WAIT.as_secs())?,
            audit_lag: secs("PROVIDER_AUDIT_LAG_S", 900)?,
            audit_reads_per_minute,
        })
    }

    /// Every user's limits unless the admin gave them their own (domain::storage::Limits).
    pub fn default_limits(&self) -> crate::domain::storage::Limits {
        crate::domain::storage::Limits {
            monthly: self.monthly_limit,
            storage_bytes: self.storage_limit,
        }
    }

    pub fn webhook_url(&self) -> Option<String> {
        self.send_webhooks.then(|| format!("{}/webhooks/replicate", self.public_base_url))
    }

    /// The webhook URL for one job's prediction. Replicate has no idempotency key and no lookup
    /// by our id, but it keeps the webhook URL's query: naming the job there lets a webhook find
    /// its job even before the worker has recorded the prediction (or if it never does).
    pub fn webhook_url_for(&self, job: &crate::domain::Job) -> Option<String> {
        let mut url = url::Url::parse(&self.webhook_url()?).ok()?;
        url.query_pairs_mut()
            .append_pair("user", job.user_id.as_str())
            .append_pair("job", job.job_id.as_str());
        Some(url.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matches_exact_hosts_and_subdomains_only() {
        let apex = AllowedOrigin::parse("https://replicate.delivery").unwrap();
        let sub = AllowedOrigin::parse("https://*.replicate.delivery").unwrap();
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(apex.allows(&u("https://replicate.delivery/x.png")));
        assert!(sub.allows(&u("https://pbxt.replicate.delivery/a/b.png")));
        assert!(!sub.allows(&u("https://replicate.delivery/x.png")));
        assert!(!apex.allows(&u("http://replicate.delivery/x.png")));
        assert!(!sub.allows(&u("https://evil.com/.replicate.delivery")));
        assert!(!sub.allows(&u("https://replicate.delivery.evil.com/x")));
        assert!(!apex.allows(&u("https://replicate.delivery:8443/x")));
        assert!(!apex.allows(&u("https://user:pw@replicate.delivery/x")));
        let local = AllowedOrigin::parse("http://127.0.0.1:7000").unwrap();
        assert!(local.allows(&u("http://127.0.0.1:7000/files/a.png")));
        assert!(!local.allows(&u("http://127.0.0.1:7001/files/a.png")));
        assert!(AllowedOrigin::parse("ftp://x").is_none());
        assert!(AllowedOrigin::parse("https://a/b").is_none());
    }

    /// The worker copies within `COPY_TIMEOUT_S`, then settles: that must end well inside its
    /// Lambda timeout, and SQS must not redeliver while it runs (infra/queue.tf: 6x).
    #[test]
    fn the_copy_budget_fits_inside_the_workers_timeout() {
        let routes: serde_json::Value = serde_json::from_str(include_str!("../../routes.json")).unwrap();
        let worker = routes["functions"]["worker"]["timeout_s"].as_u64().unwrap();
        assert!(
            DEFAULT_COPY_TIMEOUT_S + 30 <= worker,
            "copy {DEFAULT_COPY_TIMEOUT_S}s, worker {worker}s"
        );
        let webhook = routes["functions"]["webhook-replicate"]["timeout_s"].as_u64().unwrap();
        assert!(webhook <= 10, "the webhook copies nothing: it needs no long timeout");
    }

    #[test]
    fn missing_required_variables_are_named() {
        let err = Config::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains("PUBLIC_BASE_URL"), "{err}");
        let err = Config::from_lookup(|k| (k == "PUBLIC_BASE_URL").then(|| "https://studio.example".to_string())).unwrap_err();
        assert!(err.to_string().contains("JOBS_TABLE"), "{err}");
    }
}
