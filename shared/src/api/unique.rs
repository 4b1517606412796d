//! A JSON object whose keys must be distinct. serde_json keeps the last of repeated keys without
//! a word, so `{"seed": 1, "seed": 2}` would run with a value the caller may not have meant;
//! request objects that are maps (a job's `options`) are read with [`unique_keys`] instead.
use serde::Deserializer;
use serde::de::{Error, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// `#[serde(deserialize_with = "unique_keys")]` for a `Map<String, Value>` field.
pub fn unique_keys<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    struct Unique;
    impl<'de> Visitor<'de> for Unique {
        type Value = Map<String, Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = Map::new();
            while let Some((key, value)) = access.next_entry::<String, Value>()? {
                if map.contains_key(&key) {
                    return Err(A::Error::custom(format_args!("the key `{key}` is given twice")));
                }
                map.insert(key, value);
            }
            Ok(map)
        }
    }
    d.deserialize_map(Unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Body {
        #[serde(default, deserialize_with = "unique_keys")]
        options: Map<String, Value>,
    }

    #[test]
    fn a_repeated_key_is_refused_and_distinct_keys_pass() {
        let err = serde_json::from_str::<Body>(r#"{"options": {"seed": 1, "seed": 2}}"#).unwrap_err();
        assert!(err.to_string().contains("`seed` is given twice"), "{err}");
        let ok: Body = serde_json::from_str(r#"{"options": {"seed": 1, "size": "2K"}}"#).unwrap();
        assert_eq!(ok.options.len(), 2);
        assert!(serde_json::from_str::<Body>(r#"{"options": [1]}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{}"#).unwrap().options.is_empty());
    }
}

/// A JSON number that is a whole number, as JSON Schema's `integer` means it: `885` and `885.0`
/// alike (a client or language that writes every number as a float is not refused), within
/// ±2⁵³ where a float is still exact. `None` for a fraction, a string or anything else.
pub fn whole_number(v: &serde_json::Value) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT).map(|f| f as i64))
}

/// Deserializes a non-negative whole number ([`whole_number`]) into a `u64`.
pub fn whole_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    whole_number(&v)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| serde::de::Error::custom("expected a whole number of at least 0"))
}

#[cfg(test)]
mod whole_tests {
    use super::whole_number;
    use serde_json::json;

    #[test]
    fn whole_numbers_are_whole_whatever_their_spelling() {
        assert_eq!(whole_number(&json!(885)), Some(885));
        assert_eq!(whole_number(&json!(885.0)), Some(885));
        assert_eq!(whole_number(&json!(-3.0)), Some(-3));
        assert_eq!(whole_number(&json!(1.5)), None);
        assert_eq!(whole_number(&json!(1e300)), None);
        assert_eq!(whole_number(&json!("885")), None);
        assert_eq!(whole_number(&json!(null)), None);
    }
}

/// `#[serde(default, deserialize_with = "given")]` for an optional request field whose schema
/// type has no `null`: left out is `None`, `null` is refused like any other wrong type (serde
/// alone reads `null` as left out, so a body outside the contract would pass).
pub fn given<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod given_tests {
    #[derive(serde::Deserialize, Debug)]
    struct Body {
        #[serde(default, deserialize_with = "super::given")]
        collection_id: Option<String>,
    }

    #[test]
    fn null_is_refused_and_absence_is_none() {
        let err = serde_json::from_str::<Body>(r#"{"collection_id": null}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type: null"), "{err}");
        assert_eq!(serde_json::from_str::<Body>("{}").unwrap().collection_id, None);
        assert_eq!(
            serde_json::from_str::<Body>(r#"{"collection_id": "c"}"#)
                .unwrap()
                .collection_id
                .as_deref(),
            Some("c")
        );
    }
}
