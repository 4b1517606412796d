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
}
