//! The download side of a streamed copy ([`Parts`]): where it may go, its caps, and how a body
//! is cut into parts. (The S3 side runs against the emulator: local/tests/video.rs,
//! local/tests/generation.rs, local/tests/faults.rs.)
use super::*;
use crate::media::download_client;
use axum::body::Body;
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
        // 2048 bytes without a Content-Length: only the cap while streaming stops it.
        .route(
            "/unsized",
            get(|| async {
                let chunks = (0..8).map(|_| Ok::<_, std::io::Error>(vec![7u8; 256]));
                Body::from_stream(futures_util::stream::iter(chunks))
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
        )
        .route(
            "/parts/{n}",
            get(|axum::extract::Path(n): axum::extract::Path<usize>| async move { pattern(n) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let allow = AllowedOrigin::parse(&origin).unwrap();
    (origin, allow)
}

/// `n` bytes that differ from part to part.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i / 4096 % 251) as u8).collect()
}

/// Reads a whole download through [`Parts`] as a copy does; the parts' lengths and bytes.
async fn download(
    http: &reqwest::Client,
    raw_url: &str,
    allow: &[AllowedOrigin],
    max: u64,
    t: Duration,
) -> Result<(Vec<usize>, Vec<u8>), StreamError> {
    let url = check_origin(raw_url, allow)?;
    let work = async {
        let mut body = Parts::open_download(http, url, max, t).await?;
        let (mut lens, mut all, mut fed) = (Vec::new(), Vec::new(), 0usize);
        loop {
            let part = body
                .next_part(|c| {
                    fed += c.len();
                    Ok(())
                })
                .await?;
            lens.push(part.len());
            all.extend_from_slice(&part);
            if body.ended {
                assert_eq!(fed, all.len(), "every chunk is shown to the check");
                assert_eq!(body.total, all.len() as u64);
                return Ok((lens, all));
            }
        }
    };
    tokio::time::timeout(t, work)
        .await
        .map_err(|_| StreamError::Fetch(FetchError::Timeout))?
}

#[tokio::test]
async fn an_allowed_name_that_resolves_to_a_private_address_is_never_connected_to() {
    let (base, _) = server().await;
    // The same server by a name: `localhost` is on the list, and resolves to loopback.
    let by_name = base.replace("127.0.0.1", "localhost");
    let allow = [AllowedOrigin::parse(&by_name).unwrap()];
    let http = download_client(Duration::from_secs(2));
    let got = download(&http, &format!("{by_name}/ok.png"), &allow, 100, Duration::from_secs(2)).await;
    assert!(
        matches!(&got, Err(StreamError::Fetch(FetchError::NonPublicHost(h))) if h == "localhost"),
        "{got:?}"
    );
    assert!(!got.unwrap_err().is_transient(), "refused for good, not retried");
}

#[tokio::test]
async fn downloads_only_what_it_should() {
    let (base, allow) = server().await;
    let http = download_client(Duration::from_secs(2));
    let t = Duration::from_secs(2);
    let allow = [allow];
    let (_, ok) = download(&http, &format!("{base}/ok.png"), &allow, 100, t).await.unwrap();
    assert_eq!(ok, vec![1, 2, 3]);
    // Redirects are answered, never followed.
    assert!(matches!(
        download(&http, &format!("{base}/redirect"), &allow, 100, t).await,
        Err(StreamError::Fetch(FetchError::Status(302)))
    ));
    // Other hosts (and other ports of the same host) are refused before any request.
    assert!(matches!(
        download(&http, "http://127.0.0.1:9/x.png", &allow, 100, t).await,
        Err(StreamError::Fetch(FetchError::HostNotAllowed(_)))
    ));
    assert!(matches!(
        download(&http, "https://replicate.delivery.evil.example/x", &allow, 100, t).await,
        Err(StreamError::Fetch(FetchError::HostNotAllowed(_)))
    ));
    assert!(matches!(
        download(&http, "not a url", &allow, 100, t).await,
        Err(StreamError::Fetch(FetchError::BadUrl))
    ));
    // Size cap: by Content-Length, and while streaming a body that names none.
    assert!(matches!(
        download(&http, &format!("{base}/big"), &allow, 1000, t).await,
        Err(StreamError::TooLarge(1000))
    ));
    assert!(matches!(
        download(&http, &format!("{base}/unsized"), &allow, 1000, t).await,
        Err(StreamError::TooLarge(1000))
    ));
    assert_eq!(
        download(&http, &format!("{base}/big"), &allow, 4096, t).await.unwrap().1.len(),
        2048
    );
    assert_eq!(
        download(&http, &format!("{base}/unsized"), &allow, 2048, t).await.unwrap().1.len(),
        2048
    );
    // Time cap: retried later.
    let slow = download(&http, &format!("{base}/slow"), &allow, 100, Duration::from_millis(300)).await;
    assert!(slow.as_ref().is_err_and(StreamError::is_transient), "{slow:?}");
    let gone = download(&http, &format!("{base}/gone"), &allow, 100, t).await.unwrap_err();
    assert!(matches!(gone, StreamError::Fetch(FetchError::Status(404))) && !gone.is_transient());
}

#[tokio::test]
async fn a_body_is_cut_into_full_parts_and_a_last_shorter_one() {
    let (base, allow) = server().await;
    let http = download_client(Duration::from_secs(10));
    let allow = [allow];
    let t = Duration::from_secs(10);
    let max = 64 * 1024 * 1024;
    for (n, parts) in [
        (3, vec![3]),
        (PART_BYTES - 1, vec![PART_BYTES - 1]),
        // Exactly one part: the last part is then empty (nothing more came).
        (PART_BYTES, vec![PART_BYTES, 0]),
        (2 * PART_BYTES + 5, vec![PART_BYTES, PART_BYTES, 5]),
    ] {
        let (lens, bytes) = download(&http, &format!("{base}/parts/{n}"), &allow, max, t).await.unwrap();
        assert_eq!(lens, parts, "{n} bytes");
        assert!(bytes == pattern(n), "{n} bytes arrive whole and in order");
    }
}
