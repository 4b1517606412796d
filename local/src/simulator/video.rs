//! Video outputs: real MP4 files with an audio track (H.264 + AAC, `+faststart`), one per
//! duration (4, 6, 8 s) and aspect ratio (16:9 at 1280x720, 9:16 at 720x1280), made by
//! `scripts/make-video-fixtures.sh` and compiled in. The output switches that matter for a
//! copy are here too: an oversize MP4 (streamed, never built in memory), a file that is not an
//! MP4, a maximal image (a real PNG padded to a given size, streamed), a body held until the
//! test releases it, and a connection dropped mid-body.

use axum::body::{Body, Bytes};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::server::Sim;

const FIXTURES: [(i64, &str, &[u8]); 6] = [
    (4, "16:9", include_bytes!("fixtures/veo-4s-16x9.mp4")),
    (4, "9:16", include_bytes!("fixtures/veo-4s-9x16.mp4")),
    (6, "16:9", include_bytes!("fixtures/veo-6s-16x9.mp4")),
    (6, "9:16", include_bytes!("fixtures/veo-6s-9x16.mp4")),
    (8, "16:9", include_bytes!("fixtures/veo-8s-16x9.mp4")),
    (8, "9:16", include_bytes!("fixtures/veo-8s-9x16.mp4")),
];

/// Chunk size of streamed bodies.
const CHUNK: usize = 64 * 1024;

/// The fixture for a Veo input: `duration` (default 8) and `aspect_ratio` (default 16:9).
pub fn fixture(input: &Value) -> &'static [u8] {
    let duration = input.get("duration").and_then(Value::as_i64).unwrap_or(8);
    let aspect = input.get("aspect_ratio").and_then(Value::as_str).unwrap_or("16:9");
    FIXTURES
        .iter()
        .find(|(d, a, _)| *d == duration && *a == aspect)
        .or_else(|| FIXTURES.iter().find(|(d, a, _)| *d == 8 && *a == aspect))
        .map_or(FIXTURES[4].2, |(_, _, b)| b)
}

/// The `ftyp` and `moov` boxes of a fixture (everything before its `mdat`).
fn header_of(mp4: &'static [u8]) -> &'static [u8] {
    let mut at = 0usize;
    while at + 8 <= mp4.len() {
        let size = u32::from_be_bytes([mp4[at], mp4[at + 1], mp4[at + 2], mp4[at + 3]]) as usize;
        if &mp4[at + 4..at + 8] == b"mdat" || size < 8 {
            return &mp4[..at];
        }
        at += size;
    }
    mp4
}

/// What one output file serves.
#[derive(Clone)]
pub(super) enum OutBody {
    /// These bytes.
    Bytes(Bytes),
    /// A real MP4 header then an `mdat` of zeros up to `total` bytes, generated while sent.
    Oversize { head: &'static [u8], total: u64 },
    /// A real PNG up to its `IEND`, then a private ancillary chunk (`vnPd`, which decoders
    /// skip) of `pad` zeros and its CRC, then `IEND`: a valid image, generated while sent.
    PaddedPng { head: Bytes, pad: u32, crc: u32 },
}

/// Bytes a PNG chunk adds around its data (length, type, CRC), and the `IEND` chunk.
const PNG_CHUNK_OVERHEAD: u64 = 12;
const PNG_IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
const PAD_TYPE: &[u8; 4] = b"vnPd";

/// The CRC-32 of `prefix` followed by `n` zero bytes, without the zeros: the hash of 2^k
/// zeros is doubled by combining it with itself.
fn crc_then_zeros(prefix: &[u8], mut n: u64) -> u32 {
    let mut acc = crc32fast::Hasher::new();
    acc.update(prefix);
    let mut pow = crc32fast::Hasher::new();
    pow.update(&[0]);
    while n > 0 {
        if n & 1 == 1 {
            acc.combine(&pow);
        }
        let twice = pow.clone();
        pow.combine(&twice);
        n >>= 1;
    }
    acc.finalize()
}

impl OutBody {
    pub fn oversize(input: &Value, total: u64) -> Self {
        OutBody::Oversize {
            head: header_of(fixture(input)),
            total,
        }
    }

    /// `png` padded to `total` bytes (as close as one chunk allows: at most 2 GiB of padding;
    /// a `total` smaller than the image leaves it as it is).
    pub fn padded_png(png: Vec<u8>, total: u64) -> Self {
        let head_len = png.len().saturating_sub(PNG_IEND.len());
        let room = total.saturating_sub(head_len as u64 + PNG_CHUNK_OVERHEAD + PNG_IEND.len() as u64);
        if total <= png.len() as u64 || !png.ends_with(&PNG_IEND) {
            return OutBody::Bytes(Bytes::from(png));
        }
        let pad = u32::try_from(room).unwrap_or(i32::MAX as u32).min(i32::MAX as u32);
        let mut head = png;
        head.truncate(head_len);
        OutBody::PaddedPng {
            head: Bytes::from(head),
            pad,
            crc: crc_then_zeros(PAD_TYPE, u64::from(pad)),
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            OutBody::Bytes(b) => b.len() as u64,
            OutBody::Oversize { total, .. } => *total,
            OutBody::PaddedPng { head, pad, .. } => head.len() as u64 + PNG_CHUNK_OVERHEAD + u64::from(*pad) + PNG_IEND.len() as u64,
        }
    }

    /// The body as a stream of chunks. Memory stays at one chunk whatever the size.
    fn chunks(&self) -> std::pin::Pin<Box<dyn Stream<Item = Bytes> + Send>> {
        match self.clone() {
            OutBody::Bytes(b) => {
                let n = b.len();
                Box::pin(stream::iter((0..n).step_by(CHUNK).map(move |i| b.slice(i..(i + CHUNK).min(n)))))
            }
            OutBody::Oversize { head, total } => {
                let mdat_len = total.saturating_sub(head.len() as u64);
                let mut mdat = Vec::with_capacity(16);
                mdat.extend_from_slice(&1u32.to_be_bytes());
                mdat.extend_from_slice(b"mdat");
                mdat.extend_from_slice(&mdat_len.to_be_bytes());
                let zeros = Bytes::from(vec![0u8; CHUNK]);
                let filler = mdat_len.saturating_sub(16);
                let full = (filler / CHUNK as u64) as usize;
                let rest = (filler % CHUNK as u64) as usize;
                let tail = zeros.slice(..rest);
                let head = stream::iter([Bytes::from_static(head), Bytes::from(mdat)]);
                let body = stream::iter(std::iter::repeat_n(zeros, full)).chain(stream::iter([tail]));
                Box::pin(head.chain(body).filter(|b| std::future::ready(!b.is_empty())))
            }
            OutBody::PaddedPng { head, pad, crc } => {
                let mut open = Vec::with_capacity(8);
                open.extend_from_slice(&pad.to_be_bytes());
                open.extend_from_slice(PAD_TYPE);
                let zeros = Bytes::from(vec![0u8; CHUNK]);
                let (full, rest) = (pad as usize / CHUNK, pad as usize % CHUNK);
                let tail = zeros.slice(..rest);
                let first = stream::iter([head, Bytes::from(open)]);
                let padding = stream::iter(std::iter::repeat_n(zeros, full)).chain(stream::iter([tail]));
                let close = stream::iter([Bytes::from(crc.to_be_bytes().to_vec()), Bytes::from_static(&PNG_IEND)]);
                Box::pin(first.chain(padding).chain(close).filter(|b| std::future::ready(!b.is_empty())))
            }
        }
    }
}

/// How a download of an output behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    Normal,
    /// Nothing is sent after the headers until [`Sim::release_outputs`].
    HeldUntilReleased,
    /// Half the body is sent, then the connection is dropped.
    Dropped,
}

/// The response body of one download; counts it in `outputs_served` once fully sent.
pub(super) fn body(sim: Arc<Sim>, out: &OutBody, delivery: Delivery) -> Body {
    let total = out.len();
    let mut sent = 0u64;
    let held = delivery == Delivery::HeldUntilReleased;
    let gate = sim.clone();
    let wait = stream::once(async move {
        if held {
            let mut rx = gate.outputs_released.subscribe();
            let _ = rx.wait_for(|released| *released).await;
        }
        Ok::<Option<Bytes>, std::io::Error>(None)
    });
    let chunks = out.chunks().map(move |chunk| {
        if delivery == Delivery::Dropped && sent >= total / 2 {
            return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "simulated drop"));
        }
        sent += chunk.len() as u64;
        if sent == total {
            sim.stats.outputs_served.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Some(chunk))
    });
    let all = wait.chain(chunks).filter_map(|r| std::future::ready(r.transpose()));
    // Stop at the first error: the connection is cut there.
    let mut failed = false;
    let cut = all.take_while(move |r| {
        let go = !failed;
        failed |= r.is_err();
        std::future::ready(go)
    });
    Body::from_stream(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_and_aspect_has_its_fixture() {
        for d in [4, 6, 8] {
            for a in ["16:9", "9:16"] {
                let f = fixture(&serde_json::json!({"duration": d, "aspect_ratio": a}));
                assert_eq!(&f[4..8], b"ftyp");
                assert!(f.len() > 20_000 && f.len() < 1_000_000, "{}", f.len());
            }
        }
        let h = header_of(fixture(&serde_json::json!({})));
        assert!(h.windows(4).any(|w| w == b"moov"));
    }

    #[tokio::test]
    async fn a_padded_png_is_a_valid_png_of_the_size_asked_for() {
        let png = super::super::image::render_png(&serde_json::json!({"prompt": "pad"}), 0, 64);
        let total = 3 * CHUNK as u64 + 777;
        let out = OutBody::padded_png(png.clone(), total);
        assert_eq!(out.len(), total);
        let chunks: Vec<Bytes> = out.chunks().collect().await;
        let bytes: Vec<u8> = chunks.concat();
        assert_eq!(bytes.len() as u64, total);
        // The `png` crate checks every chunk's CRC and decodes the same pixels.
        let decode = |b: &[u8]| {
            let mut r = png::Decoder::new(std::io::Cursor::new(b.to_vec())).read_info().unwrap();
            let mut buf = vec![0; r.output_buffer_size()];
            r.next_frame(&mut buf).unwrap();
            buf
        };
        assert_eq!(decode(&bytes), decode(&png));
        // Smaller than the image: the image as it is.
        assert_eq!(OutBody::padded_png(png.clone(), 10).len(), png.len() as u64);
    }

    #[test]
    fn the_crc_of_zeros_is_computed_without_them() {
        for n in [0u64, 1, 2, 3, 65_536, 70_001] {
            let mut h = crc32fast::Hasher::new();
            h.update(PAD_TYPE);
            h.update(&vec![0u8; n as usize]);
            assert_eq!(crc_then_zeros(PAD_TYPE, n), h.finalize(), "{n}");
        }
    }

    #[tokio::test]
    async fn an_oversize_body_has_the_size_it_claims() {
        let out = OutBody::oversize(&serde_json::json!({"duration": 4}), 3 * CHUNK as u64 + 123);
        let chunks: Vec<Bytes> = out.chunks().collect().await;
        let n: usize = chunks.iter().map(Bytes::len).sum();
        assert_eq!(n as u64, out.len());
        assert_eq!(&chunks[0][4..8], b"ftyp");
    }
}
