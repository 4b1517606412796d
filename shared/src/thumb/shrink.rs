//! Area-average downscaling, one source row at a time: the whole source image is never held.
//! Each output pixel is the mean of the source pixels its box covers (a box filter, which for
//! a shrink of 2× or more is what a thumbnail needs), accumulated in 64-bit sums.

/// Shrinks RGB rows of `src` size into `dst` size (each side ≤ the source's).
pub struct Shrinker {
    src: (u32, u32),
    dst: (u32, u32),
    /// The output column of each source column.
    col_to_dst: Vec<u32>,
    /// How many source columns each output column averages.
    cols_per_dst: Vec<u32>,
    sums: Vec<u64>,
    rows_in_sum: u32,
    src_row: u32,
    out: Vec<u8>,
}

fn bucket(i: u32, from: u32, to: u32) -> u32 {
    ((u64::from(i) * u64::from(to)) / u64::from(from)) as u32
}

impl Shrinker {
    pub fn new(src: (u32, u32), dst: (u32, u32)) -> Self {
        let col_to_dst: Vec<u32> = (0..src.0).map(|x| bucket(x, src.0, dst.0)).collect();
        let mut cols_per_dst = vec![0u32; dst.0 as usize];
        for &c in &col_to_dst {
            cols_per_dst[c as usize] += 1;
        }
        Self {
            src,
            dst,
            col_to_dst,
            cols_per_dst,
            sums: vec![0; dst.0 as usize * 3],
            rows_in_sum: 0,
            src_row: 0,
            out: Vec::with_capacity(dst.0 as usize * dst.1 as usize * 3),
        }
    }

    /// Adds the next source row (RGB, `src.0 * 3` bytes; extra source rows are ignored).
    pub fn push(&mut self, rgb: &[u8]) {
        if self.src_row >= self.src.1 {
            return;
        }
        for (x, px) in rgb.chunks_exact(3).take(self.src.0 as usize).enumerate() {
            let d = self.col_to_dst[x] as usize * 3;
            self.sums[d] += u64::from(px[0]);
            self.sums[d + 1] += u64::from(px[1]);
            self.sums[d + 2] += u64::from(px[2]);
        }
        self.rows_in_sum += 1;
        let this = bucket(self.src_row, self.src.1, self.dst.1);
        self.src_row += 1;
        let next = if self.src_row < self.src.1 {
            bucket(self.src_row, self.src.1, self.dst.1)
        } else {
            u32::MAX
        };
        if next != this {
            for (i, s) in self.sums.iter_mut().enumerate() {
                let n = u64::from(self.cols_per_dst[i / 3]) * u64::from(self.rows_in_sum);
                self.out.push(((*s + n / 2) / n.max(1)) as u8);
                *s = 0;
            }
            self.rows_in_sum = 0;
        }
    }

    /// The output pixels (RGB, row-major); rows never pushed are black.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.resize(self.dst.0 as usize * self.dst.1 as usize * 3, 0);
        self.out
    }
}

/// The size a `side`-pixel-long-side thumbnail of `w`×`h` has (never larger than the source,
/// at least 1×1).
pub fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= side {
        return (w.max(1), h.max(1));
    }
    let scale = |v: u32| ((u64::from(v) * u64::from(side) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    (scale(w), scale(h))
}

/// Converts one row of `channels` 8-bit samples (gray, gray+alpha, RGB, RGBA) to RGB, alpha
/// composited over white (the gallery's tiles are light in both themes' image frames).
pub fn to_rgb(row: &[u8], channels: usize, out: &mut Vec<u8>) {
    out.clear();
    let over_white = |v: u8, a: u8| ((u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
    for px in row.chunks_exact(channels) {
        match channels {
            1 => out.extend_from_slice(&[px[0]; 3]),
            2 => out.extend_from_slice(&[over_white(px[0], px[1]); 3]),
            3 => out.extend_from_slice(px),
            _ => out.extend_from_slice(&[over_white(px[0], px[3]), over_white(px[1], px[3]), over_white(px[2], px[3])]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shrink_averages_each_box() {
        // 4×2 → 2×1: left box all 10, right box 0 and 200 (mean 100).
        let mut s = Shrinker::new((4, 2), (2, 1));
        s.push(&[10, 10, 10, 10, 10, 10, 0, 0, 0, 200, 200, 200]);
        s.push(&[10, 10, 10, 10, 10, 10, 0, 0, 0, 200, 200, 200]);
        assert_eq!(s.finish(), vec![10, 10, 10, 100, 100, 100]);
    }

    #[test]
    fn uneven_boxes_cover_every_source_pixel_once() {
        // 5 columns into 2: boxes of 3 and 2 (or 2 and 3), each a mean of its own columns.
        let mut s = Shrinker::new((5, 1), (2, 1));
        s.push(&[30, 30, 30, 30, 30, 30, 30, 30, 30, 90, 90, 90, 90, 90, 90]);
        let out = s.finish();
        assert_eq!(out.len(), 6);
        assert!(out[0] == 30 || out[0] == 45, "{out:?}");
        assert!(out[3] == 90 || out[3] == 70, "{out:?}");
    }

    #[test]
    fn the_long_side_is_fitted_and_nothing_is_enlarged() {
        assert_eq!(fit(8000, 5000, 384), (384, 240));
        assert_eq!(fit(5000, 8000, 384), (240, 384));
        assert_eq!(fit(200, 100, 384), (200, 100));
        assert_eq!(fit(20000, 10, 384), (384, 1));
    }

    #[test]
    fn alpha_is_composited_over_white() {
        let mut out = Vec::new();
        to_rgb(&[0, 0, 0, 0, 0, 0, 0, 255], 4, &mut out);
        assert_eq!(out, vec![255, 255, 255, 0, 0, 0]);
        to_rgb(&[7, 255], 2, &mut out);
        assert_eq!(out, vec![7, 7, 7]);
    }
}
