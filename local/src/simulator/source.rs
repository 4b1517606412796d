//! Downloading a prediction's source images, as Replicate does before the model runs: every
//! URI input, with a size cap and a timeout, no redirects followed. `data:` URLs are decoded.
//! A failure fails the prediction with a message that names the input, never the URL (they are
//! presigned).

use std::time::Duration;

use base64::Engine;

/// One downloaded source.
pub struct Source {
    /// The input it came from (`image`, `image_input`, `img`, ...).
    pub input: String,
    pub bytes: Vec<u8>,
}

/// Limits of one download.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub timeout: Duration,
}

/// Downloads every `(input, url)` in order; the first failure is the prediction's error.
pub async fn download_all(http: &reqwest::Client, urls: &[(String, String)], limits: Limits) -> Result<Vec<Source>, String> {
    let mut out = Vec::with_capacity(urls.len());
    for (input, url) in urls {
        let bytes = download(http, url, limits)
            .await
            .map_err(|why| format!("Failed to download the file given in input `{input}`: {why}"))?;
        out.push(Source {
            input: input.clone(),
            bytes,
        });
    }
    Ok(out)
}

async fn download(http: &reqwest::Client, url: &str, limits: Limits) -> Result<Vec<u8>, String> {
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',').ok_or("malformed data URL")?;
        if !meta.ends_with(";base64") {
            return Err("data URL is not base64".into());
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| "data URL is not valid base64".to_string())?;
        if bytes.len() as u64 > limits.max_bytes {
            return Err(format!("file is larger than {} bytes", limits.max_bytes));
        }
        return Ok(bytes);
    }
    let fetch = async {
        let mut resp = http.get(url).send().await.map_err(|e| describe(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {} {}", status.as_u16(), status.canonical_reason().unwrap_or(""))
                .trim()
                .to_owned());
        }
        if resp.content_length().is_some_and(|n| n > limits.max_bytes) {
            return Err(format!("file is larger than {} bytes", limits.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > limits.max_bytes {
                return Err(format!("file is larger than {} bytes", limits.max_bytes));
            }
        }
        Ok(body)
    };
    tokio::time::timeout(limits.timeout, fetch)
        .await
        .unwrap_or_else(|_| Err(format!("timed out after {:?}", limits.timeout)))
}

/// A reqwest error without the URL in it.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused or unreachable".into()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the file".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_bytes: u64) -> Limits {
        Limits {
            max_bytes,
            timeout: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn data_urls_are_decoded_and_capped() {
        let http = reqwest::Client::new();
        let url = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b"\x89PNG fake")
        );
        let got = download_all(&http, &[("image".into(), url.clone())], limits(100)).await.unwrap();
        assert_eq!((got[0].input.as_str(), got[0].bytes.as_slice()), ("image", &b"\x89PNG fake"[..]));
        let e = download_all(&http, &[("img".into(), url)], limits(4)).await.err().unwrap();
        assert!(e.contains("`img`") && e.contains("larger than 4 bytes"), "{e}");
        let e = download_all(&http, &[("image".into(), "data:image/png,raw".into())], limits(100))
            .await
            .err()
            .unwrap();
        assert!(e.contains("not base64"), "{e}");
    }
}
