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
    #[error("output host {0} resolves to no public address")]
    NonPublicHost(String),
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

/// A failed request, as a [`FetchError`]: a host that resolved to no public address is refused
/// for good, anything else at the transport level may pass on a retry.
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

/// Downloads an output from an allow-listed origin, at most `max_bytes`, in at most `timeout`.
/// The content is untrusted: the caller sniffs it before storing.
pub async fn fetch_output(
    http: &reqwest::Client,
    raw_url: &str,
    allow: &[AllowedOrigin],
    max_bytes: u64,
    timeout: Duration,
) -> Result<Fetched, FetchError> {
    let url = check_origin(raw_url, allow)?;
    let work = async {
        let mut resp = http.get(url).send().await.map_err(transport_error)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes })
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| FetchError::Timeout)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, http::header, routing::get};

    async fn server() -> (String, AllowedOrigin) {
        let big = vec![7u8; 2048];
        let app = Router::new()
            .route("/ok.png", get(|| async { vec![1u8, 2, 3] }))
            .route(
                "/big",
                get(move || {
                    let b = big.clone();
                    async move { b }
                }),
            )
            .route(
                "/redirect",
                get(|| async { (axum::http::StatusCode::FOUND, [(header::LOCATION, "http://127.0.0.1:1/evil")], "") }),
            )
            .route("/gone", get(|| async { axum::http::StatusCode::NOT_FOUND }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let allow = AllowedOrigin::parse(&origin).unwrap();
        (origin, allow)
    }

    #[tokio::test]
    async fn an_allowed_name_that_resolves_to_a_private_address_is_never_connected_to() {
        let (base, _) = server().await;
        // The same server by a name: `localhost` is on the list, and resolves to loopback.
        let by_name = base.replace("127.0.0.1", "localhost");
        let allow = [AllowedOrigin::parse(&by_name).unwrap()];
        let http = download_client(Duration::from_secs(2));
        let got = fetch_output(&http, &format!("{by_name}/ok.png"), &allow, 100, Duration::from_secs(2)).await;
        assert!(matches!(&got, Err(FetchError::NonPublicHost(h)) if h == "localhost"), "{got:?}");
        assert!(!got.unwrap_err().is_transient(), "refused for good, not retried");
    }

    #[tokio::test]
    async fn downloads_only_what_it_should() {
        let (base, allow) = server().await;
        let http = download_client(Duration::from_secs(2));
        let t = Duration::from_secs(2);
        let allow = [allow];
        let ok = fetch_output(&http, &format!("{base}/ok.png"), &allow, 100, t).await.unwrap();
        assert_eq!(ok.bytes, vec![1, 2, 3]);
        // Redirects are answered, never followed.
        assert!(matches!(
            fetch_output(&http, &format!("{base}/redirect"), &allow, 100, t).await,
            Err(FetchError::Status(302))
        ));
        // Other hosts (and other ports of the same host) are refused before any request.
        assert!(matches!(
            fetch_output(&http, "http://127.0.0.1:9/x.png", &allow, 100, t).await,
            Err(FetchError::HostNotAllowed(_))
        ));
        assert!(matches!(
            fetch_output(&http, "https://replicate.delivery.evil.example/x", &allow, 100, t).await,
            Err(FetchError::HostNotAllowed(_))
        ));
        assert!(matches!(
            fetch_output(&http, "not a url", &allow, 100, t).await,
            Err(FetchError::BadUrl)
        ));
        // Size cap.
        assert!(matches!(
            fetch_output(&http, &format!("{base}/big"), &allow, 1000, t).await,
            Err(FetchError::TooLarge(1000))
        ));
        assert_eq!(
            fetch_output(&http, &format!("{base}/big"), &allow, 4096, t)
                .await
                .unwrap()
                .bytes
                .len(),
            2048
        );
        // Time cap.
        assert!(matches!(
            fetch_output(&http, &format!("{base}/slow"), &allow, 100, Duration::from_millis(300)).await,
            Err(FetchError::Timeout)
        ));
        let gone = fetch_output(&http, &format!("{base}/gone"), &allow, 100, t).await.unwrap_err();
        assert!(matches!(gone, FetchError::Status(404)) && !gone.is_transient());
    }
}
