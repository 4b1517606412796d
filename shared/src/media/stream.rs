//! The streaming copy of a video output: the provider's bytes go through an MP4 check
//! ([`super::mp4`]) into an S3 multipart upload, one part in memory at a time, never the file.
//! A size cap is checked against Content-Length and again while streaming; any failure aborts
//! the upload.
use super::fetch::{FetchError, check_origin};
use super::mp4::{Mp4Error, Mp4Scanner, VideoInfo};
use super::{Media, MediaError};
use crate::config::AllowedOrigin;
use std::time::Duration;

/// Size of every part but the last (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// A video copied to S3.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamedVideo {
    pub bytes: u64,
    pub info: VideoInfo,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("output is larger than {0} bytes")]
    TooLarge(u64),
    #[error("output is not a valid MP4 video: {0}")]
    NotMp4(#[from] Mp4Error),
    #[error("storing the output failed: {0}")]
    Storage(#[from] MediaError),
}

impl StreamError {
    /// Whether trying again later could help (a broken connection, a timeout, S3 trouble);
    /// otherwise the output is refused for good.
    pub fn is_transient(&self) -> bool {
        match self {
            StreamError::Fetch(e) => e.is_transient(),
            StreamError::Storage(_) => true,
            StreamError::TooLarge(_) | StreamError::NotMp4(_) => false,
        }
    }
}

/// Copies the MP4 at `raw_url` (an allow-listed origin) to `key`, at most `max_bytes`, within
/// `budget`. Nothing is left at `key` unless the whole file arrived and is an MP4 whose
/// duration and dimensions could be read.
pub async fn stream_video(
    http: &reqwest::Client,
    raw_url: &str,
    allow: &[AllowedOrigin],
    max_bytes: u64,
    budget: Duration,
    media: &Media,
    key: &str,
) -> Result<StreamedVideo, StreamError> {
    let url = check_origin(raw_url, allow)?;
    let mut upload: Option<String> = None;
    let result = match tokio::time::timeout(budget, copy(http, url, max_bytes, budget, media, key, &mut upload)).await {
        Ok(r) => r,
        Err(_) => Err(StreamError::Fetch(FetchError::Timeout)),
    };
    if result.is_err()
        && let Some(id) = upload
        && let Err(e) = media.abort_multipart(key, &id).await
    {
        tracing::warn!(error = %e, "could not abort a multipart upload; the lifecycle rule will");
    }
    result
}

async fn copy(
    http: &reqwest::Client,
    url: url::Url,
    max_bytes: u64,
    budget: Duration,
    media: &Media,
    key: &str,
    upload: &mut Option<String>,
) -> Result<StreamedVideo, StreamError> {
    let transport = |e: reqwest::Error| StreamError::Fetch(super::fetch::transport_error(e));
    let mut resp = http.get(url).timeout(budget).send().await.map_err(transport)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()).into());
    }
    if resp.content_length().is_some_and(|n| n > max_bytes) {
        return Err(StreamError::TooLarge(max_bytes));
    }
    let mut scanner = Mp4Scanner::default();
    let mut part: Vec<u8> = Vec::new();
    let mut etags: Vec<String> = Vec::new();
    let mut total = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        total += chunk.len() as u64;
        if total > max_bytes {
            return Err(StreamError::TooLarge(max_bytes));
        }
        scanner.feed(&chunk)?;
        if part.capacity() == 0 {
            part.reserve_exact(PART_BYTES);
        }
        let mut rest: &[u8] = &chunk;
        while !rest.is_empty() {
            let n = (PART_BYTES - part.len()).min(rest.len());
            part.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if part.len() == PART_BYTES {
                let full = std::mem::take(&mut part);
                send_part(media, key, upload, &mut etags, full).await?;
            }
        }
    }
    // The whole file is here: it must be a readable MP4 before it is stored.
    let info = scanner.finish()?;
    if !part.is_empty() || etags.is_empty() {
        send_part(media, key, upload, &mut etags, part).await?;
    }
    let id = upload.as_deref().expect("at least one part was sent");
    media.complete_multipart(key, id, &etags).await?;
    Ok(StreamedVideo { bytes: total, info })
}

async fn send_part(
    media: &Media,
    key: &str,
    upload: &mut Option<String>,
    etags: &mut Vec<String>,
    bytes: Vec<u8>,
) -> Result<(), StreamError> {
    let id = match upload {
        Some(id) => id.clone(),
        None => {
            let id = media.start_multipart(key, "video/mp4").await?;
            *upload = Some(id.clone());
            id
        }
    };
    let number = etags.len() as i32 + 1;
    etags.push(media.upload_part(key, &id, number, bytes).await?);
    Ok(())
}
