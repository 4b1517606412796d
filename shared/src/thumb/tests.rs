use super::*;
use std::io::Cursor;

/// A `w`×`h` RGB picture: red on the left half, blue on the right.
fn halves(w: u32, h: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for _ in 0..h {
        for x in 0..w {
            px.extend_from_slice(if x < w / 2 { &[220, 20, 20] } else { &[20, 20, 220] });
        }
    }
    px
}

fn png(w: u32, h: u32, color: png::ColorType, px: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(color);
    e.set_depth(png::BitDepth::Eight);
    e.write_header().unwrap().write_image_data(px).unwrap();
    out
}

fn jpeg(w: u32, h: u32, progressive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 90);
    e.set_progressive(progressive);
    e.encode(&halves(w, h), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

fn pixel(t: &Thumbnail, x: u32, y: u32) -> [u8; 3] {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(&t.jpeg));
    let px = d.decode().unwrap();
    let i = ((y * t.width + x) * 3) as usize;
    [px[i], px[i + 1], px[i + 2]]
}

fn reddish(p: [u8; 3]) -> bool {
    p[0] > 150 && p[2] < 90
}

fn bluish(p: [u8; 3]) -> bool {
    p[2] > 150 && p[0] < 90
}

#[test]
fn a_png_becomes_a_small_jpeg_of_the_same_picture() {
    let t = make_thumbnail(Cursor::new(png(1200, 800, png::ColorType::Rgb, &halves(1200, 800)))).unwrap();
    assert_eq!((t.width, t.height), (384, 256));
    assert!(t.jpeg.starts_with(&[0xFF, 0xD8]) && (t.jpeg.len() as u64) < MAX_THUMB_BYTES);
    assert!(reddish(pixel(&t, 10, 128)) && bluish(pixel(&t, 370, 128)));
}

#[test]
fn a_transparent_png_is_laid_on_white_and_gray_is_kept() {
    let clear = vec![0u8; 40 * 20 * 4];
    let t = make_thumbnail(Cursor::new(png(40, 20, png::ColorType::Rgba, &clear))).unwrap();
    // Small images keep their size (never enlarged).
    assert_eq!((t.width, t.height), (40, 20));
    assert!(pixel(&t, 5, 5).iter().all(|&v| v > 245), "{:?}", pixel(&t, 5, 5));
    let gray = vec![60u8; 500 * 100];
    let t = make_thumbnail(Cursor::new(png(500, 100, png::ColorType::Grayscale, &gray))).unwrap();
    assert_eq!((t.width, t.height), (384, 77));
    assert!(pixel(&t, 50, 30).iter().all(|&v| v.abs_diff(60) < 6));
}

#[test]
fn a_jpeg_is_decoded_scaled_and_keeps_its_picture() {
    for progressive in [false, true] {
        let t = make_thumbnail(Cursor::new(jpeg(1600, 1200, progressive))).unwrap();
        assert_eq!((t.width, t.height), (384, 288), "progressive: {progressive}");
        assert!(reddish(pixel(&t, 10, 100)) && bluish(pixel(&t, 370, 100)));
    }
}

#[test]
fn a_webp_is_thumbnailed() {
    let mut out = Vec::new();
    image_webp::WebPEncoder::new(&mut out)
        .encode(&halves(800, 400), 800, 400, image_webp::ColorType::Rgb8)
        .unwrap();
    let t = make_thumbnail(Cursor::new(out)).unwrap();
    assert_eq!((t.width, t.height), (384, 192));
    assert!(reddish(pixel(&t, 10, 100)) && bluish(pixel(&t, 370, 100)));
}

#[test]
fn what_is_not_an_image_is_refused() {
    assert!(matches!(
        make_thumbnail(Cursor::new(b"GIF89a....".to_vec())),
        Err(ThumbError::NotImage)
    ));
    let mut broken = png(100, 100, png::ColorType::Rgb, &halves(100, 100));
    broken.truncate(60);
    assert!(make_thumbnail(Cursor::new(broken)).is_err());
}

#[test]
fn a_progressive_jpeg_too_large_to_bound_is_refused_before_decoding() {
    // A 40 MP progressive JPEG's header alone: SOF2 says 8000×5000 RGB. It is refused from the
    // header, before any coefficient is stored (a baseline one of that size is decoded scaled:
    // the bench, docs/benchmarks.md).
    let mut head = vec![0xFF, 0xD8];
    head.extend_from_slice(&[0xFF, 0xC2, 0, 17, 8, 0x13, 0x88, 0x1F, 0x40, 3]);
    for id in 1..=3u8 {
        head.extend_from_slice(&[id, 0x11, 0]);
    }
    head.extend_from_slice(&[0xFF, 0xD9]);
    match make_thumbnail(Cursor::new(head)) {
        Err(ThumbError::TooLarge { need, .. }) => assert_eq!(need, 5000 * 8000 * 6),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_huge_webp_is_refused_from_its_header() {
    // A lossless WebP header declaring 16383×16383 (1 GiB decoded): refused, nothing allocated.
    let mut out = Vec::new();
    image_webp::WebPEncoder::new(&mut out)
        .encode(&[0u8; 3], 1, 1, image_webp::ColorType::Rgb8)
        .unwrap();
    // VP8L: signature 0x2f at 20, then 14 bits width-1 and 14 bits height-1.
    assert_eq!(out[20], 0x2f);
    let bits: u32 = 16382 | (16382 << 14) | (u32::from(out[24]) >> 4 & 1) << 28;
    out[21..25].copy_from_slice(&bits.to_le_bytes());
    assert!(
        matches!(make_thumbnail(Cursor::new(out)), Err(ThumbError::TooLarge { .. })),
        "refused"
    );
}
