//! Gallery filters and the index keys that answer each of them exactly.
//!
//! Every combination of filters (`saved`, `kind`, `model`) has its own global secondary index on
//! the assets table (infra/tables.json, docs/data-model.md): hash key `{sub}#{values}` and range
//! key `asset_id`. A filtered page is then one Query of one partition in key order, with no
//! filter expression: no page can come back short or empty while later items exist, and paging by
//! `asset_id < cursor` neither repeats nor skips. The keys start with the user's `sub`, so a
//! query can never reach another user's items.
use super::{Asset, AssetKind, UserId};

/// What `GET /api/assets` may be filtered by; `None` is "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub saved: Option<bool>,
    pub kind: Option<AssetKind>,
    pub model: Option<String>,
}

/// The index that answers a filter, the attribute that is its hash key, and that key's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexKey {
    pub index: &'static str,
    pub attribute: &'static str,
    pub value: String,
}

/// (uses saved, uses kind, uses model, index name, hash key attribute).
const INDEXES: [(bool, bool, bool, &str, &str); 7] = [
    (true, false, false, "by_saved", "saved_key"),
    (false, true, false, "by_kind", "kind_key"),
    (false, false, true, "by_model", "model_key"),
    (true, true, false, "by_saved_kind", "saved_kind_key"),
    (true, false, true, "by_saved_model", "saved_model_key"),
    (false, true, true, "by_kind_model", "kind_model_key"),
    (true, true, true, "by_saved_kind_model", "saved_kind_model_key"),
];

fn saved_part(saved: bool) -> &'static str {
    if saved { "saved" } else { "unsaved" }
}

fn kind_part(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Image => "image",
        AssetKind::Video => "video",
    }
}

fn compose(user: &UserId, saved: Option<bool>, kind: Option<AssetKind>, model: Option<&str>) -> String {
    let mut v = user.as_str().to_string();
    for part in [saved.map(saved_part), kind.map(kind_part), model].into_iter().flatten() {
        v.push('#');
        v.push_str(part);
    }
    v
}

impl AssetFilter {
    /// The index key of this filter; `None` when nothing is filtered (the base table answers).
    pub fn index_key(&self, user: &UserId) -> Option<IndexKey> {
        let uses = (self.saved.is_some(), self.kind.is_some(), self.model.is_some());
        let (_, _, _, index, attribute) = INDEXES.iter().find(|(s, k, m, _, _)| (*s, *k, *m) == uses)?;
        Some(IndexKey {
            index,
            attribute,
            value: compose(user, self.saved, self.kind, self.model.as_deref()),
        })
    }

    pub fn matches(&self, a: &Asset) -> bool {
        self.saved.is_none_or(|s| s == a.saved)
            && self.kind.is_none_or(|k| k == a.kind)
            && self.model.as_ref().is_none_or(|m| a.model.as_ref() == Some(m))
    }
}

/// The index key attributes an asset item carries (written with it, rewritten when `saved`
/// changes). An asset without a model (an upload) is in none of the model indexes.
pub fn index_attributes(a: &Asset) -> Vec<(&'static str, String)> {
    INDEXES
        .iter()
        .filter(|(_, _, m, _, _)| !*m || a.model.is_some())
        .map(|(s, k, m, _, attr)| {
            let v = compose(
                &a.user_id,
                s.then_some(a.saved),
                k.then_some(a.kind),
                if *m { a.model.as_deref() } else { None },
            );
            (*attr, v)
        })
        .collect()
}

/// The attributes that depend on `saved`, for a save or unsave.
pub fn saved_index_attributes(a: &Asset) -> Vec<(&'static str, String)> {
    let with_saved: Vec<&str> = INDEXES.iter().filter(|(s, ..)| *s).map(|(.., attr)| *attr).collect();
    index_attributes(a)
        .into_iter()
        .filter(|(attr, _)| with_saved.contains(attr))
        .collect()
}

/// Every index: (name, hash key attribute), for the tests that hold tables.json to this list.
pub fn index_names() -> impl Iterator<Item = (&'static str, &'static str)> {
    INDEXES.iter().map(|(.., index, attr)| (*index, *attr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AssetId, AssetSource};

    fn asset(saved: bool, kind: AssetKind, model: Option<&str>) -> Asset {
        Asset {
            user_id: UserId::parse("u1").unwrap(),
            asset_id: AssetId::new(),
            kind,
            source: if model.is_some() {
                AssetSource::Generated
            } else {
                AssetSource::Upload
            },
            model: model.map(str::to_string),
            prompt: None,
            parent_ids: vec![],
            job_id: None,
            saved,
            content_type: "image/png".into(),
            bytes: 1,
            width: None,
            height: None,
            duration_s: None,
            created_at: "2026-11-23T00:00:00.000Z".into(),
            s3_key: "k".into(),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        }
    }

    #[test]
    fn every_filter_combination_has_its_own_index() {
        let u = UserId::parse("u1").unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for saved in [None, Some(true), Some(false)] {
            for kind in [None, Some(AssetKind::Image), Some(AssetKind::Video)] {
                for model in [None, Some("imagen-4".to_string())] {
                    let f = AssetFilter { saved, kind, model };
                    match f.index_key(&u) {
                        None => assert_eq!(f, AssetFilter::default()),
                        Some(k) => {
                            assert!(k.value.starts_with("u1#"), "{k:?}");
                            seen.insert(k.index);
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), 7);
    }

    #[test]
    fn an_asset_carries_exactly_the_keys_of_the_filters_it_matches() {
        let u = UserId::parse("u1").unwrap();
        for a in [
            asset(true, AssetKind::Image, Some("imagen-4")),
            asset(false, AssetKind::Video, Some("veo-3.1")),
            asset(false, AssetKind::Image, None),
        ] {
            let attrs = index_attributes(&a);
            for saved in [None, Some(true), Some(false)] {
                for kind in [None, Some(AssetKind::Image), Some(AssetKind::Video)] {
                    for model in [None, Some("imagen-4".to_string()), Some("veo-3.1".to_string())] {
                        let f = AssetFilter { saved, kind, model };
                        let Some(k) = f.index_key(&u) else { continue };
                        let carried = attrs.iter().any(|(attr, v)| *attr == k.attribute && *v == k.value);
                        assert_eq!(carried, f.matches(&a), "{f:?} {a:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn saving_rewrites_only_the_saved_keys() {
        let a = asset(true, AssetKind::Image, Some("imagen-4"));
        let attrs: Vec<_> = saved_index_attributes(&a).into_iter().map(|(k, _)| k).collect();
        assert_eq!(attrs, ["saved_key", "saved_kind_key", "saved_model_key", "saved_kind_model_key"]);
        let upload = asset(false, AssetKind::Image, None);
        let attrs: Vec<_> = saved_index_attributes(&upload);
        assert_eq!(
            attrs,
            [
                ("saved_key", "u1#unsaved".to_string()),
                ("saved_kind_key", "u1#unsaved#image".to_string())
            ]
        );
    }
}
