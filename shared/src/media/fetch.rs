//! Where an output download may go: only to an allow-listed origin, never following a
//! redirect, only to public addresses, never waiting forever. The download itself streams
//! (super::stream).
use crate::config::AllowedOrigin;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("output URL is not valid")]
    BadUrl,
    #[error("output host {0} is not allowed")]
    HostNotAllowed(String),
    #[error("output host {0} resolves to no public address")]
    NonPublicHost(String),
    #[error("output download answered HTTP {0}")]
    Status(u16),
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

/// A failed request, as a [`FetchError`]: a host that resolved to no public address is refused
/// for good, anything else at the transport level may pass on a retry.
#[cfg(feature = "aws")]
pub(crate) fn transport_error(e: reqwest::Error) -> FetchError {
    match super::public_addr::non_public_host(&e) {
        Some(host) => FetchError::NonPublicHost(host),
        None => FetchError::Transport(e.without_url().to_string()),
    }
}

/// The client for output downloads: follows no redirects (a redirect could lead off the
/// allow-list), connects only to public addresses when it resolves a name
/// ([`super::public_addr`]) and never waits forever. Trusts the compiled-in roots (crate::tls).
pub fn download_client(timeout: Duration) -> reqwest::Client {
    crate::tls::reqwest_builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(std::sync::Arc::new(super::public_addr::PublicOnly))
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .build()
        .expect("a client with the compiled-in roots builds")
}

/// The URL, if it is one of an allow-listed origin.
pub fn check_origin(raw_url: &str, allow: &[AllowedOrigin]) -> Result<url::Url, FetchError> {
    let url = url::Url::parse(raw_url).map_err(|_| FetchError::BadUrl)?;
    if !allow.iter().any(|a| a.allows(&url)) {
        return Err(FetchError::HostNotAllowed(url.host_str().unwrap_or("-").to_string()));
    }
    Ok(url)
}
