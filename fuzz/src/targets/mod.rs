//! The five fuzz targets. Each splits its input into fields at the first few newlines (the last
//! field is the rest), so seeds stay readable and mutations move bytes between fields.
mod catalog;
mod cursor;
mod media;
mod request;
mod webhook;

/// A target: its name (the corpus directory) and the function run on each input.
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]) -> String,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "webhook",
        run: webhook::run,
    },
    Target {
        name: "request",
        run: request::run,
    },
    Target {
        name: "cursor",
        run: cursor::run,
    },
    Target {
        name: "catalog",
        run: catalog::run,
    },
    Target {
        name: "media",
        run: media::run,
    },
];

pub fn find(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

/// The first `N - 1` newline-separated fields and the rest (missing fields are empty).
pub(crate) fn fields<const N: usize>(data: &[u8]) -> [&[u8]; N] {
    let mut out = [&data[data.len()..]; N];
    let mut rest = data;
    for slot in out.iter_mut().take(N - 1) {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                *slot = &rest[..i];
                rest = &rest[i + 1..];
            }
            None => {
                *slot = rest;
                rest = &rest[rest.len()..];
            }
        }
    }
    out[N - 1] = rest;
    out
}

/// Lossy text of a field (what a header or query string parser would see after decoding).
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small deterministic number from the input, to pick positions without a second RNG.
pub(crate) fn pick(data: &[u8], salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for &b in data {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::fields;

    #[test]
    fn fields_split_at_the_first_newlines_and_keep_the_rest() {
        let [a, b, c] = fields::<3>(b"x\ny\nz\nw");
        assert_eq!((a, b, c), (&b"x"[..], &b"y"[..], &b"z\nw"[..]));
        let [a, b, c] = fields::<3>(b"only");
        assert_eq!((a, b, c), (&b"only"[..], &b""[..], &b""[..]));
    }
}
