//! Video outputs: real MP4 files with an audio track (H.264 + AAC, `+faststart`), one per
//! duration (4, 6, 8 s) and aspect ratio (16:9 at 1280x720, 9:16 at 720x1280), made by
//! `scripts/make-video-fixtures.sh` and compiled in. The output switches that matter for a
//! copy are here too: an oversize MP4 (streamed, never built in memory), a file that is not an
//! MP4, a body held until the test releases it, and a connection dropped mid-body.

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
}

impl OutBody {
    pub fn oversize(input: &Value, total: u64) -> Self {
        OutBody::Oversize {
            head: header_of(fixture(input)),
            total,
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            OutBody::Bytes(b) => b.len() as u64,
            OutBody::Oversize { total, .. } => *total,
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
    async fn an_oversize_body_has_the_size_it_claims() {
        let out = OutBody::oversize(&serde_json::json!({"duration": 4}), 3 * CHUNK as u64 + 123);
        let chunks: Vec<Bytes> = out.chunks().collect().await;
        let n: usize = chunks.iter().map(Bytes::len).sum();
        assert_eq!(n as u64, out.len());
        assert_eq!(&chunks[0][4..8], b"ftyp");
    }
}
