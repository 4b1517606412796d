/// What an image really is, judged from its bytes (never from a server's Content-Type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub content_type: &'static str,
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SniffError {
    #[error("not a PNG, JPEG or WebP image")]
    UnknownFormat,
    #[error("image header is damaged")]
    BadHeader,
    #[error("image dimensions {0}x{1} are out of bounds")]
    Dimensions(u32, u32),
    #[error("the image is cut short: the file ends before its header or its data does")]
    Truncated,
}

pub const MAX_DIMENSION: u32 = 16_384;

pub fn sniff_image(bytes: &[u8]) -> Result<ImageInfo, SniffError> {
    let (content_type, ext, kind) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", "png", "png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", "jpg", "jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("image/webp", "webp", "webp")
    } else {
        return Err(SniffError::UnknownFormat);
    };
    let detected = imagesize::image_type(bytes).map_err(|_| SniffError::BadHeader)?;
    let same = matches!(
        (kind, detected),
        ("png", imagesize::ImageType::Png) | ("jpeg", imagesize::ImageType::Jpeg) | ("webp", imagesize::ImageType::Webp)
    );
    if !same {
        return Err(SniffError::BadHeader);
    }
    let size = imagesize::blob_size(bytes).map_err(|_| SniffError::BadHeader)?;
    let (w, h) = (size.width as u32, size.height as u32);
    if w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION {
        return Err(SniffError::Dimensions(w, h));
    }
    Ok(ImageInfo {
        content_type,
        ext,
        width: w,
        height: h,
    })
}

/// What the first bytes of an object say about it, given the object's whole length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderSniff {
    Known(ImageInfo),
    /// The header goes on past these bytes: read further (the object is longer).
    NeedMore,
}

/// The format and dimensions from a prefix of an object of `total` bytes, without the rest.
/// A prefix that stops inside the header asks for more while the object has more; a header
/// that runs past the object's end is a truncated file. Dimensions are not bounded here.
pub fn sniff_header(prefix: &[u8], total: u64) -> Result<HeaderSniff, SniffError> {
    let more = (prefix.len() as u64) < total;
    if prefix.len() < 12 && more {
        return Ok(HeaderSniff::NeedMore);
    }
    let (content_type, ext) = if prefix.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", "png")
    } else if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", "jpg")
    } else if prefix.len() >= 12 && &prefix[0..4] == b"RIFF" && &prefix[8..12] == b"WEBP" {
        // The RIFF header states the file's length: a shorter object was cut off.
        let riff = u32::from_le_bytes([prefix[4], prefix[5], prefix[6], prefix[7]]) as u64;
        if riff + 8 > total {
            return Err(SniffError::Truncated);
        }
        ("image/webp", "webp")
    } else {
        return Err(SniffError::UnknownFormat);
    };
    match imagesize::blob_size(prefix) {
        Ok(size) if size.width == 0 || size.height == 0 => Err(SniffError::Dimensions(size.width as u32, size.height as u32)),
        Ok(size) => Ok(HeaderSniff::Known(ImageInfo {
            content_type,
            ext,
            width: u32::try_from(size.width).unwrap_or(u32::MAX),
            height: u32::try_from(size.height).unwrap_or(u32::MAX),
        })),
        Err(imagesize::ImageError::IoError(_)) if more => Ok(HeaderSniff::NeedMore),
        Err(imagesize::ImageError::IoError(_)) => Err(SniffError::Truncated),
        Err(_) => Err(SniffError::BadHeader),
    }
}

/// The PNG trailer: an empty IEND chunk with its CRC.
const PNG_IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// Whether the object's last bytes close the image. A PNG must end with its IEND chunk (a
/// cut-off PNG has a header but not its end); WebP's length is checked by [`sniff_header`];
/// JPEG is not checked here: phones append data after the end marker.
pub fn check_ending(info: &ImageInfo, tail: &[u8]) -> Result<(), SniffError> {
    if info.content_type == "image/png" && !tail.ends_with(&PNG_IEND) {
        return Err(SniffError::Truncated);
    }
    Ok(())
}

/// How many trailing bytes [`check_ending`] needs.
pub const TAIL_BYTES: u64 = PNG_IEND.len() as u64;

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&vec![128u8; (w * h * 3) as usize]).unwrap();
        drop(wr);
        out
    }

    #[test]
    fn recognises_a_real_png_and_its_size() {
        let info = sniff_image(&png(64, 32)).unwrap();
        assert_eq!((info.content_type, info.width, info.height), ("image/png", 64, 32));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert_eq!(sniff_image(b"<html><script>alert(1)</script>"), Err(SniffError::UnknownFormat));
        assert_eq!(sniff_image(b""), Err(SniffError::UnknownFormat));
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n\0\0"), Err(SniffError::BadHeader));
    }

    #[test]
    fn a_header_prefix_gives_format_and_size_without_the_rest() {
        let p = png(300, 200);
        let total = p.len() as u64;
        let info = match sniff_header(&p[..40], total).unwrap() {
            HeaderSniff::Known(i) => i,
            other => panic!("{other:?}"),
        };
        assert_eq!((info.content_type, info.width, info.height), ("image/png", 300, 200));
        assert_eq!(check_ending(&info, &p[p.len() - 12..]), Ok(()));
    }

    #[test]
    fn a_cut_off_png_is_truncated() {
        let p = png(300, 200);
        let cut = &p[..p.len() / 2];
        let HeaderSniff::Known(info) = sniff_header(cut, cut.len() as u64).unwrap() else {
            panic!("the header is there")
        };
        assert_eq!(check_ending(&info, &cut[cut.len() - 12..]), Err(SniffError::Truncated));
        // Cut inside the header itself.
        assert_eq!(sniff_header(&p[..20], 20), Err(SniffError::Truncated));
    }

    /// A minimal JPEG header: SOI, an APPn segment of `pad` bytes, SOF0 with the size, SOS.
    fn jpeg_header(w: u16, h: u16, pad: usize) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
        v.extend_from_slice(&((pad + 2) as u16).to_be_bytes());
        v.extend(std::iter::repeat_n(0u8, pad));
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
        v
    }

    #[test]
    fn a_jpeg_whose_size_lies_past_the_prefix_asks_for_more_then_is_read() {
        let j = jpeg_header(640, 480, 60_000);
        let total = j.len() as u64 + 1000;
        assert_eq!(sniff_header(&j[..4096], total), Ok(HeaderSniff::NeedMore));
        let HeaderSniff::Known(info) = sniff_header(&j, total).unwrap() else {
            panic!()
        };
        assert_eq!((info.content_type, info.width, info.height), ("image/jpeg", 640, 480));
        // The object ends inside the header: nothing more to read.
        assert_eq!(sniff_header(&j[..4096], 4096), Err(SniffError::Truncated));
    }

    #[test]
    fn a_webp_shorter_than_its_riff_length_is_truncated() {
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&1000u32.to_le_bytes());
        w.extend_from_slice(b"WEBPVP8 ");
        w.extend(std::iter::repeat_n(0u8, 30));
        assert_eq!(sniff_header(&w, w.len() as u64), Err(SniffError::Truncated));
    }

    #[test]
    fn text_is_not_an_image_whatever_its_name() {
        assert_eq!(
            sniff_header(b"hello, I am a text file named photo.png", 39),
            Err(SniffError::UnknownFormat)
        );
        assert_eq!(sniff_header(b"short", 5), Err(SniffError::UnknownFormat));
    }
}
