//! The local CloudFront's `compress = true` for the frontend (infra/cdn.tf, default behaviour):
//! a static file is sent gzip-encoded when the browser accepts gzip, its type is one CloudFront
//! compresses, and its size is within CloudFront's bounds (1,000 to 10,000,000 bytes), with
//! `Vary: Accept-Encoding` either way so a cache never hands the encoded body to a browser that
//! did not ask for it ([Serving compressed files](https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html)).
//!
//! CloudFront prefers Brotli when the browser accepts both; the local gateway only speaks gzip
//! (a Brotli encoder is not among the workspace's crates), so its byte counts are gzip's: a
//! little larger than what CloudFront sends, never smaller.
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

/// CloudFront compresses files of at least this many bytes...
pub const MIN_BYTES: usize = 1_000;
/// ...and at most this many.
pub const MAX_BYTES: usize = 10_000_000;

/// Whether an `Accept-Encoding` header value accepts gzip (`gzip` or `*`, not with `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = None;
    for part in accept_encoding.split(',') {
        let mut fields = part.split(';');
        let coding = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = fields.any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p.strip_prefix("q=")
                .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        match coding.as_str() {
            "gzip" | "x-gzip" => return !refused,
            "*" => star = Some(!refused),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

/// Whether CloudFront compresses a response of this `Content-Type` (its list, for the types
/// the frontend serves: text, JavaScript, JSON, SVG; images and fonts are compressed already).
pub fn compressible(content_type: &str) -> bool {
    let t = content_type.split(';').next().unwrap_or("").trim();
    t.starts_with("text/")
        || matches!(
            t,
            "application/javascript" | "application/json" | "application/manifest+json" | "image/svg+xml"
        )
}

/// The body to send: `Some(gzip bytes)` when CloudFront would compress it, else None.
pub fn gzip_for(accept_encoding: &str, content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    if !(MIN_BYTES..=MAX_BYTES).contains(&body.len()) || !compressible(content_type) || !accepts_gzip(accept_encoding) {
        return None;
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 3), Compression::default());
    enc.write_all(body).ok()?;
    enc.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_accept_encoding_as_browsers_send_it() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("*, gzip;q=0"), "an explicit refusal beats the wildcard");
    }

    #[test]
    fn compresses_text_in_cloudfronts_size_bounds_only() {
        let js = "export const x = 1;\n".repeat(200);
        let gz = gzip_for("gzip, br", "text/javascript; charset=utf-8", js.as_bytes()).expect("compressed");
        assert!(gz.len() < js.len() / 4, "{} of {}", gz.len(), js.len());
        assert_eq!(gunzip(&gz), js.as_bytes(), "the encoded body decodes to the file");
        assert!(gzip_for("gzip", "image/svg+xml", js.as_bytes()).is_some());
        assert!(gzip_for("gzip", "application/json", js.as_bytes()).is_some());
        // Not asked for, not a compressible type, too small: the file as it is.
        assert!(gzip_for("identity", "text/css", js.as_bytes()).is_none());
        assert!(gzip_for("gzip", "image/png", js.as_bytes()).is_none());
        assert!(gzip_for("gzip", "font/woff2", js.as_bytes()).is_none());
        assert!(gzip_for("gzip", "text/css", &js.as_bytes()[..MIN_BYTES - 1]).is_none());
        assert!(gzip_for("gzip", "text/css", &js.as_bytes()[..MIN_BYTES]).is_some());
    }
}
