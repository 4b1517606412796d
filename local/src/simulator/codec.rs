//! Decoding source images (PNG, JPEG, WebP) to RGB and encoding outputs (PNG, JPEG, WebP).

/// An 8-bit RGB picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    /// `width * height * 3` bytes, row by row.
    pub pixels: Vec<u8>,
}

impl Rgb {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let o = ((y as usize * self.width as usize) + x as usize) * 3;
        [self.pixels[o], self.pixels[o + 1], self.pixels[o + 2]]
    }
}

/// Output file format, from `output_format` (PNG when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    /// `output_format` of the input: `jpg`/`jpeg`, `webp`, anything else (or absent) PNG.
    pub fn of_input(input: &serde_json::Value) -> Self {
        match input.get("output_format").and_then(serde_json::Value::as_str) {
            Some("jpg" | "jpeg") => Format::Jpeg,
            Some("webp") => Format::Webp,
            _ => Format::Png,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    pub fn from_ext(ext: &str) -> Option<Self> {
        [Format::Png, Format::Jpeg, Format::Webp].into_iter().find(|f| f.ext() == ext)
    }
}

/// Largest source the simulator decodes (pixels), like a model refusing a huge input.
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;

/// True when `bytes` start like a PNG, JPEG or WebP.
pub fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || (bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

/// Decodes a PNG, JPEG or WebP into RGB (alpha dropped, grey expanded). The error reads like
/// the one a Python model gives for a file that is no image.
pub fn decode(bytes: &[u8]) -> Result<Rgb, String> {
    let rgb = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg(bytes)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        decode_webp(bytes)
    } else {
        Err("cannot identify image file".into())
    }?;
    if rgb.width == 0 || rgb.height == 0 {
        return Err("image has no pixels".into());
    }
    Ok(rgb)
}

fn too_big(w: u32, h: u32) -> Result<(), String> {
    if w as u64 * h as u64 > MAX_SOURCE_PIXELS {
        return Err(format!("image of {w}x{h} pixels is too large to process"));
    }
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<Rgb, String> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().map_err(|e| format!("broken PNG: {e}"))?;
    let (w, h) = (reader.info().width, reader.info().height);
    too_big(w, h)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| format!("broken PNG: {e}"))?;
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    Ok(Rgb {
        width: info.width,
        height: info.height,
        pixels: to_rgb(&buf, channels),
    })
}

fn decode_jpeg(bytes: &[u8]) -> Result<Rgb, String> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let opts = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(bytes, opts);
    dec.decode_headers().map_err(|e| format!("broken JPEG: {e:?}"))?;
    let (w, h) = dec.dimensions().ok_or("broken JPEG: no dimensions")?;
    too_big(w as u32, h as u32)?;
    let pixels = dec.decode().map_err(|e| format!("broken JPEG: {e:?}"))?;
    if pixels.len() != w * h * 3 {
        return Err("broken JPEG: unexpected pixel data".into());
    }
    Ok(Rgb {
        width: w as u32,
        height: h as u32,
        pixels,
    })
}

fn decode_webp(bytes: &[u8]) -> Result<Rgb, String> {
    let mut dec = image_webp::WebPDecoder::new(std::io::Cursor::new(bytes)).map_err(|e| format!("broken WebP: {e}"))?;
    let (w, h) = dec.dimensions();
    too_big(w, h)?;
    let size = dec.output_buffer_size().ok_or("broken WebP: too large")?;
    let mut buf = vec![0; size];
    dec.read_image(&mut buf).map_err(|e| format!("broken WebP: {e}"))?;
    let channels = if dec.has_alpha() { 4 } else { 3 };
    Ok(Rgb {
        width: w,
        height: h,
        pixels: to_rgb(&buf, channels),
    })
}

fn to_rgb(buf: &[u8], channels: usize) -> Vec<u8> {
    match channels {
        3 => buf.to_vec(),
        4 => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        2 => buf.chunks_exact(2).flat_map(|p| [p[0]; 3]).collect(),
        _ => buf.iter().flat_map(|&g| [g; 3]).collect(),
    }
}

/// Encodes `img` as `format`. `description` goes into a PNG text chunk (ASCII only).
pub fn encode(img: &Rgb, format: Format, description: &str) -> Result<Vec<u8>, String> {
    let (w, h) = (img.width, img.height);
    let mut out = Vec::with_capacity(img.pixels.len() / 4);
    match format {
        Format::Png => {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            enc.set_filter(png::FilterType::Sub);
            let _ = enc.add_text_chunk("Software".into(), "Visual Neurons Replicate simulator".into());
            let desc: String = description.chars().filter(|c| !c.is_control()).take(200).collect();
            if !desc.is_empty() && desc.is_ascii() {
                let _ = enc.add_text_chunk("Description".into(), desc);
            }
            let mut writer = enc.write_header().map_err(|e| e.to_string())?;
            writer.write_image_data(&img.pixels).map_err(|e| e.to_string())?;
        }
        Format::Jpeg => {
            let (w16, h16) = (u16::try_from(w), u16::try_from(h));
            let (Ok(w16), Ok(h16)) = (w16, h16) else {
                return Err(format!("{w}x{h} is too large for JPEG"));
            };
            jpeg_encoder::Encoder::new(&mut out, 90)
                .encode(&img.pixels, w16, h16, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| e.to_string())?;
        }
        Format::Webp => {
            image_webp::WebPEncoder::new(&mut out)
                .encode(&img.pixels, w, h, image_webp::ColorType::Rgb8)
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Rgb {
        let (w, h) = (40u32, 24u32);
        let pixels = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| [(x * 6) as u8, (y * 10) as u8, 128]))
            .collect();
        Rgb {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn every_format_round_trips() {
        let img = sample();
        for f in [Format::Png, Format::Jpeg, Format::Webp] {
            let back = decode(&encode(&img, f, "x").unwrap()).unwrap();
            assert_eq!((back.width, back.height), (40, 24), "{f:?}");
            let worst = img.pixels.iter().zip(&back.pixels).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
            assert!(worst <= if f == Format::Jpeg { 40 } else { 0 }, "{f:?}: off by {worst}");
        }
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        assert_eq!(decode(b"<html>").unwrap_err(), "cannot identify image file");
        assert!(decode(b"\x89PNG\r\n\x1a\n\0\0\0").is_err());
        assert!(decode(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).is_err());
    }
}
