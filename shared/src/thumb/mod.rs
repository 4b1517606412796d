//! Thumbnails of image assets, made with a memory bound (issue #24): a 40-megapixel upload
//! decodes to about 160 MB, and the worker has 256 MB shared with its copies. No decoder here
//! ever holds the whole source image:
//! - JPEG is decoded scaled in the DCT (1/2, 1/4 or 1/8: jpeg-decoder), so a 40 MP baseline
//!   photo becomes about 0.6 MP before any pixel is stored. A progressive JPEG keeps every
//!   coefficient until its last scan (about 6 bytes a pixel): one over [`DECODE_BUDGET`] is
//!   refused.
//! - PNG is read row by row and each row is folded into the thumbnail at once (an interlaced
//!   one too large to decode whole is thumbnailed from its last Adam7 pass, the odd rows).
//! - WebP has no scaled or row-wise decoder (image-webp): decoded whole only when that fits
//!   [`DECODE_BUDGET`], else refused.
//!
//! A refused image keeps no thumbnail: the gallery shows it from its full file, as before. The
//! output is a JPEG of at most [`THUMB_SIDE`] pixels on its long side, alpha over white.
mod orient;
mod shrink;

pub use shrink::fit;
use shrink::{Shrinker, to_rgb};
use std::io::{BufRead, Seek};

/// The long side of a thumbnail, in pixels (the gallery's tiles are at most 192 CSS pixels
/// wide: sharp at 2× device pixels).
pub const THUMB_SIDE: u32 = 384;

/// The most a thumbnail's decode may hold of the source's pixels, whatever the image.
pub const DECODE_BUDGET: usize = 48 * 1024 * 1024;

/// What a thumbnail may add to the worker's peak: [`DECODE_BUDGET`], the encoder's and
/// readers' buffers, and the output (service::thumbs runs one at a time).
pub const THUMB_MEMORY_ALLOWANCE: u64 = 56 * 1024 * 1024;

/// The largest thumbnail file this makes (a 384×384 JPEG at [`QUALITY`] is far smaller; the
/// integration test holds every thumbnail to it).
pub const MAX_THUMB_BYTES: u64 = 256 * 1024;

const QUALITY: u8 = 80;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbError {
    #[error("not a PNG, JPEG or WebP image")]
    NotImage,
    #[error("decoding it would hold {need} bytes, over the {DECODE_BUDGET}-byte bound ({why})")]
    TooLarge { need: u64, why: &'static str },
    #[error("unsupported image: {0}")]
    Unsupported(&'static str),
    #[error("unreadable image: {0}")]
    Decode(String),
}

fn decode_err(e: impl std::fmt::Display) -> ThumbError {
    ThumbError::Decode(e.to_string())
}

fn bounded(need: u64, why: &'static str) -> Result<(), ThumbError> {
    if need > DECODE_BUDGET as u64 {
        return Err(ThumbError::TooLarge { need, why });
    }
    Ok(())
}

/// Makes the thumbnail of a PNG, JPEG or WebP image read from `src`.
pub fn make_thumbnail(mut src: impl BufRead + Seek) -> Result<Thumbnail, ThumbError> {
    let head = src.fill_buf().map_err(decode_err)?;
    let (rgb, w, h) = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_thumb(src)?
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_thumb(src)?
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        webp_thumb(src)?
    } else {
        return Err(ThumbError::NotImage);
    };
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, QUALITY)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(decode_err)?;
    Ok(Thumbnail { jpeg, width: w, height: h })
}

fn png_thumb(src: impl BufRead + Seek) -> Result<(Vec<u8>, u32, u32), ThumbError> {
    let mut decoder = png::Decoder::new(src);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    decoder.set_limits(png::Limits { bytes: DECODE_BUDGET });
    let mut reader = decoder.read_info().map_err(decode_err)?;
    let (w, h) = (reader.info().width, reader.info().height);
    let interlaced = reader.info().interlaced;
    let (color, _) = reader.output_color_type();
    let channels = color.samples();
    let line = reader.output_line_size(w);
    bounded(line as u64 * 4, "a PNG row")?;
    let dst = fit(w, h, THUMB_SIDE);
    let mut rgb = Vec::with_capacity(w as usize * 3);
    let whole = line as u64 * u64::from(h);
    if interlaced && whole <= DECODE_BUDGET as u64 {
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).map_err(decode_err)?;
        let mut s = Shrinker::new((w, h), dst);
        for row in buf.chunks_exact(line) {
            to_rgb(row, channels, &mut rgb);
            s.push(&rgb);
        }
        return Ok((s.finish(), dst.0, dst.1));
    }
    // Row by row. Interlaced (and too large to decode whole): only the last pass's rows, the
    // odd rows at full width (the only pass whose rows are `line` long when w ≥ 2).
    let rows = if interlaced { h / 2 } else { h };
    if rows == 0 {
        return Err(ThumbError::Unsupported("an interlaced PNG one row high"));
    }
    let mut s = Shrinker::new((w, rows), dst);
    while let Some(row) = reader.next_interlaced_row().map_err(decode_err)? {
        let data = row.data();
        if interlaced && (data.len() != line || w < 2) {
            continue;
        }
        to_rgb(data, channels, &mut rgb);
        s.push(&rgb);
    }
    Ok((s.finish(), dst.0, dst.1))
}

fn jpeg_thumb(src: impl BufRead + Seek) -> Result<(Vec<u8>, u32, u32), ThumbError> {
    let mut d = jpeg_decoder::Decoder::new(src);
    d.read_info().map_err(decode_err)?;
    let info = d.info().ok_or(ThumbError::Decode("no frame".into()))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let channels: u64 = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        _ => return Err(ThumbError::Unsupported("a CMYK or 16-bit JPEG")),
    };
    if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
        // Every coefficient (2 bytes) of every component, at worst unsubsampled.
        bounded(u64::from(w) * u64::from(h) * 2 * channels, "a progressive JPEG's coefficients")?;
    }
    let want = fit(w, h, THUMB_SIDE);
    let (sw, sh) = d.scale(want.0 as u16, want.1 as u16).map_err(decode_err)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    // The scaled planes and the scaled output (about twice the output).
    bounded(u64::from(sw) * u64::from(sh) * channels * 2, "a scaled JPEG")?;
    d.set_max_decoding_buffer_size(DECODE_BUDGET);
    let pixels = d.decode().map_err(decode_err)?;
    let orientation = d.exif_data().map_or(1, orient::exif_orientation);
    let dst = fit(sw, sh, THUMB_SIDE);
    let mut s = Shrinker::new((sw, sh), dst);
    let mut rgb = Vec::with_capacity(sw as usize * 3);
    for row in pixels.chunks_exact(sw as usize * channels as usize) {
        to_rgb(row, channels as usize, &mut rgb);
        s.push(&rgb);
    }
    drop(pixels);
    Ok(orient::upright(s.finish(), dst.0, dst.1, orientation))
}

fn webp_thumb(src: impl BufRead + Seek) -> Result<(Vec<u8>, u32, u32), ThumbError> {
    let mut d = image_webp::WebPDecoder::new(src).map_err(decode_err)?;
    let (w, h) = d.dimensions();
    let size = d
        .output_buffer_size()
        .ok_or(ThumbError::Unsupported("a WebP too large to address"))?;
    bounded(size as u64, "a WebP decoded whole")?;
    let mut buf = vec![0; size];
    d.read_image(&mut buf).map_err(decode_err)?;
    let channels = if d.has_alpha() { 4 } else { 3 };
    let dst = fit(w, h, THUMB_SIDE);
    let mut s = Shrinker::new((w, h), dst);
    let mut rgb = Vec::with_capacity(w as usize * 3);
    for row in buf.chunks_exact(w as usize * channels) {
        to_rgb(row, channels, &mut rgb);
        s.push(&rgb);
    }
    Ok((s.finish(), dst.0, dst.1))
}

#[cfg(test)]
mod tests;
