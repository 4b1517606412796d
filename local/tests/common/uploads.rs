//! Uploads as a browser makes them: the presigned POST form posted to the site's own `/upload`,
//! then `complete`. Used by the uploads and permissions tests.
use super::{TestStack, User};
use serde_json::{Value, json};

pub const MIB: usize = 1024 * 1024;

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let mut wr = enc.write_header().unwrap();
    let px: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
    wr.write_image_data(&px).unwrap();
    drop(wr);
    out
}

/// A PNG whose header claims `w`x`h` (a decompression bomb when large), with a proper end.
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    v
}

/// A JPEG's structure (SOI, an EXIF-sized APP1 of `pad` bytes, SOF0, SOS, data, EOI): enough
/// for every check `complete` makes, which never decodes pixels.
pub fn jpeg(w: u16, h: u16, pad: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    let mut left = pad;
    while left > 0 {
        // A segment holds at most 65533 bytes.
        let n = left.min(60_000);
        v.extend_from_slice(&[0xFF, 0xE1]);
        v.extend_from_slice(&((n + 2) as u16).to_be_bytes());
        v.extend(std::iter::repeat_n(0x45u8, n));
        left -= n;
    }
    v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 4, 0xFF, 0xD9]);
    v
}

/// `POST /api/uploads`, answered 201.
pub async fn announce(t: &TestStack, u: &User, content_type: &str, bytes: usize) -> Value {
    let (s, b) = t
        .post(
            u,
            "/api/uploads",
            &json!({ "content_type": content_type, "bytes": bytes, "filename": "photo" }),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b
}

/// Posts the form like a browser: every field, then the file as the last part.
pub async fn post_form(t: &TestStack, upload: &Value, file_type: &str, data: &[u8]) -> u16 {
    let boundary = "----vn-test-7d1f9a0c";
    let mut body = Vec::new();
    for (k, v) in upload["fields"].as_object().unwrap() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{}\r\n",
                v.as_str().unwrap()
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\nContent-Type: {file_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(upload["method"], "POST");
    // The form goes to the site's own /upload (CloudFront, or the gateway here), never to an
    // S3 host the CSP would have to name.
    assert_eq!(upload["url"], t.url("/upload"), "{upload}");
    t.http
        .post(upload["url"].as_str().unwrap())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

pub async fn complete(t: &TestStack, u: &User, id: &str) -> (u16, Value) {
    t.post(u, &format!("/api/uploads/{id}/complete"), &json!({})).await
}

/// Announces and posts `data` declared as `declared`; returns the asset id.
pub async fn upload(t: &TestStack, u: &User, declared: &str, data: &[u8]) -> String {
    let a = announce(t, u, declared, data.len().clamp(1, 20 * MIB)).await;
    assert_eq!(post_form(t, &a["upload"], declared, data).await, 204);
    a["asset_id"].as_str().unwrap().to_string()
}
