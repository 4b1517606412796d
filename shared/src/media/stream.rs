//! The streaming copy of an output into S3: the provider's bytes are read in parts of
//! [`PART_BYTES`] and stored part by part, one part in memory at a time, never the file. A
//! video goes through an MP4 check ([`super::mp4`]) into a multipart upload. An image's header
//! is sniffed from its first part ([`super::sniff_image`]) before anything is stored; an image
//! that fits one part is stored with one PUT, a larger one as a multipart upload. A size cap
//! is checked against Content-Length and again while streaming; any failure aborts the upload.
use super::fetch::{FetchError, check_origin};
use super::mp4::{MAX_MOOV_BYTES, Mp4Error, Mp4Scanner, VideoInfo};
use super::sniff::{ImageInfo, SniffError, sniff_image};
use super::{Media, MediaError};
use crate::config::AllowedOrigin;
use bytes::{Buf, Bytes};
use std::time::Duration;

/// Size of every part but the last (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// The most one copy holds, whatever the file's size: the part being filled (sent before the
/// next is read), and for a video the MP4 boxes kept for its header. What HTTP buffers and the
/// allocator add on top is measured (docs/benchmarks.md).
pub const COPY_HELD_BYTES: u64 = PART_BYTES as u64 + MAX_MOOV_BYTES;

/// A video copied to S3.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamedVideo {
    pub bytes: u64,
    pub info: VideoInfo,
}

/// An image copied to S3, at the key made from its sniffed format.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamedImage {
    pub bytes: u64,
    pub info: ImageInfo,
    pub key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("output is larger than {0} bytes")]
    TooLarge(u64),
    #[error("output is not a valid MP4 video: {0}")]
    NotMp4(#[from] Mp4Error),
    #[error("output is not a valid image: {0}")]
    NotImage(#[from] SniffError),
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
            StreamError::TooLarge(_) | StreamError::NotMp4(_) | StreamError::NotImage(_) => false,
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
    let mut upload = Upload::new(media, key.to_string(), "video/mp4", false);
    let result = match tokio::time::timeout(budget, copy_video(http, url, max_bytes, budget, &mut upload)).await {
        Ok(r) => r,
        Err(_) => Err(StreamError::Fetch(FetchError::Timeout)),
    };
    if result.is_err() {
        upload.abort_if_started().await;
    }
    result
}

async fn copy_video(
    http: &reqwest::Client,
    url: url::Url,
    max_bytes: u64,
    budget: Duration,
    upload: &mut Upload<'_>,
) -> Result<StreamedVideo, StreamError> {
    let mut body = Parts::open_download(http, url, max_bytes, budget).await?;
    let mut scanner = Mp4Scanner::default();
    loop {
        let part = body.next_part(|chunk| Ok(scanner.feed(chunk)?)).await?;
        if body.ended {
            // The whole file is here: it must be a readable MP4 before it is stored.
            let info = scanner.finish()?;
            upload.store_last_part(part).await?;
            return Ok(StreamedVideo { bytes: body.total, info });
        }
        upload.send_part(part).await?;
    }
}

/// Copies the image at `raw_url` (an allow-listed origin), at most `max_bytes`, within
/// `timeout`, to the key `key_for` makes from its sniffed format. Its header must be in its
/// first [`PART_BYTES`]; nothing is stored before it was read.
pub async fn stream_image(
    http: &reqwest::Client,
    raw_url: &str,
    allow: &[AllowedOrigin],
    max_bytes: u64,
    timeout: Duration,
    media: &Media,
    key_for: impl FnOnce(&ImageInfo) -> String,
) -> Result<StreamedImage, StreamError> {
    let url = check_origin(raw_url, allow)?;
    let mut upload = None;
    let result = match tokio::time::timeout(timeout, copy_image(http, url, max_bytes, timeout, media, key_for, &mut upload)).await {
        Ok(r) => r,
        Err(_) => Err(StreamError::Fetch(FetchError::Timeout)),
    };
    if result.is_err()
        && let Some(upload) = upload
    {
        upload.abort_if_started().await;
    }
    result
}

async fn copy_image<'m>(
    http: &reqwest::Client,
    url: url::Url,
    max_bytes: u64,
    timeout: Duration,
    media: &'m Media,
    key_for: impl FnOnce(&ImageInfo) -> String,
    upload: &mut Option<Upload<'m>>,
) -> Result<StreamedImage, StreamError> {
    let mut body = Parts::open_download(http, url, max_bytes, timeout).await?;
    let mut part = body.next_part(|_| Ok(())).await?;
    let info = sniff_image(&part)?;
    let upload = upload.insert(Upload::new(media, key_for(&info), info.content_type, true));
    while !body.ended {
        upload.send_part(part).await?;
        part = body.next_part(|_| Ok(())).await?;
    }
    upload.store_last_part(part).await?;
    Ok(StreamedImage {
        bytes: body.total,
        info,
        key: upload.key.clone(),
    })
}

/// A download read in parts of [`PART_BYTES`], its size capped.
struct Parts {
    resp: reqwest::Response,
    max_bytes: u64,
    /// Bytes received so far.
    total: u64,
    /// What the last chunk had left over after filling a part.
    carry: Bytes,
    /// The body is over: the part last returned was the last one.
    ended: bool,
}

impl Parts {
    async fn open_download(http: &reqwest::Client, url: url::Url, max_bytes: u64, timeout: Duration) -> Result<Self, StreamError> {
        let resp = http.get(url).timeout(timeout).send().await.map_err(transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()).into());
        }
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(StreamError::TooLarge(max_bytes));
        }
        Ok(Self {
            resp,
            max_bytes,
            total: 0,
            carry: Bytes::new(),
            ended: false,
        })
    }

    /// The next part: [`PART_BYTES`] long, or the last one (shorter, maybe empty; `ended` is
    /// then set). Every chunk received is shown to `feed` first.
    async fn next_part(&mut self, mut feed: impl FnMut(&[u8]) -> Result<(), StreamError>) -> Result<Vec<u8>, StreamError> {
        let mut part: Vec<u8> = Vec::new();
        loop {
            if !self.carry.is_empty() {
                if part.capacity() == 0 {
                    part.reserve_exact(PART_BYTES);
                }
                let n = (PART_BYTES - part.len()).min(self.carry.len());
                part.extend_from_slice(&self.carry[..n]);
                self.carry.advance(n);
                if part.len() == PART_BYTES {
                    return Ok(part);
                }
            }
            match self.resp.chunk().await.map_err(transport)? {
                Some(chunk) => {
                    self.total += chunk.len() as u64;
                    if self.total > self.max_bytes {
                        return Err(StreamError::TooLarge(self.max_bytes));
                    }
                    feed(&chunk)?;
                    self.carry = chunk;
                }
                None => {
                    self.ended = true;
                    return Ok(part);
                }
            }
        }
    }
}

fn transport(e: reqwest::Error) -> StreamError {
    StreamError::Fetch(super::fetch::transport_error(e))
}

/// Where the parts go: a multipart upload, started with the first part sent. With
/// `one_put_when_small`, an object whose only part is the last is stored with one PUT instead.
struct Upload<'m> {
    media: &'m Media,
    key: String,
    content_type: &'static str,
    one_put_when_small: bool,
    id: Option<String>,
    etags: Vec<String>,
}

impl<'m> Upload<'m> {
    fn new(media: &'m Media, key: String, content_type: &'static str, one_put_when_small: bool) -> Self {
        Self {
            media,
            key,
            content_type,
            one_put_when_small,
            id: None,
            etags: Vec::new(),
        }
    }

    async fn send_part(&mut self, bytes: Vec<u8>) -> Result<(), StreamError> {
        let id = match &self.id {
            Some(id) => id.clone(),
            None => {
                let id = self.media.start_multipart(&self.key, self.content_type).await?;
                self.id = Some(id.clone());
                id
            }
        };
        let number = self.etags.len() as i32 + 1;
        self.etags.push(self.media.upload_part(&self.key, &id, number, bytes).await?);
        Ok(())
    }

    /// Stores the last part and completes the object.
    async fn store_last_part(&mut self, last: Vec<u8>) -> Result<(), StreamError> {
        if self.id.is_none() && self.one_put_when_small {
            self.media.put(&self.key, last, self.content_type).await?;
            return Ok(());
        }
        if !last.is_empty() || self.etags.is_empty() {
            self.send_part(last).await?;
        }
        let id = self.id.as_deref().expect("at least one part was sent");
        self.media.complete_multipart(&self.key, id, &self.etags).await?;
        Ok(())
    }

    /// Abandons the multipart upload, if one was started.
    async fn abort_if_started(&self) {
        if let Some(id) = &self.id
            && let Err(e) = self.media.abort_multipart(&self.key, id).await
        {
            tracing::warn!(error = %e, "could not abort a multipart upload; the lifecycle rule will");
        }
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
