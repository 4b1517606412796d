use crate::config::AllowedOrigin;
use std::time::Duration;

/// Bytes copied from a provider URL.
#[derive(Debug)]
pub struct Fetched {
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("output URL is not valid")]
    BadUrl,
    #[error("output host {0} is not allowed")]
    HostNotAllowed(String),
    #[error("output download answered HTTP {0}")]
    Status(u16),
    #[error("output is larger than {0} bytes")]
    TooLarge(u64),
    #[error("output download failed: {0}")]
    Transport(String),
    #[error("output download timed out")]
    Timeout,
}

impl FetchError {
    /// Whether trying again later could help (the webhook asks Replicate to retry then).
    pub fn is_transient(&self) -> bool {
        matches!(self, FetchError::Transport(_) | FetchError::Timeout) || matches!(self, FetchError::Status(s) if *s >= 500 || *s == 429)
    }
}

/// The client for output downloads: follows no redirects (a redirect could lead off the
/// allow-list) and never waits forever.
pub fn download_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .build()
        .expect("a client without custom TLS builds")
}

/// Downloads an output from an allow-listed origin, at most `max_bytes`, in at most `timeout`.
/// The content is untrusted: the caller sniffs it before storing.
pub async fn fetch_output(http: &reqwest::Client, raw_url: &str, allow: &[AllowedOrigin], max_bytes: u64, timeout: Duration) -> Result<Fetched, FetchError> {
    let url = url::Url::parse(raw_url).map_err(|_| FetchError::BadUrl)?;
    if !allow.iter().any(|a| a.allows(&url)) {
        return Err(FetchError::HostNotAllowed(url.host_str().unwrap_or("-").to_string()));
    }
    let work = async {
        let mut resp = http.get(url).send().await.map_err(|e| FetchError::Transport(e.without_url().to_string()))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| FetchError::Transport(e.without_url().to_string()))? {
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes })
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| FetchError::Timeout)?
}
