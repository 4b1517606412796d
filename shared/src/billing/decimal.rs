//! Decimal quantities read from JSON number text, never through a float: Replicate's
//! `predict_time` (`4.532184`) or `video_output_duration_seconds` (`8.0`) become an exact
//! integer and a power of ten, and a price times a quantity is rounded once, up, to the
//! micro-dollar. With `f64`, `0.1 + 0.2` seconds at $1/s would be 300001 µ$, not 300000.

/// The most digits after the point a quantity may have (after its exponent is applied).
/// Replicate reports times to the microsecond; 18 leaves room and keeps products in `u128`.
pub const MAX_SCALE: u32 = 18;

/// The largest quantity accepted: 10^15 (thirty million years of seconds).
const MAX_UNITS_WHOLE: u128 = 1_000_000_000_000_000;

/// A non-negative decimal: `units / 10^scale`, exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    units: u128,
    scale: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("{0:?} is not a JSON number")]
    NotANumber(String),
    #[error("{0:?} is negative")]
    Negative(String),
    #[error("{0:?} has more than {MAX_SCALE} digits after the point or is too large")]
    OutOfRange(String),
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// A whole number.
    pub fn whole(n: u64) -> Self {
        Self {
            units: u128::from(n),
            scale: 0,
        }
    }

    /// `units / 10^scale`, or `None` past [`MAX_SCALE`] or the largest quantity.
    pub fn new(units: u128, scale: u32) -> Option<Self> {
        let d = Self { units, scale };
        (scale <= MAX_SCALE && d.whole_part() <= MAX_UNITS_WHOLE).then_some(d)
    }

    pub fn units(self) -> u128 {
        self.units
    }

    pub fn scale(self) -> u32 {
        self.scale
    }

    fn whole_part(self) -> u128 {
        self.units / 10u128.pow(self.scale)
    }

    /// Parses a JSON number's text (`12`, `4.532`, `1.5e-3`, `2E2`) exactly. Trailing zeros are
    /// kept in the scale (`8.0` is 80 / 10), which changes nothing in what it is worth.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        let bad = || DecimalError::NotANumber(text.to_string());
        let t = text.trim();
        if let Some(rest) = t.strip_prefix('-') {
            // "-0" and "-0.0" are zero; anything else below zero is refused.
            return match Self::parse(rest) {
                Ok(d) if d.units == 0 => Ok(Self::ZERO),
                Ok(_) => Err(DecimalError::Negative(text.to_string())),
                Err(DecimalError::OutOfRange(_)) => Err(DecimalError::Negative(text.to_string())),
                Err(_) => Err(bad()),
            };
        }
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        // JSON: an integer part without a leading zero (but "0"), a non-empty fraction if any.
        if int.is_empty()
            || !digits(int)
            || !digits(frac)
            || (int.len() > 1 && int.starts_with('0'))
            || (mantissa.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let exp: i64 = match exp {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if unsigned.is_empty() || !digits(unsigned) || unsigned.len() > 6 {
                    return Err(bad());
                }
                e.parse().map_err(|_| bad())?
            }
        };
        let range = || DecimalError::OutOfRange(text.to_string());
        let all = format!("{int}{frac}");
        let significant = all.trim_start_matches('0');
        if significant.len() > 36 {
            return Err(range());
        }
        let units: u128 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| range())?
        };
        // value = units × 10^(exp − frac digits)
        let shift = exp - frac.len() as i64;
        let (units, scale) = if shift >= 0 {
            let m = 10u128.checked_pow(u32::try_from(shift).map_err(|_| range())?).ok_or_else(range)?;
            (units.checked_mul(m).ok_or_else(range)?, 0)
        } else {
            (units, u32::try_from(-shift).map_err(|_| range())?)
        };
        if units == 0 {
            return Ok(Self::ZERO);
        }
        Self::new(units, scale).ok_or_else(range)
    }

    /// `self × numerator / denominator`, rounded up to a whole number: the one rounding of a
    /// provider cost (e.g. seconds × µ$ a second / 1, or tokens × µ$ / 1000). `None` on
    /// overflow or a denominator of zero.
    pub fn mul_div_ceil(self, numerator: u64, denominator: u64) -> Option<u64> {
        if denominator == 0 {
            return None;
        }
        let top = self.units.checked_mul(u128::from(numerator))?;
        let bottom = 10u128.pow(self.scale).checked_mul(u128::from(denominator))?;
        u64::try_from(top.div_ceil(bottom)).ok()
    }

    /// The sum, exactly (at the larger scale). `None` past the range.
    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(o.scale);
        let a = self.units.checked_mul(10u128.pow(scale - self.scale))?;
        let b = o.units.checked_mul(10u128.pow(scale - o.scale))?;
        Self::new(a.checked_add(b)?, scale)
    }

    /// Whether two decimals are worth the same (`8` and `8.0` are).
    pub fn same_value(self, o: Decimal) -> bool {
        let scale = self.scale.max(o.scale);
        let a = self.units * 10u128.pow(scale - self.scale);
        let b = o.units * 10u128.pow(scale - o.scale);
        a == b
    }
}

impl std::fmt::Display for Decimal {
    /// Plain decimal text, as parsed (`4.532184`, `8.0`, `12`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let p = 10u128.pow(self.scale);
        write!(f, "{}.{:0width$}", self.units / p, self.units % p, width = self.scale as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn json_number_text_is_read_exactly() {
        assert_eq!((d("4.532184").units(), d("4.532184").scale()), (4_532_184, 6));
        assert_eq!((d("12").units(), d("12").scale()), (12, 0));
        assert_eq!((d("8.0").units(), d("8.0").scale()), (80, 1));
        assert!(d("8.0").same_value(d("8")));
        assert!(d("1.5e-3").same_value(d("0.0015")));
        assert!(d("2E2").same_value(d("200")));
        assert!(d("2e+2").same_value(d("200")));
        assert!(d("0.000001").same_value(Decimal::new(1, 6).unwrap()));
        assert_eq!(d("-0"), Decimal::ZERO);
        assert_eq!(d("0e5"), Decimal::ZERO);
        assert_eq!(d("4.532184").to_string(), "4.532184");
        assert_eq!(d("8.0").to_string(), "8.0");
        assert_eq!(d("0.05").to_string(), "0.05");
    }

    #[test]
    fn what_is_not_a_non_negative_json_number_is_refused() {
        for bad in [
            "",
            "abc",
            "1.",
            ".5",
            "01",
            "1e",
            "1e+",
            "0x10",
            "1,5",
            "NaN",
            "inf",
            "1.2.3",
            "\"4.5\"",
            "1e1234567",
        ] {
            assert!(matches!(Decimal::parse(bad), Err(DecimalError::NotANumber(_))), "{bad}");
        }
        assert!(matches!(Decimal::parse("-4.5"), Err(DecimalError::Negative(_))));
        assert!(matches!(Decimal::parse("1e-19"), Err(DecimalError::OutOfRange(_))));
        assert!(matches!(Decimal::parse("1e16"), Err(DecimalError::OutOfRange(_))));
        assert!(matches!(Decimal::parse(&"9".repeat(40)), Err(DecimalError::OutOfRange(_))));
        assert!(Decimal::parse("1e15").is_ok());
        assert!(Decimal::parse("0.000000000000000001").is_ok());
    }

    #[test]
    fn a_cost_is_rounded_once_and_up_to_the_micro_dollar() {
        // 4.532184 s at 225 µ$/s (an Nvidia T4) = 1019.7414 µ$ → 1020.
        assert_eq!(d("4.532184").mul_div_ceil(225, 1), Some(1020));
        // Exact products are not rounded.
        assert_eq!(d("2.0").mul_div_ceil(975, 1), Some(1950));
        assert_eq!(d("0").mul_div_ceil(1400, 1), Some(0));
        // Tokens: 1234 × 250 µ$ / 1000 = 308.5 → 309.
        assert_eq!(d("1234").mul_div_ceil(250, 1000), Some(309));
        assert_eq!(d("1").mul_div_ceil(1, 0), None);
    }

    #[test]
    fn decimals_that_floats_get_wrong_stay_exact() {
        // 0.1 + 0.2 in f64 is 0.30000000000000004: at $1 a second a float charges 300001 µ$.
        let sum = d("0.1").checked_add(d("0.2")).unwrap();
        assert!(sum.same_value(d("0.3")));
        assert_eq!(sum.mul_div_ceil(1_000_000, 1), Some(300_000));
        assert_eq!(((0.1f64 + 0.2) * 1_000_000.0).ceil() as u64, 300_001, "what the float would say");
        // 4.35 s × 100 in f64 is 434.99999999999994.
        assert_eq!(d("4.35").mul_div_ceil(100, 1), Some(435));
    }
}
