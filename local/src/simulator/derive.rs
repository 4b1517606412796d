//! Outputs derived visibly from a source image, so a test can prove where an output came from.
//!
//! - **Edit** (a model given source images, no `upscale_by`): the first source, centre-cropped
//!   to the requested `aspect_ratio` when one is given (kept whole for `match_input_image` or no
//!   ratio; `size`/`width`/`height` are not simulated), then every pixel mixed 75/25 with a
//!   colour from the prompt's hash, and a band across the bottom eighth mixed 50/50 with the
//!   complementary colour. Dark stays dark, bright stays bright, the size is the source's.
//! - **Restoration** (`upscale_by` in the schema): the first source upscaled by the real factor,
//!   nearest neighbour, to `round(w × f) × round(h × f)`; sampling the output every `f` pixels
//!   gives the source back exactly. Over [`MAX_OUTPUT_PIXELS`] the prediction fails the way a GPU
//!   running out of memory does.

use sha2::{Digest, Sha256};

use super::codec::Rgb;

/// Largest output a restoration may produce.
pub const MAX_OUTPUT_PIXELS: u64 = 50_000_000;

/// The prompt's tint for output `index`: an RGB colour with some saturation.
pub fn tint(prompt: &str, index: usize) -> [u8; 3] {
    let d: [u8; 32] = Sha256::new()
        .chain_update(b"sim-edit-tint")
        .chain_update(prompt.as_bytes())
        .chain_update((index as u64).to_le_bytes())
        .finalize()
        .into();
    // One channel high, one low, one from the hash: never grey.
    let hi = 160 + d[0] % 96;
    let lo = d[1] % 96;
    let mid = d[2];
    match d[3] % 6 {
        0 => [hi, lo, mid],
        1 => [hi, mid, lo],
        2 => [lo, hi, mid],
        3 => [mid, hi, lo],
        4 => [lo, mid, hi],
        _ => [mid, lo, hi],
    }
}

/// The edit of `src` for `prompt` (see the module docs).
pub fn edit(src: &Rgb, prompt: &str, aspect_ratio: Option<&str>, index: usize) -> Rgb {
    let cropped = match aspect_ratio.and_then(parse_ratio) {
        Some((rw, rh)) => crop_to_ratio(src, rw, rh),
        None => src.clone(),
    };
    let t = tint(prompt, index);
    let band = [255 - t[0], 255 - t[1], 255 - t[2]];
    let (w, h) = (cropped.width as usize, cropped.height as usize);
    let band_from = h - (h / 8).max(1).min(h);
    let mut pixels = cropped.pixels;
    for (y, row) in pixels.chunks_exact_mut(w * 3).enumerate() {
        for px in row.chunks_exact_mut(3) {
            for k in 0..3 {
                let mixed = (px[k] as u32 * 3 + t[k] as u32) / 4;
                px[k] = if y >= band_from {
                    ((mixed + band[k] as u32) / 2) as u8
                } else {
                    mixed as u8
                };
            }
        }
    }
    Rgb {
        width: cropped.width,
        height: cropped.height,
        pixels,
    }
}

/// `w:h` with both parts in 1..=100; `None` for `match_input_image` and anything else.
fn parse_ratio(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(':')?;
    let (w, h) = (w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?);
    ((1..=100).contains(&w) && (1..=100).contains(&h)).then_some((w, h))
}

/// The largest centred region of `src` with ratio `rw:rh`.
fn crop_to_ratio(src: &Rgb, rw: u32, rh: u32) -> Rgb {
    let (w, h) = (src.width as u64, src.height as u64);
    let (cw, ch) = if w * rh as u64 > h * rw as u64 {
        (((h * rw as u64) / rh as u64).max(1), h)
    } else {
        (w, ((w * rh as u64) / rw as u64).max(1))
    };
    let (x0, y0) = ((w - cw) / 2, (h - ch) / 2);
    let mut pixels = Vec::with_capacity((cw * ch * 3) as usize);
    for y in y0..y0 + ch {
        let start = ((y * w + x0) * 3) as usize;
        pixels.extend_from_slice(&src.pixels[start..start + (cw * 3) as usize]);
    }
    Rgb {
        width: cw as u32,
        height: ch as u32,
        pixels,
    }
}

/// Output size of a restoration by `factor`, or the error a real model would give.
pub fn upscaled_size(w: u32, h: u32, factor: f64) -> Result<(u32, u32), String> {
    if !factor.is_finite() || factor <= 0.0 {
        return Err(format!("ValueError: upscale factor must be positive, got {factor}"));
    }
    let (ow, oh) = ((w as f64 * factor).round().max(1.0), (h as f64 * factor).round().max(1.0));
    if ow * oh > MAX_OUTPUT_PIXELS as f64 {
        return Err(format!(
            "CUDA out of memory: an output of {ow}x{oh} pixels is over the simulator's {MAX_OUTPUT_PIXELS}-pixel limit"
        ));
    }
    Ok((ow as u32, oh as u32))
}

/// `src` upscaled by `factor`, nearest neighbour.
pub fn upscale(src: &Rgb, factor: f64) -> Result<Rgb, String> {
    let (ow, oh) = upscaled_size(src.width, src.height, factor)?;
    let (sw, sh) = (src.width as u64, src.height as u64);
    let xs: Vec<usize> = (0..ow as u64).map(|x| ((x * sw) / ow as u64).min(sw - 1) as usize).collect();
    let mut pixels = Vec::with_capacity(ow as usize * oh as usize * 3);
    for y in 0..oh as u64 {
        let sy = ((y * sh) / oh as u64).min(sh - 1) as usize;
        let row = &src.pixels[sy * sw as usize * 3..(sy + 1) * sw as usize * 3];
        for &sx in &xs {
            pixels.extend_from_slice(&row[sx * 3..sx * 3 + 3]);
        }
    }
    Ok(Rgb {
        width: ow,
        height: oh,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Black left half, white right half.
    fn halves(w: u32, h: u32) -> Rgb {
        let pixels = (0..h)
            .flat_map(|_| (0..w).flat_map(move |x| if x < w / 2 { [0u8; 3] } else { [255u8; 3] }))
            .collect();
        Rgb {
            width: w,
            height: h,
            pixels,
        }
    }

    fn luma(p: [u8; 3]) -> u32 {
        (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3
    }

    #[test]
    fn an_edit_keeps_the_size_and_the_light_and_dark_of_the_source() {
        let src = halves(64, 40);
        let out = edit(&src, "make it teal", None, 0);
        assert_eq!((out.width, out.height), (64, 40));
        for y in [0, 10, 20, 30] {
            assert!(luma(out.pixel(5, y)) < 70, "left stays dark: {:?}", out.pixel(5, y));
            assert!(luma(out.pixel(60, y)) > 185, "right stays bright: {:?}", out.pixel(60, y));
        }
        assert_ne!(out.pixel(5, 10), [0, 0, 0], "tinted");
        assert_ne!(out.pixel(5, 39), out.pixel(5, 10), "the band differs");
        assert_ne!(edit(&src, "make it red", None, 0), out, "the prompt changes the tint");
        assert_eq!(edit(&src, "make it teal", None, 0), out, "deterministic");
        assert_ne!(edit(&src, "make it teal", None, 1), out, "images of one prediction differ");
    }

    #[test]
    fn an_edit_with_an_aspect_ratio_is_a_centred_crop() {
        let src = halves(200, 100);
        let out = edit(&src, "x", Some("1:1"), 0);
        assert_eq!((out.width, out.height), (100, 100));
        assert!(luma(out.pixel(10, 10)) < 70 && luma(out.pixel(90, 10)) > 185);
        assert_eq!(
            (
                edit(&src, "x", Some("match_input_image"), 0).width,
                edit(&src, "x", Some("9:16"), 0).width
            ),
            (200, 56)
        );
    }

    #[test]
    fn a_restoration_is_exactly_factor_times_and_samples_back_to_the_source() {
        let mut src = halves(7, 5);
        src.pixels[3 * 8] = 77; // one odd pixel
        for f in [1.0, 2.0, 4.0] {
            let out = upscale(&src, f).unwrap();
            assert_eq!((out.width, out.height), (7 * f as u32, 5 * f as u32));
            for y in 0..5 {
                for x in 0..7 {
                    assert_eq!(out.pixel(x * f as u32, y * f as u32), src.pixel(x, y));
                }
            }
        }
        assert_eq!((upscale(&src, 2.5).unwrap().width, upscale(&src, 2.5).unwrap().height), (18, 13));
        assert!(upscale(&src, 0.0).is_err());
        assert!(upscaled_size(8000, 8000, 4.0).unwrap_err().contains("out of memory"));
    }
}
