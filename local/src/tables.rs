//! `infra/tables.json`: the table definitions Terraform and the local bootstrap both read.
use serde::Deserialize;
use std::collections::BTreeMap;

pub const TABLES_JSON: &str = include_str!("../../infra/tables.json");

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct GsiDef {
    pub name: String,
    pub hash_key: String,
    #[serde(default)]
    pub range_key: Option<String>,
    pub projection: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct TableDef {
    pub hash_key: String,
    pub range_key: Option<String>,
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<GsiDef>,
    pub ttl_attribute: Option<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    tables: BTreeMap<String, TableDef>,
}

/// Table key (`jobs`, `assets`, …) → definition.
pub fn definitions() -> BTreeMap<String, TableDef> {
    serde_json::from_str::<File>(TABLES_JSON)
        .expect("infra/tables.json is valid (checked by tests)")
        .tables
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_key_attribute_is_declared_and_every_declared_attribute_is_a_key() {
        for (name, t) in super::definitions() {
            let mut keys = vec![t.hash_key.clone()];
            keys.extend(t.range_key.clone());
            for g in &t.global_secondary_indexes {
                keys.push(g.hash_key.clone());
                keys.extend(g.range_key.clone());
            }
            for k in &keys {
                assert!(t.attributes.contains_key(k), "{name}: key {k} not declared");
            }
            for a in t.attributes.keys() {
                assert!(
                    keys.contains(a),
                    "{name}: attribute {a} declared but not a key (DynamoDB rejects that)"
                );
            }
        }
        for needed in ["jobs", "assets", "usage", "idempotency", "shares"] {
            assert!(super::definitions().contains_key(needed), "{needed}");
        }
    }

    #[test]
    fn the_assets_table_has_exactly_the_gallery_expiry_and_trash_indexes_the_code_queries() {
        let assets = &super::definitions()["assets"];
        let mut have: Vec<(String, String, Option<String>, String)> = assets
            .global_secondary_indexes
            .iter()
            .map(|g| (g.name.clone(), g.hash_key.clone(), g.range_key.clone(), g.projection.clone()))
            .collect();
        have.sort();
        let mut want: Vec<(String, String, Option<String>, String)> = shared::domain::index_names()
            .map(|(n, a)| (n.to_string(), a.to_string(), Some("asset_id".to_string()), "ALL".to_string()))
            .collect();
        use shared::domain::expiry::{EXPIRING_INDEX, SHARD_ATTRIBUTE};
        want.push((
            EXPIRING_INDEX.into(),
            SHARD_ATTRIBUTE.into(),
            Some("expires_at".into()),
            "ALL".into(),
        ));
        use shared::domain::trash as t;
        want.push((
            t::TRASH_INDEX.into(),
            t::TRASH_OWNER_ATTRIBUTE.into(),
            Some(t::TRASH_ORDER_ATTRIBUTE.into()),
            "ALL".into(),
        ));
        want.push((
            t::PURGE_INDEX.into(),
            t::PURGE_SHARD_ATTRIBUTE.into(),
            Some(t::PURGE_AT_ATTRIBUTE.into()),
            "ALL".into(),
        ));
        want.sort();
        assert_eq!(have, want);
    }
}
