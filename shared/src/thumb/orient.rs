//! EXIF orientation (tag 0x0112) of a JPEG, applied to the small thumbnail: a phone photo
//! stored sideways shows upright, as the browser shows the full image (`image-orientation:
//! from-image`, its default).

/// The orientation (1–8) in a TIFF block as jpeg-decoder returns a JPEG's EXIF (starting at
/// the byte-order mark); 1 (as stored) when absent or unreadable.
pub fn exif_orientation(tiff: &[u8]) -> u16 {
    let le = match tiff.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return 1,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b = tiff.get(i..i + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b = tiff.get(i..i + 4)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    };
    let find = || -> Option<u16> {
        let ifd = u32_at(4)? as usize;
        let count = u16_at(ifd)? as usize;
        (0..count.min(256)).find_map(|i| {
            let entry = ifd + 2 + i * 12;
            (u16_at(entry)? == 0x0112).then(|| u16_at(entry + 8)).flatten()
        })
    };
    find().filter(|o| (1..=8).contains(o)).unwrap_or(1)
}

/// Turns an RGB image stored with `orientation` upright; returns the pixels and their size.
pub fn upright(rgb: Vec<u8>, w: u32, h: u32, orientation: u16) -> (Vec<u8>, u32, u32) {
    if orientation <= 1 || orientation > 8 {
        return (rgb, w, h);
    }
    let (w, h) = (w as usize, h as usize);
    let swap = orientation >= 5;
    let (ow, oh) = if swap { (h, w) } else { (w, h) };
    let mut out = vec![0u8; rgb.len()];
    for y in 0..h {
        for x in 0..w {
            // Where the stored pixel (x, y) goes in the upright image.
            let (nx, ny) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                _ => (y, w - 1 - x),
            };
            let (s, d) = ((y * w + x) * 3, (ny * ow + nx) * 3);
            out[d..d + 3].copy_from_slice(&rgb[s..s + 3]);
        }
    }
    (out, ow as u32, oh as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_orientation_tag_is_read_in_either_byte_order() {
        // II, 42, IFD at 8; one entry: 0x0112 SHORT 1 value 6.
        let le = [b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0];
        assert_eq!(exif_orientation(&le), 6);
        let be = [b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0];
        assert_eq!(exif_orientation(&be), 8);
        assert_eq!(exif_orientation(b"junk"), 1);
        assert_eq!(exif_orientation(&le[..12]), 1);
    }

    #[test]
    fn a_sideways_photo_is_turned_upright() {
        // 2×1 stored: red, green. Orientation 6 (rotate 90° clockwise): 1×2, red on top.
        let (px, w, h) = upright(vec![255, 0, 0, 0, 255, 0], 2, 1, 6);
        assert_eq!((w, h), (1, 2));
        assert_eq!(px, vec![255, 0, 0, 0, 255, 0]);
        // Orientation 8 (rotate 90° counter-clockwise): green on top.
        let (px, _, _) = upright(vec![255, 0, 0, 0, 255, 0], 2, 1, 8);
        assert_eq!(px, vec![0, 255, 0, 255, 0, 0]);
        let (px, _, _) = upright(vec![255, 0, 0, 0, 255, 0], 2, 1, 3);
        assert_eq!(px, vec![0, 255, 0, 255, 0, 0]);
    }
}
