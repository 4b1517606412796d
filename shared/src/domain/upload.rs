//! Uploads: what a client may declare, and what the uploaded bytes must turn out to be. Plain
//! rules, no AWS: the service (service::uploads) reads the object and asks these.
use serde::{Deserialize, Serialize};

/// The largest upload: 20 MiB.
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;
/// The longest side of an uploaded image, in pixels.
pub const MAX_UPLOAD_SIDE: u32 = 8192;
/// The most pixels an uploaded image may have: a small file can declare a huge canvas
/// (decompression bomb), and every later step (models, thumbnails) decodes it whole.
pub const MAX_UPLOAD_PIXELS: u64 = 40_000_000;
/// The longest file name kept with an upload.
pub const MAX_FILENAME_CHARS: usize = 255;

/// The image types an upload may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/webp")]
    Webp,
}

impl UploadType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "image/png" => Some(Self::Png),
            "image/jpeg" => Some(Self::Jpeg),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }
    pub fn ext(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Webp => "WebP",
        }
    }
}

/// A refused declaration (`POST /api/uploads`): which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DeclarationError {
    pub field: &'static str,
    pub message: String,
}

/// What `POST /api/uploads` accepts, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub content_type: UploadType,
    pub bytes: u64,
    pub filename: Option<String>,
}

impl Declared {
    pub fn parse(content_type: &str, bytes: i64, filename: Option<&str>) -> Result<Self, DeclarationError> {
        let content_type = UploadType::parse(content_type).ok_or_else(|| DeclarationError {
            field: "content_type",
            message: "content_type must be image/png, image/jpeg or image/webp".into(),
        })?;
        if bytes < 1 || bytes as u64 > MAX_UPLOAD_BYTES {
            return Err(DeclarationError {
                field: "bytes",
                message: format!("bytes must be between 1 and {MAX_UPLOAD_BYTES} (20 MiB)"),
            });
        }
        let filename = match filename.map(str::trim) {
            None | Some("") => None,
            Some(f) if f.chars().count() > MAX_FILENAME_CHARS || f.chars().any(char::is_control) => {
                return Err(DeclarationError {
                    field: "filename",
                    message: format!("filename must be at most {MAX_FILENAME_CHARS} characters, without control characters"),
                });
            }
            Some(f) => Some(f.to_string()),
        };
        Ok(Self {
            content_type,
            bytes: bytes as u64,
            filename,
        })
    }
}

/// Why an uploaded object is not accepted. The message is meant for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the upload did not arrive: post the file to the upload URL before completing")]
    Missing,
    #[error("the uploaded file is empty")]
    Empty,
    #[error("the uploaded file is {0} bytes; the limit is 20 MiB ({MAX_UPLOAD_BYTES} bytes)")]
    TooLarge(u64),
    #[error("the uploaded file is {actual} bytes, more than the {declared} bytes declared")]
    LargerThanDeclared { actual: u64, declared: u64 },
    #[error("the uploaded file is not a PNG, JPEG or WebP image")]
    NotAnImage,
    #[error("the uploaded file is a {actual} image, but {declared} was declared")]
    WrongType { actual: &'static str, declared: &'static str },
    #[error("the uploaded image is damaged: {0}")]
    Damaged(String),
    #[error("the uploaded image is cut short (truncated): upload the whole file")]
    Truncated,
    #[error("the uploaded image is {0}x{1} pixels; each side may be at most {MAX_UPLOAD_SIDE}")]
    SideTooLong(u32, u32),
    #[error("the uploaded image is {0}x{1} pixels, over the limit of 40 megapixels")]
    TooManyPixels(u32, u32),
}

/// The object's size against the limit and the declaration.
pub fn check_size(actual: u64, declared: u64) -> Result<(), Refusal> {
    if actual == 0 {
        Err(Refusal::Empty)
    } else if actual > MAX_UPLOAD_BYTES {
        Err(Refusal::TooLarge(actual))
    } else if actual > declared {
        Err(Refusal::LargerThanDeclared { actual, declared })
    } else {
        Ok(())
    }
}

/// The sniffed type and size against the declaration and the limits.
pub fn check_image(declared: UploadType, actual_mime: &str, width: u32, height: u32) -> Result<(), Refusal> {
    let actual = UploadType::parse(actual_mime).ok_or(Refusal::NotAnImage)?;
    if actual != declared {
        return Err(Refusal::WrongType {
            actual: actual.name(),
            declared: declared.name(),
        });
    }
    if width > MAX_UPLOAD_SIDE || height > MAX_UPLOAD_SIDE {
        return Err(Refusal::SideTooLong(width, height));
    }
    if u64::from(width) * u64::from(height) > MAX_UPLOAD_PIXELS {
        return Err(Refusal::TooManyPixels(width, height));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_checked_field_by_field() {
        let ok = Declared::parse("image/webp", 1, Some(" cat.webp ")).unwrap();
        assert_eq!(
            (ok.content_type, ok.bytes, ok.filename.as_deref()),
            (UploadType::Webp, 1, Some("cat.webp"))
        );
        assert!(Declared::parse("image/jpeg", MAX_UPLOAD_BYTES as i64, None).is_ok());
        assert_eq!(Declared::parse("image/gif", 10, None).unwrap_err().field, "content_type");
        assert_eq!(Declared::parse("image/png", 0, None).unwrap_err().field, "bytes");
        assert_eq!(Declared::parse("image/png", -5, None).unwrap_err().field, "bytes");
        assert_eq!(
            Declared::parse("image/png", MAX_UPLOAD_BYTES as i64 + 1, None).unwrap_err().field,
            "bytes"
        );
        assert_eq!(Declared::parse("image/png", 10, Some("a\nb")).unwrap_err().field, "filename");
        assert_eq!(
            Declared::parse("image/png", 10, Some(&"x".repeat(256))).unwrap_err().field,
            "filename"
        );
        assert_eq!(Declared::parse("image/png", 10, Some("  ")).unwrap().filename, None);
    }

    #[test]
    fn sizes_over_the_limit_or_the_declaration_are_refused() {
        assert_eq!(check_size(0, 10), Err(Refusal::Empty));
        assert_eq!(check_size(10, 10), Ok(()));
        assert_eq!(check_size(11, 10), Err(Refusal::LargerThanDeclared { actual: 11, declared: 10 }));
        assert_eq!(
            check_size(MAX_UPLOAD_BYTES + 1, MAX_UPLOAD_BYTES),
            Err(Refusal::TooLarge(MAX_UPLOAD_BYTES + 1))
        );
        assert!(Refusal::TooLarge(MAX_UPLOAD_BYTES + 1).to_string().contains("20 MiB"));
    }

    #[test]
    fn the_magic_must_match_the_declared_type() {
        assert_eq!(check_image(UploadType::Png, "image/png", 10, 10), Ok(()));
        let e = check_image(UploadType::Png, "image/jpeg", 10, 10).unwrap_err();
        assert_eq!(e.to_string(), "the uploaded file is a JPEG image, but PNG was declared");
    }

    #[test]
    fn sides_and_pixel_counts_are_bounded() {
        assert_eq!(check_image(UploadType::Png, "image/png", 8192, 4096), Ok(()));
        assert_eq!(
            check_image(UploadType::Png, "image/png", 9000, 100),
            Err(Refusal::SideTooLong(9000, 100))
        );
        assert_eq!(
            check_image(UploadType::Png, "image/png", 100, 8193),
            Err(Refusal::SideTooLong(100, 8193))
        );
        assert_eq!(
            check_image(UploadType::Png, "image/png", 7000, 7000),
            Err(Refusal::TooManyPixels(7000, 7000))
        );
        // Exactly 40 MP passes.
        assert_eq!(check_image(UploadType::Png, "image/png", 8000, 5000), Ok(()));
    }
}
