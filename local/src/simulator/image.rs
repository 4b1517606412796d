//! Real PNG pictures derived from a prediction's input.
//!
//! The prompt's hash picks the palette and the background gradient; the hash of the whole input
//! (seed, aspect ratio, source images...) plus the image's index picks the stripes and shapes. So
//! two prompts give visibly different pictures, the same input gives the same picture, and the
//! images of one prediction differ from each other.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Width and height for an `aspect_ratio` like `16:9` (long side = `long_side`). Also honours
/// explicit `width`/`height` inputs; anything unknown (`match_input_image`, absent) gives a square.
pub fn dimensions(input: &Value, long_side: u32) -> (u32, u32) {
    let long_side = long_side.clamp(16, 4096);
    let (rw, rh) = ratio(input).unwrap_or((1, 1));
    if rw >= rh {
        (
            long_side,
            ((long_side as u64 * rh as u64 + rw as u64 / 2) / rw as u64).max(1) as u32,
        )
    } else {
        (
            ((long_side as u64 * rw as u64 + rh as u64 / 2) / rh as u64).max(1) as u32,
            long_side,
        )
    }
}

fn ratio(input: &Value) -> Option<(u32, u32)> {
    if let Some(ar) = input.get("aspect_ratio").and_then(Value::as_str)
        && let Some((w, h)) = ar.split_once(':')
    {
        let (w, h) = (w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?);
        if (1..=100).contains(&w) && (1..=100).contains(&h) {
            return Some((w, h));
        }
    }
    let w = input.get("width").and_then(Value::as_u64)?;
    let h = input.get("height").and_then(Value::as_u64)?;
    if w > 0 && h > 0 && w <= 100_000 && h <= 100_000 {
        return Some((w as u32, h as u32));
    }
    None
}

/// How many images the input asks for: Seedream 4's sequential generation
/// (`sequential_image_generation: "auto"`) makes `max_images` (1 to 15), one image per scene;
/// otherwise `num_outputs` or `max_images`, 1 to 4.
pub fn image_count(input: &Value) -> usize {
    if input.get("sequential_image_generation").and_then(Value::as_str) == Some("auto")
        && let Some(n) = input.get("max_images").and_then(Value::as_u64)
    {
        return n.clamp(1, 15) as usize;
    }
    ["num_outputs", "max_images"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_u64))
        .map(|n| n.clamp(1, 4) as usize)
        .unwrap_or(1)
}

/// Renders image number `index` for `input`.
pub fn render(input: &Value, index: usize, long_side: u32) -> super::codec::Rgb {
    let (w, h) = dimensions(input, long_side);
    super::codec::Rgb {
        width: w,
        height: h,
        pixels: render_rgb(input, index, w, h),
    }
}

/// Renders image number `index` for `input` as PNG bytes.
pub fn render_png(input: &Value, index: usize, long_side: u32) -> Vec<u8> {
    let prompt = input.get("prompt").and_then(Value::as_str).unwrap_or("");
    super::codec::encode(&render(input, index, long_side), super::codec::Format::Png, prompt).expect("PNG into a Vec")
}

#[derive(Clone, Copy)]
struct Rgb([u8; 3]);

fn hsv(h: u32, s: u32, v: u32) -> Rgb {
    // h in 0..360, s and v in 0..=255.
    let h = h % 360;
    let c = v * s / 255;
    let x = c * (60 - (h % 120).abs_diff(60)) / 60;
    let m = v - c;
    let (r, g, b) = match h / 60 {
        0 => (c, x, 0),
        1 => (x, c, 0),
        2 => (0, c, x),
        3 => (0, x, c),
        4 => (x, 0, c),
        _ => (c, 0, x),
    };
    Rgb([(r + m) as u8, (g + m) as u8, (b + m) as u8])
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut d = Sha256::new();
    for p in parts {
        d.update((p.len() as u64).to_le_bytes());
        d.update(p);
    }
    d.finalize().into()
}

fn render_rgb(input: &Value, index: usize, w: u32, h: u32) -> Vec<u8> {
    let prompt = input.get("prompt").and_then(Value::as_str).unwrap_or("");
    let canonical = serde_json::to_vec(input).unwrap_or_default();
    let p = digest(&[
        b"prompt",
        prompt.as_bytes(),
        &canonical[..if prompt.is_empty() { canonical.len() } else { 0 }],
    ]);
    let l = digest(&[b"layout", &canonical, &(index as u64).to_le_bytes()]);
    let byte = |i: usize| p[i % 32] as u32;
    let lay = |i: usize| l[i % 32] as u32;

    // Palette from the prompt: two gradient ends, a stripe tint and three shape colours.
    let hue = (byte(0) << 8 | byte(1)) % 360;
    let spread = 60 + byte(2) % 120;
    let c0 = hsv(hue, 150 + byte(3) % 106, 90 + byte(4) % 100);
    let c1 = hsv(hue + spread, 120 + byte(5) % 136, 170 + byte(6) % 86);
    let shape_colors = [
        hsv(hue + 180, 200, 240),
        hsv(hue + spread / 2 + 30, 230, 200),
        hsv(hue + 300 + byte(7) % 40, 90, 255),
    ];

    // Gradient direction from the prompt: one of 8 directions.
    let (gx, gy): (i64, i64) = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)][(byte(8) % 8) as usize];
    let (wi, hi) = (w as i64, h as i64);
    let g_min = [0, gx * (wi - 1)].into_iter().min().unwrap() + [0, gy * (hi - 1)].into_iter().min().unwrap();
    let g_max = [0, gx * (wi - 1)].into_iter().max().unwrap() + [0, gy * (hi - 1)].into_iter().max().unwrap();
    let g_span = (g_max - g_min).max(1);

    // Stripes from the layout hash: orientation, period, strength (0 = none).
    let stripe_dir: (i64, i64) = [(1, 0), (0, 1), (1, 1), (1, -1)][(lay(0) % 4) as usize];
    let period = 12 + (lay(1) % 48) as i64;
    let strength = if lay(2) % 5 == 0 { 0 } else { 20 + lay(3) % 50 };

    // Colour lookup: gradient position (0..=256) x stripe (light, dark).
    let mut lut = vec![[0u8; 3]; 257 * 2];
    for t in 0..=256u32 {
        for (d, dark) in [0, strength].into_iter().enumerate() {
            for (k, out) in lut[t as usize * 2 + d].iter_mut().enumerate() {
                let v = (c0.0[k] as u32 * (256 - t) + c1.0[k] as u32 * t) >> 8;
                *out = ((v * (256 - dark)) >> 8) as u8;
            }
        }
    }

    let mut px = vec![0u8; (w * h * 3) as usize];
    for (y, row) in px.chunks_exact_mut(w as usize * 3).enumerate() {
        let y = y as i64;
        for (x, out) in row.chunks_exact_mut(3).enumerate() {
            let x = x as i64;
            let t = ((gx * x + gy * y - g_min) * 256 / g_span) as usize;
            let dark = ((stripe_dir.0 * x + stripe_dir.1 * y).rem_euclid(period * 2) < period) as usize;
            out.copy_from_slice(&lut[t * 2 + dark]);
        }
    }

    // Shapes from the layout hash: 2..=6 discs and rectangles.
    let n_shapes = 2 + lay(4) % 5;
    let short = w.min(h) as i64;
    for s in 0..n_shapes as usize {
        let b = 5 + s * 4;
        let cx = (lay(b) as i64 * wi) / 256;
        let cy = (lay(b + 1) as i64 * hi) / 256;
        let r = short / 14 + (lay(b + 2) as i64 * short) / 900;
        let color = shape_colors[s % shape_colors.len()];
        let disc = lay(b + 3) % 3 != 0;
        let alpha = 150 + (lay(b + 3) % 100);
        let (x0, x1) = ((cx - r).max(0), (cx + r).min(wi - 1));
        let (y0, y1) = ((cy - r).max(0), (cy + r).min(hi - 1));
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (dx, dy) = (x - cx, y - cy);
                if disc && dx * dx + dy * dy > r * r {
                    continue;
                }
                let o = ((y * wi + x) * 3) as usize;
                for k in 0..3 {
                    let v = (color.0[k] as u32 * alpha + px[o + k] as u32 * (256 - alpha)) >> 8;
                    px[o + k] = v as u8;
                }
            }
        }
    }
    px
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn aspect_ratios_keep_the_long_side() {
        assert_eq!(dimensions(&json!({}), 768), (768, 768));
        assert_eq!(dimensions(&json!({"aspect_ratio": "16:9"}), 768), (768, 432));
        assert_eq!(dimensions(&json!({"aspect_ratio": "9:16"}), 768), (432, 768));
        assert_eq!(dimensions(&json!({"aspect_ratio": "3:4"}), 768), (576, 768));
        assert_eq!(dimensions(&json!({"aspect_ratio": "2:3"}), 768), (512, 768));
        assert_eq!(dimensions(&json!({"aspect_ratio": "21:9"}), 768), (768, 329));
        assert_eq!(dimensions(&json!({"aspect_ratio": "match_input_image"}), 768), (768, 768));
        assert_eq!(dimensions(&json!({"width": 2048, "height": 1024}), 768), (768, 384));
    }

    #[test]
    fn renders_a_decodable_png_of_the_right_size() {
        let input = json!({"prompt": "a lighthouse at dusk", "aspect_ratio": "16:9"});
        let bytes = render_png(&input, 0, 768);
        let (w, h, px) = decode(&bytes);
        assert_eq!((w, h), (768, 432));
        assert_eq!(px.len(), 768 * 432 * 3);
        // Not a flat colour: many distinct pixels.
        let distinct: std::collections::HashSet<_> = px.chunks(3).take(50_000).collect();
        assert!(distinct.len() > 50, "only {} colours", distinct.len());
    }

    #[test]
    fn different_prompts_give_visibly_different_pictures() {
        let a = decode(&render_png(&json!({"prompt": "a red fox"}), 0, 256)).2;
        let b = decode(&render_png(&json!({"prompt": "a blue whale"}), 0, 256)).2;
        let differing = a
            .chunks(3)
            .zip(b.chunks(3))
            .filter(|(p, q)| p.iter().zip(q.iter()).map(|(x, y)| x.abs_diff(*y) as u32).sum::<u32>() > 60);
        assert!(differing.count() > a.len() / 3 / 2, "less than half the pixels differ clearly");
        // Same input, same picture.
        assert_eq!(
            render_png(&json!({"prompt": "a red fox"}), 0, 256),
            render_png(&json!({"prompt": "a red fox"}), 0, 256)
        );
        // Two images of one prediction differ.
        assert_ne!(
            render_png(&json!({"prompt": "a red fox"}), 0, 256),
            render_png(&json!({"prompt": "a red fox"}), 1, 256)
        );
    }

    #[test]
    fn image_count_is_capped() {
        assert_eq!(image_count(&json!({})), 1);
        assert_eq!(image_count(&json!({"num_outputs": 3})), 3);
        assert_eq!(image_count(&json!({"max_images": 15})), 4);
        assert_eq!(image_count(&json!({"num_outputs": 0})), 1);
        let story = |n| json!({"max_images": n, "sequential_image_generation": "auto"});
        assert_eq!(image_count(&story(8)), 8);
        assert_eq!(image_count(&story(40)), 15);
    }
}
