//! Named collections: a user's groups of assets (docs/data-model.md, "Collections"). An asset
//! can be in several; a collection holds ids only, so deleting one deletes no asset. Being in a
//! collection (or on a board) *holds* an asset: it does not expire while held
//! (domain::expiry, "holds").
use super::{BoardId, CollectionId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The most collections one user may have.
pub const MAX_COLLECTIONS: u64 = 100;
/// The most assets one collection may hold. It also bounds the gallery filtered by a
/// collection: a page never reads more than one collection's members (docs/data-model.md).
pub const MAX_COLLECTION_ASSETS: u64 = 1000;
/// The longest collection name, in characters (after trimming).
pub const MAX_NAME_CHARS: usize = 80;

/// A collection's summary item (`collection#{id}`): what the list and the view read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub collection_id: CollectionId,
    pub name: String,
    /// Its memberships (moved in the same transaction as each one).
    #[serde(default)]
    pub item_count: u64,
    pub created_at: String,
    pub updated_at: String,
    /// Set when its delete started: it takes no new members; a repeated delete finishes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
}

impl Collection {
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.collection_id,
            "name": self.name,
            "item_count": self.item_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// A rule a request broke: the field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CollectionRuleError {
    pub field: &'static str,
    pub message: String,
}

/// A collection name, trimmed: 1–80 characters, no control characters.
pub fn check_name(raw: &str) -> Result<String, CollectionRuleError> {
    let rule = |m: String| CollectionRuleError { field: "name", message: m };
    let name = raw.trim();
    if name.is_empty() {
        return Err(rule("name must not be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(rule(format!("name must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(rule("name must not contain control characters".into()));
    }
    Ok(name.to_string())
}

/// What holds an asset, as written in its `holders` string set: one entry per collection it
/// is in and per board it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    Collection(CollectionId),
    Board(BoardId),
}

impl Holder {
    pub fn key(&self) -> String {
        match self {
            Holder::Collection(c) => format!("c#{c}"),
            Holder::Board(b) => format!("b#{b}"),
        }
    }

    pub fn parse(raw: &str) -> Option<Holder> {
        if let Some(c) = raw.strip_prefix("c#") {
            return CollectionId::parse(c).map(Holder::Collection);
        }
        raw.strip_prefix("b#").and_then(BoardId::parse).map(Holder::Board)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Portraits ").unwrap(), "Portraits");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_name(&"é".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("a\u{7}b").is_err());
    }

    #[test]
    fn holder_keys_round_trip_and_are_told_apart() {
        let c = Holder::Collection(CollectionId::new());
        let b = Holder::Board(BoardId::new());
        assert_eq!(Holder::parse(&c.key()), Some(c.clone()));
        assert_eq!(Holder::parse(&b.key()), Some(b.clone()));
        assert_ne!(c.key()[..2], b.key()[..2]);
        assert_eq!(Holder::parse("x#01"), None);
    }
}
