//! Storage budget (docs/decisions/0003-storage-budget.md): what one user keeps in the bucket,
//! counted in bytes and held to a limit the way money is. Plain numbers, no AWS.
//!
//! `stored` is the sum of the `bytes` of the user's asset records (uploads and outputs): it
//! changes only in the transaction that writes or deletes such a record. `committed` is
//! `stored` plus the declared bytes of uploads announced and not yet completed, refused or
//! expired: what a new upload is checked against, as `committed_micros` is for money.
use serde::Serialize;

/// One MB of a limit, in bytes (decimal, as `MAX_VIDEO_BYTES`' "500 MB").
pub const MB: u64 = 1_000_000;

/// `STORAGE_LIMIT_MB`'s default: each user's stored bytes, uploads and results together.
pub const DEFAULT_STORAGE_LIMIT_MB: &str = "5000";

/// A user's limits: money per month, and bytes stored. The admin may give a user their own
/// (the `limit` item of store::usage); else the configured defaults apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub monthly: crate::domain::Micros,
    pub storage_bytes: u64,
}

/// A user's storage count: the `storage` item of their usage partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StorageUsage {
    /// Bytes of the user's asset records.
    pub stored: u64,
    /// `stored` plus the declared bytes of pending uploads.
    pub committed: u64,
    /// How many asset records `stored` sums.
    pub files: u64,
}

impl StorageUsage {
    /// Declared bytes of uploads announced and not settled yet.
    pub fn reserved(&self) -> u64 {
        self.committed.saturating_sub(self.stored)
    }

    /// Whether `declared` more bytes may be reserved under `limit`.
    pub fn fits(&self, declared: u64, limit: u64) -> bool {
        declared <= limit && self.committed <= limit - declared
    }

    /// Whether a generation may start: its outputs are sized only once copied, so it needs
    /// room left (the count below the limit), not room for a guess.
    pub fn has_room(&self, limit: u64) -> bool {
        self.committed < limit
    }
}

/// Parses a decimal number of MB (`"5000"`, `"0.5"`, `"12.345678"`) into bytes, without floats.
pub fn parse_mb(s: &str) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || frac.len() > 6 || !digits(whole) || !digits(frac) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
    whole.checked_mul(MB)?.checked_add(frac)
}

/// Bytes as the decimal MB an admin writes (`500000` → `"0.5"`), the inverse of [`parse_mb`].
pub fn mb_string(bytes: u64) -> String {
    let s = format!("{}.{:06}", bytes / MB, bytes % MB);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bytes for a person: `"1.5 MB"`, `"812 KB"`, `"12 bytes"` (decimal units, one decimal at most).
pub fn human_bytes(bytes: u64) -> String {
    let tenths = |unit: u64| {
        let t = (bytes * 10 + unit / 2) / unit;
        if t.is_multiple_of(10) {
            format!("{}", t / 10)
        } else {
            format!("{}.{}", t / 10, t % 10)
        }
    };
    match bytes {
        b if b >= 1_000_000_000 => format!("{} GB", tenths(1_000_000_000)),
        b if b >= MB => format!("{} MB", tenths(MB)),
        b if b >= 1000 => format!("{} KB", tenths(1000)),
        1 => "1 byte".into(),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mb_parse_exactly_and_round_trip() {
        assert_eq!(parse_mb("5000"), Some(5_000_000_000));
        assert_eq!(parse_mb("0.5"), Some(500_000));
        assert_eq!(parse_mb(" 12.345678 "), Some(12_345_678));
        assert_eq!(parse_mb("0"), Some(0));
        for bad in ["", "-1", "1.2345678", "1e3", "1,5", ".5", "five", "18446744073709551616"] {
            assert_eq!(parse_mb(bad), None, "{bad:?}");
        }
        for b in [0, 1, 500_000, 12_345_678, 5_000_000_000] {
            assert_eq!(parse_mb(&mb_string(b)), Some(b));
        }
        assert_eq!(mb_string(2_500_000), "2.5");
        assert_eq!(parse_mb(DEFAULT_STORAGE_LIMIT_MB), Some(5_000 * MB));
    }

    #[test]
    fn an_upload_fits_only_within_the_limit_with_the_reservations() {
        let u = StorageUsage {
            stored: 600,
            committed: 900,
            files: 2,
        };
        assert_eq!(u.reserved(), 300);
        assert!(u.fits(100, 1000));
        assert!(!u.fits(101, 1000));
        assert!(!u.fits(2000, 1000), "more than the whole limit, no overflow");
        assert!(StorageUsage::default().fits(1000, 1000));
        assert!(!StorageUsage::default().fits(1, 0));
    }

    #[test]
    fn a_generation_needs_room_left() {
        let full = StorageUsage {
            stored: 1000,
            committed: 1000,
            files: 1,
        };
        assert!(!full.has_room(1000));
        assert!(full.has_room(1001));
        assert!(!StorageUsage::default().has_room(0), "a limit of 0 refuses everything");
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 bytes");
        assert_eq!(human_bytes(1), "1 byte");
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1500), "1.5 KB");
        assert_eq!(human_bytes(20 * 1024 * 1024), "21 MB");
        assert_eq!(human_bytes(1_250_000), "1.3 MB");
        assert_eq!(human_bytes(5_000_000_000), "5 GB");
    }
}
