//! The one streaming zip writer (selection zips and exports): entries are stored (PNG, JPEG and
//! MP4 don't compress), each written with a data descriptor as its object streams in from S3,
//! and the zip itself streams into an S3 multipart upload part by part. What is held at once is
//! one part being filled ([`PART_BYTES`]), the pipe between writer and uploader, and the central
//! directory (a few hundred bytes per entry): never a whole file. ZIP64 records are written when
//! a zip passes 4 GiB or 65,535 entries (async_zip does so by itself).
use super::{Media, MediaError, aws};
use crate::domain::export::PART_BYTES;
use async_zip::base::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_util::compat::{Compat, FuturesAsyncWriteCompatExt};

/// The pipe between the zip writer and the part uploader.
const PIPE_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("zip: {0}")]
    Zip(#[from] async_zip::error::ZipError),
    #[error("zip io: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("zip uploader stopped: {0}")]
    Uploader(String),
}

impl Media {
    /// Starts the multipart upload of a zip, tagged `export=true`: the bucket's `expire-exports`
    /// rule deletes it a day later.
    async fn start_zip_upload(&self, key: &str) -> Result<String, MediaError> {
        let out = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/zip")
            .tagging("export=true")
            .send()
            .await
            .map_err(aws("create multipart upload"))?;
        out.upload_id.ok_or_else(|| MediaError::Aws {
            op: "create multipart upload",
            source: "no upload id".into(),
        })
    }
}

/// A zip being written into `key`. Call [`ZipUpload::finish`] to complete it or
/// [`ZipUpload::abort`] to drop its parts.
pub struct ZipUpload {
    writer: ZipFileWriter<Compat<DuplexStream>>,
    uploader: tokio::task::JoinHandle<Result<u64, MediaError>>,
    media: Media,
    key: String,
    upload_id: String,
}

impl ZipUpload {
    pub async fn open_zip(media: &Media, key: &str) -> Result<Self, ZipError> {
        let upload_id = media.start_zip_upload(key).await?;
        let (w, r) = tokio::io::duplex(PIPE_BYTES);
        let uploader = tokio::spawn(crate::deadline::carry(upload_zip_parts(
            media.clone(),
            key.to_string(),
            upload_id.clone(),
            r,
        )));
        Ok(Self {
            writer: ZipFileWriter::with_tokio(w),
            uploader,
            media: media.clone(),
            key: key.to_string(),
            upload_id,
        })
    }

    /// Adds one stored entry named `name` with the bytes of `body`; returns how many.
    pub async fn zip_entry(&mut self, name: &str, mut body: impl AsyncRead + Unpin) -> Result<u64, ZipError> {
        let entry = ZipEntryBuilder::new(name.to_string().into(), Compression::Stored).unix_permissions(0o644);
        let mut out = self.writer.write_entry_stream(entry).await?.compat_write();
        let n = tokio::io::copy(&mut body, &mut out).await?;
        out.into_inner().close().await?;
        Ok(n)
    }

    /// Writes the central directory, uploads the last part and completes the upload; returns
    /// the zip's size. On any failure the upload is aborted.
    pub async fn zip_finish(self) -> Result<u64, ZipError> {
        let Self {
            writer,
            uploader,
            media,
            key,
            upload_id,
        } = self;
        let closed = async {
            let mut pipe = writer.close().await?.into_inner();
            pipe.shutdown().await?;
            Ok::<_, ZipError>(())
        }
        .await;
        let uploaded = uploader.await.map_err(|e| ZipError::Uploader(e.to_string()));
        match (closed, uploaded) {
            (Ok(()), Ok(Ok(bytes))) => Ok(bytes),
            (closed, uploaded) => {
                let _ = media.abort_multipart(&key, &upload_id).await;
                closed?;
                Err(uploaded?.unwrap_err().into())
            }
        }
    }

    /// Drops the upload and its parts (a build that failed half way).
    pub async fn zip_abort(self) {
        self.uploader.abort();
        if let Err(e) = self.media.abort_multipart(&self.key, &self.upload_id).await {
            tracing::warn!(error = %e, "could not abort a zip upload; the bucket's rule removes it after a day");
        }
    }
}

/// Reads the zip from the pipe and uploads it in parts of [`PART_BYTES`] (the last smaller),
/// then completes the upload. Returns the bytes uploaded.
async fn upload_zip_parts(media: Media, key: String, upload_id: String, mut pipe: DuplexStream) -> Result<u64, MediaError> {
    let mut etags = Vec::new();
    let mut total = 0u64;
    loop {
        let mut part = Vec::with_capacity(PART_BYTES);
        while part.len() < PART_BYTES {
            let mut limited = (&mut pipe).take((PART_BYTES - part.len()) as u64);
            let n = limited.read_buf(&mut part).await.map_err(aws("read zip pipe"))?;
            if n == 0 {
                break;
            }
        }
        let last = part.len() < PART_BYTES;
        if !part.is_empty() || etags.is_empty() {
            total += part.len() as u64;
            let number = etags.len() as i32 + 1;
            etags.push(media.upload_part(&key, &upload_id, number, part).await?);
        }
        if last {
            break;
        }
    }
    media.complete_multipart(&key, &upload_id, &etags).await?;
    Ok(total)
}
