//! MP4 checks on a stream: the file must open with an `ftyp` box; the top-level boxes are
//! walked as the bytes pass, keeping only `ftyp` and `moov` (bounded), so the header can be
//! read at the end whatever the file's size and wherever its `moov` is (`+faststart` puts it
//! first, other muxers last). Duration and dimensions come from the `moov` through Mozilla's
//! `mp4parse`.

/// What the header of a video says.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoInfo {
    /// Seconds, to the millisecond.
    pub duration_s: f64,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Mp4Error {
    #[error("not an MP4 file (it does not start with an ftyp box)")]
    NotMp4,
    #[error("MP4 box structure is damaged")]
    BadBox,
    #[error("the MP4 header (moov) is larger than {0} bytes")]
    MoovTooLarge(u64),
    #[error("the MP4 has no header (moov box)")]
    NoMoov,
    #[error("the MP4 header is unreadable: {0}")]
    Unreadable(String),
    #[error("the MP4 has no video track with a duration and dimensions")]
    NoVideo,
    #[error("the MP4 is cut short: the file ends inside a box")]
    Truncated,
}

/// Largest `moov` kept: far above a few minutes of video (a 8 s clip's is ~4 KB).
pub const MAX_MOOV_BYTES: u64 = 8 * 1024 * 1024;

enum State {
    /// Reading a box header (8 bytes, 16 with a 64-bit size).
    Header,
    /// Keeping the rest of a box's bytes (ftyp, moov).
    Keep(u64),
    /// Skipping the rest of a box's bytes (mdat, free, ...).
    Skip(u64),
    /// The last box runs to the end of the file (size 0).
    SkipToEnd,
}

/// Walks the top-level boxes of a stream, fed chunk by chunk.
pub struct Mp4Scanner {
    state: State,
    header: Vec<u8>,
    /// `ftyp` + `moov` as they were in the file.
    kept: Vec<u8>,
    seen_box: bool,
    has_moov: bool,
    max_moov: u64,
}

impl Default for Mp4Scanner {
    fn default() -> Self {
        Self::new(MAX_MOOV_BYTES)
    }
}

impl Mp4Scanner {
    pub fn new(max_moov: u64) -> Self {
        Self {
            state: State::Header,
            header: Vec::with_capacity(16),
            kept: Vec::new(),
            seen_box: false,
            has_moov: false,
            max_moov,
        }
    }

    /// Feeds the next bytes; an error as soon as the stream can't be an acceptable MP4.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), Mp4Error> {
        while !chunk.is_empty() {
            match &mut self.state {
                State::SkipToEnd => return Ok(()),
                State::Skip(left) => {
                    let n = (*left).min(chunk.len() as u64);
                    *left -= n;
                    chunk = &chunk[n as usize..];
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
                State::Keep(left) => {
                    let n = (*left).min(chunk.len() as u64);
                    self.kept.extend_from_slice(&chunk[..n as usize]);
                    *left -= n;
                    chunk = &chunk[n as usize..];
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
                State::Header => {
                    let need = if self.header.len() >= 8 && self.header[..4] == [0, 0, 0, 1] {
                        16
                    } else {
                        8
                    };
                    let take = (need - self.header.len()).min(chunk.len());
                    self.header.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    if self.header.len() == 8 && self.header[..4] == [0, 0, 0, 1] {
                        continue; // a 64-bit size follows
                    }
                    if self.header.len() == need {
                        self.start_box()?;
                    }
                }
            }
        }
        Ok(())
    }

    fn start_box(&mut self) -> Result<(), Mp4Error> {
        let h = std::mem::take(&mut self.header);
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let kind: [u8; 4] = [h[4], h[5], h[6], h[7]];
        let (size, header_len) = match size32 {
            1 => (u64::from_be_bytes(h[8..16].try_into().expect("16 bytes")), 16),
            0 => (0, 8),
            s => (s, 8),
        };
        if !self.seen_box && &kind != b"ftyp" {
            return Err(Mp4Error::NotMp4);
        }
        self.seen_box = true;
        if size != 0 && size < header_len {
            return Err(Mp4Error::BadBox);
        }
        let body = size.saturating_sub(header_len);
        let keep = &kind == b"ftyp" || &kind == b"moov";
        if keep {
            if size == 0 || size > self.max_moov {
                return Err(Mp4Error::MoovTooLarge(self.max_moov));
            }
            if &kind == b"moov" {
                if self.has_moov {
                    return Err(Mp4Error::BadBox);
                }
                self.has_moov = true;
            }
            self.kept.extend_from_slice(&h);
        }
        self.state = match (size, keep) {
            (0, _) => State::SkipToEnd,
            (_, _) if body == 0 => State::Header,
            (_, true) => State::Keep(body),
            (_, false) => State::Skip(body),
        };
        Ok(())
    }

    /// The stream ended: the header, read.
    pub fn finish(self) -> Result<VideoInfo, Mp4Error> {
        match self.state {
            State::Header if !self.header.is_empty() => return Err(Mp4Error::Truncated),
            State::Keep(_) | State::Skip(_) => return Err(Mp4Error::Truncated),
            _ => {}
        }
        if !self.seen_box {
            return Err(Mp4Error::NotMp4);
        }
        if !self.has_moov {
            return Err(Mp4Error::NoMoov);
        }
        read_header(&self.kept)
    }

    /// Bytes kept so far (`ftyp` + `moov`).
    pub fn kept_len(&self) -> usize {
        self.kept.len()
    }
}

/// Duration and dimensions from `ftyp` + `moov` bytes: the first video track's.
pub fn read_header(ftyp_moov: &[u8]) -> Result<VideoInfo, Mp4Error> {
    let ctx = mp4parse::read_mp4(&mut std::io::Cursor::new(ftyp_moov)).map_err(|e| Mp4Error::Unreadable(format!("{e:?}")))?;
    let track = ctx
        .tracks
        .iter()
        .find(|t| t.track_type == mp4parse::TrackType::Video)
        .ok_or(Mp4Error::NoVideo)?;
    let (width, height) = video_size(track).ok_or(Mp4Error::NoVideo)?;
    let duration_s = match (&track.duration, &track.timescale) {
        (Some(d), Some(ts)) if ts.0 > 0 => d.0 as f64 / ts.0 as f64,
        _ => return Err(Mp4Error::NoVideo),
    };
    if width == 0 || height == 0 || !duration_s.is_finite() || duration_s <= 0.0 {
        return Err(Mp4Error::NoVideo);
    }
    Ok(VideoInfo {
        duration_s: (duration_s * 1000.0).round() / 1000.0,
        width,
        height,
    })
}

/// The sample entry's coded size, else the track header's (16.16 fixed point).
fn video_size(track: &mp4parse::Track) -> Option<(u32, u32)> {
    let from_entry = track.stsd.as_ref().and_then(|stsd| {
        stsd.descriptions.iter().find_map(|d| match d {
            mp4parse::SampleEntry::Video(v) => Some((u32::from(v.width), u32::from(v.height))),
            _ => None,
        })
    });
    from_entry.or_else(|| track.tkhd.as_ref().map(|t| (t.width >> 16, t.height >> 16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture the simulator serves: 6 s, 720x1280, H.264 + AAC, `+faststart`.
    const CLIP: &[u8] = include_bytes!("../../../local/src/simulator/fixtures/veo-6s-9x16.mp4");

    /// The top-level boxes of a file: (kind, whole box bytes).
    fn boxes(file: &[u8]) -> Vec<([u8; 4], &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < file.len() {
            let size = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            out.push((file[at + 4..at + 8].try_into().unwrap(), &file[at..at + size]));
            at += size;
        }
        out
    }

    fn scan(file: &[u8], chunk: usize) -> (Result<VideoInfo, Mp4Error>, usize) {
        let mut s = Mp4Scanner::default();
        for c in file.chunks(chunk) {
            if let Err(e) = s.feed(c) {
                return (Err(e), s.kept_len());
            }
        }
        let kept = s.kept_len();
        (s.finish(), kept)
    }

    fn expected() -> VideoInfo {
        VideoInfo {
            duration_s: 6.0,
            width: 720,
            height: 1280,
        }
    }

    #[test]
    fn a_real_clip_gives_its_duration_and_size_in_any_chunking() {
        let header: usize = boxes(CLIP)
            .iter()
            .filter(|(k, _)| k == b"ftyp" || k == b"moov")
            .map(|(_, b)| b.len())
            .sum();
        for chunk in [1, 7, 16, 4096, CLIP.len()] {
            let (info, kept) = scan(CLIP, chunk);
            assert_eq!(info, Ok(expected()), "chunk {chunk}");
            assert_eq!(kept, header, "only ftyp and moov are kept");
        }
    }

    #[test]
    fn the_moov_may_come_after_the_media_and_a_64_bit_mdat_is_skipped() {
        let parts = boxes(CLIP);
        let get = |k: &[u8; 4]| parts.iter().find(|(kind, _)| kind == k).unwrap().1;
        let mdat_body = &get(b"mdat")[8..];
        let mut big_mdat = 1u32.to_be_bytes().to_vec();
        big_mdat.extend_from_slice(b"mdat");
        big_mdat.extend_from_slice(&(16 + mdat_body.len() as u64).to_be_bytes());
        big_mdat.extend_from_slice(mdat_body);
        let file = [get(b"ftyp"), &big_mdat, get(b"moov")].concat();
        assert_eq!(scan(&file, 1000).0, Ok(expected()));
    }

    #[test]
    fn what_is_not_an_mp4_is_refused_at_its_first_bytes() {
        let mut s = Mp4Scanner::default();
        assert_eq!(s.feed(b"<!doctype html><html>not a video</html>"), Err(Mp4Error::NotMp4));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(scan(png, 3).0, Err(Mp4Error::NotMp4));
        assert_eq!(Mp4Scanner::default().finish(), Err(Mp4Error::NotMp4));
    }

    #[test]
    fn a_cut_or_headless_file_is_refused() {
        assert_eq!(scan(&CLIP[..CLIP.len() - 100], 4096).0, Err(Mp4Error::Truncated));
        let parts = boxes(CLIP);
        let no_moov: Vec<u8> = parts.iter().filter(|(k, _)| k != b"moov").flat_map(|(_, b)| b.to_vec()).collect();
        assert_eq!(scan(&no_moov, 4096).0, Err(Mp4Error::NoMoov));
    }

    #[test]
    fn the_kept_header_is_bounded() {
        let mut s = Mp4Scanner::new(1024);
        let r = CLIP.chunks(512).try_for_each(|c| s.feed(c));
        assert_eq!(r, Err(Mp4Error::MoovTooLarge(1024)));
        assert!(s.kept_len() <= 1024);
    }
}
