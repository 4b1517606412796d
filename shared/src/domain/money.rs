use serde::{Deserialize, Serialize};
use std::fmt;

/// Money as integer micro-dollars (1 USD = 1_000_000). No floats in accounting: the only float
/// is the JSON number shown to clients, made at the edge by [`Micros::usd`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    pub const ZERO: Micros = Micros(0);

    /// A JSON number for display: `40000` → `0.04`. Exact for every amount a person sees,
    /// because a micro-dollar value has at most 6 decimals and f64 keeps 15 significant digits.
    pub fn usd(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// Parses a decimal dollar amount such as `"20"`, `"0.04"` or `"12.345678"` without floats.
    pub fn parse_usd(s: &str) -> Option<Micros> {
        let s = s.trim();
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() || frac.len() > 6 || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac_val: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<6}").parse().ok()? };
        whole.checked_mul(1_000_000)?.checked_add(frac_val).map(Micros)
    }

    /// The amount as a plain decimal for storage that a person edits: `12500000` → `"12.5"`.
    pub fn usd_string(self) -> String {
        let s = format!("{}.{:06}", self.0 / 1_000_000, (self.0 % 1_000_000).abs());
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }

    pub fn checked_mul(self, n: i64) -> Option<Micros> {
        self.0.checked_mul(n).map(Micros)
    }
    pub fn saturating_sub(self, o: Micros) -> Micros {
        Micros(self.0.saturating_sub(o.0))
    }
}

impl std::ops::Add for Micros {
    type Output = Micros;
    fn add(self, o: Micros) -> Micros {
        Micros(self.0 + o.0)
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cents always, more digits only when they matter: $0.04, $20.00, $1.234567.
        let frac = format!("{:06}", (self.0 % 1_000_000).abs());
        let frac = frac.trim_end_matches('0');
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}${}.{frac:0<2}", (self.0 / 1_000_000).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_as_a_plain_decimal_that_parses_back() {
        for m in [0, 1, 40_000, 5_000_000, 12_500_000, 123_456_789] {
            let s = Micros(m).usd_string();
            assert_eq!(Micros::parse_usd(&s), Some(Micros(m)), "{s}");
        }
        assert_eq!(Micros(12_500_000).usd_string(), "12.5");
        assert_eq!(Micros(5_000_000).usd_string(), "5");
    }

    #[test]
    fn parses_dollars_exactly() {
        assert_eq!(Micros::parse_usd("20"), Some(Micros(20_000_000)));
        assert_eq!(Micros::parse_usd("0.04"), Some(Micros(40_000)));
        assert_eq!(Micros::parse_usd("0.039"), Some(Micros(39_000)));
        assert_eq!(Micros::parse_usd("1.000001"), Some(Micros(1_000_001)));
        for bad in ["", "-1", "1.0000001", "abc", "1e3", ".5"] {
            assert_eq!(Micros::parse_usd(bad), None, "{bad}");
        }
    }

    #[test]
    fn shows_as_json_dollars() {
        assert_eq!(serde_json::json!(Micros(40_000).usd()).to_string(), "0.04");
        assert_eq!(serde_json::json!(Micros(39_000).usd()).to_string(), "0.039");
        assert_eq!(Micros(1_234_567).to_string(), "$1.234567");
        assert_eq!(Micros(40_000).to_string(), "$0.04");
        assert_eq!(Micros(20_000_000).to_string(), "$20.00");
        assert_eq!(Micros(2_500).to_string(), "$0.0025");
    }
}
