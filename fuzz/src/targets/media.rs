//! The media sniffers: `sniff_image`, `sniff_header` + `check_ending` (uploads), and the
//! streaming `Mp4Scanner` (video outputs).
//!
//! Input: raw file bytes (no fields). Properties: nothing panics; an image or video type is
//! claimed only for bytes with its magic; the header sniff of any prefix agrees with the
//! whole-file sniff; the MP4 scanner gives the same answer however the stream is chunked.
use super::pick;
use shared::media::mp4::{Mp4Scanner, read_header};
use shared::media::{HeaderSniff, SniffError, check_ending, sniff_header, sniff_image};

fn magic_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub fn run(data: &[u8]) -> String {
    let magic = magic_of(data);
    let whole = sniff_image(data);
    if let Ok(info) = &whole {
        assert_eq!(Some(info.content_type), magic, "claimed {} without its magic", info.content_type);
        assert!(info.width > 0 && info.height > 0);
    }
    if magic.is_none() {
        assert_eq!(whole, Err(SniffError::UnknownFormat));
    }

    // The upload check: the first bytes of an object of `data.len()` bytes, then its end.
    let cut = if data.is_empty() {
        0
    } else {
        pick(data, 7) as usize % (data.len() + 1)
    };
    let total = data.len() as u64;
    let head = sniff_header(&data[..cut], total);
    if let Ok(HeaderSniff::Known(info)) = &head {
        assert_eq!(Some(info.content_type), magic, "header sniff claimed {}", info.content_type);
        let tail = &data[data.len().saturating_sub(12)..];
        let _ = check_ending(info, tail);
        if let Ok(w) = &whole {
            assert_eq!((w.width, w.height), (info.width, info.height), "prefix and whole disagree");
        }
    }
    let full = sniff_header(data, total);
    if let Ok(HeaderSniff::NeedMore) = full {
        panic!("the whole object can't need more bytes");
    }

    // MP4: whole stream at once vs in uneven chunks: the same verdict.
    let one = scan(data, &[usize::MAX]);
    let sizes = [1 + (pick(data, 8) % 7) as usize, 1 + (pick(data, 9) % 4096) as usize, 3];
    let chunked = scan(data, &sizes);
    assert_eq!(one, chunked, "chunking changed the verdict");
    if one.is_ok() {
        assert!(
            data.len() >= 8 && &data[4..8] == b"ftyp",
            "an MP4 accepted without an ftyp box first"
        );
    }
    let _ = read_header(data);

    let mp4 = match one {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("{e:?}").split('(').next().unwrap_or_default().to_string(),
    };
    format!(
        "image:{:?} head:{:?} mp4:{mp4}",
        whole.map(|i| i.content_type).map_err(|e| std::mem::discriminant(&e)),
        head.map(|h| matches!(h, HeaderSniff::Known(_)))
            .map_err(|e| std::mem::discriminant(&e))
    )
}

fn scan(data: &[u8], sizes: &[usize]) -> Result<(u32, u32, u64), shared::media::Mp4Error> {
    let mut s = Mp4Scanner::new(1 << 20);
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        s.feed(chunk)?;
        assert!(s.kept_len() <= data.len());
        rest = tail;
        i += 1;
    }
    s.finish().map(|v| (v.width, v.height, (v.duration_s * 1000.0) as u64))
}
