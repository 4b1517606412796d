//! Mutations: bit flips, interesting bytes and integers, byte inserts and deletes, block
//! copies, splices with another input, and JSON-aware edits (a token swapped for a hostile
//! value, two tokens swapped, a key repeated, deep nesting).

/// xorshift64*: small, fast, reproducible from the seed printed by the run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.next_u64().is_multiple_of(one_in)
    }
}

/// Inputs never grow past this (the request limit is 64 KiB; the MP4 seeds are ~80 KiB).
pub const MAX_LEN: usize = 256 * 1024;

const JSON_VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e309",
    "-0",
    "1.5",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1e-400",
    "\"\"",
    "\" \"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\u202e\"",
    "\"a\\nb\"",
    "[]",
    "{}",
    "[[[[[[[[[[[[]]]]]]]]]]]]",
    "{\"a\":{\"a\":{\"a\":{}}}}",
    "\"imagen-4\"",
    "\"veo-3.1\"",
    "\"1:1\"",
    "\"16:9\"",
    "4",
    "8",
    "\"x\"",
    "NaN",
    "\"ＡＢＣ\"",
    "\"e\\u0301\"",
    "\"🐈\"",
];

const INTERESTING_U32: &[u32] = &[
    0,
    1,
    7,
    8,
    15,
    16,
    0x7f,
    0xff,
    0x100,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];

/// One to four stacked mutations of `input`; `other` is a second pool entry for splices.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        step(rng, &mut out, other);
    }
    out.truncate(MAX_LEN);
    out
}

fn step(rng: &mut Rng, b: &mut Vec<u8>, other: &[u8]) {
    match rng.below(12) {
        0 | 1 if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }
        2 if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] = [0, 0xff, 0x7f, 0x80, b'\n', b'"', b'{', b'}', b',', b'.', b' ', b'\\'][rng.below(12)];
        }
        3 if b.len() >= 4 => {
            // An interesting 32-bit integer, big- or little-endian (box sizes, RIFF lengths).
            let i = rng.below(b.len() - 3);
            let v = INTERESTING_U32[rng.below(INTERESTING_U32.len())];
            let bytes = if rng.chance(2) { v.to_be_bytes() } else { v.to_le_bytes() };
            b[i..i + 4].copy_from_slice(&bytes);
        }
        4 => {
            let i = rng.below(b.len() + 1);
            let n = 1 + rng.below(8);
            let fill: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            b.splice(i..i, fill);
        }
        5 if !b.is_empty() => {
            let i = rng.below(b.len());
            let n = 1 + rng.below((b.len() - i).min(64));
            b.drain(i..i + n);
        }
        6 if !b.is_empty() => {
            // Copy a block elsewhere (repeats a structure).
            let i = rng.below(b.len());
            let n = 1 + rng.below((b.len() - i).min(256));
            let block = b[i..i + n].to_vec();
            let at = rng.below(b.len() + 1);
            b.splice(at..at, block);
        }
        7 if !other.is_empty() => {
            // Splice: our head, the other's tail.
            let i = rng.below(b.len() + 1);
            let j = rng.below(other.len());
            b.truncate(i);
            b.extend_from_slice(&other[j..]);
        }
        8 if !b.is_empty() => {
            let cut = rng.below(b.len());
            b.truncate(cut);
        }
        _ => json_step(rng, b),
    }
}

/// Byte ranges of JSON tokens: strings (with quotes), numbers and bare words.
fn tokens(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 512 {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push((start, i));
            }
            c if c == b'-' || c.is_ascii_alphanumeric() => {
                let start = i;
                while i < b.len() && (b[i] == b'-' || b[i] == b'+' || b[i] == b'.' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push((start, i));
            }
            _ => i += 1,
        }
    }
    out
}

fn json_step(rng: &mut Rng, b: &mut Vec<u8>) {
    let toks = tokens(b);
    if toks.is_empty() {
        b.extend_from_slice(JSON_VALUES[rng.below(JSON_VALUES.len())].as_bytes());
        return;
    }
    let (s, e) = toks[rng.below(toks.len())];
    match rng.below(5) {
        0 | 1 => {
            let v = JSON_VALUES[rng.below(JSON_VALUES.len())].as_bytes().to_vec();
            b.splice(s..e, v);
        }
        2 => {
            // Swap two tokens (a key and a value, two values).
            let (s2, e2) = toks[rng.below(toks.len())];
            if e <= s2 || e2 <= s {
                let (a, c) = if s < s2 { ((s, e), (s2, e2)) } else { ((s2, e2), (s, e)) };
                let (ta, tc) = (b[a.0..a.1].to_vec(), b[c.0..c.1].to_vec());
                b.splice(c.0..c.1, ta);
                b.splice(a.0..a.1, tc);
            }
        }
        3 => {
            // Repeat `"key": value,` right after itself.
            if let Some(colon) = b[e..].iter().position(|&c| c == b':').map(|p| e + p) {
                let end = b[colon..]
                    .iter()
                    .position(|&c| c == b',' || c == b'}')
                    .map_or(b.len(), |p| colon + p);
                let mut pair = b[s..end].to_vec();
                pair.push(b',');
                b.splice(s..s, pair);
            }
        }
        _ => {
            // Wrap a token in nesting.
            let depth = 1 + rng.below(64);
            let tok = b[s..e].to_vec();
            let mut v = vec![b'['; depth];
            v.extend_from_slice(&tok);
            v.extend(std::iter::repeat_n(b']', depth));
            b.splice(s..e, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_inputs_and_stay_bounded() {
        let mut rng = Rng::new(7);
        let seed = br#"{"model": "imagen-4", "prompt": "a cat", "options": {"aspect_ratio": "1:1"}}"#;
        let mut changed = 0;
        for _ in 0..1000 {
            let m = mutate(&mut rng, seed, b"other");
            assert!(m.len() <= MAX_LEN);
            changed += usize::from(m != seed);
        }
        assert!(changed > 900, "{changed}");
        assert_eq!(tokens(br#"{"a": 1, "b": [true]}"#), vec![(1, 4), (6, 7), (9, 12), (15, 19)]);
    }
}
