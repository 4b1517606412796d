use serde::{Deserialize, Serialize};
use std::fmt;

/// The Cognito `sub` of a user. Every key of user data starts with it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Accepts the characters a Cognito `sub` (a UUID) or a test id can have. Anything else
    /// (`#`, `/`, whitespace) could break key composition, so it is refused.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        ok.then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! ulid_id {
    ($name:ident) => {
        /// A ULID: sorts by creation time, so "newest first" is a reverse key order.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new() -> Self {
                Self(ulid::Ulid::new().to_string())
            }
            /// Parses an id from a path: a ULID, optionally followed by `-<n>` (output index).
            pub fn parse(s: &str) -> Option<Self> {
                let (head, tail) = s.split_once('-').unwrap_or((s, ""));
                let tail_ok = tail.is_empty() || (tail.len() <= 3 && tail.chars().all(|c| c.is_ascii_digit()));
                (ulid::Ulid::from_string(head).is_ok() && tail_ok).then(|| Self(s.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

ulid_id!(JobId);
ulid_id!(AssetId);
ulid_id!(SetId);
ulid_id!(StoryId);
ulid_id!(BoardId);
ulid_id!(CollectionId);
ulid_id!(PresetId);

impl AssetId {
    /// The asset made from output `index` of a job. Deterministic, so a webhook delivered twice
    /// writes the same asset instead of a second one.
    pub fn for_output(job: &JobId, index: usize) -> Self {
        Self(format!("{}-{}", job.as_str(), index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_refuse_key_separators() {
        assert!(UserId::parse("3f1c-abc_9").is_some());
        for bad in ["", "a#b", "a/b", "a b", "é"] {
            assert!(UserId::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn job_ids_are_ulids_and_sort_by_time() {
        let a = JobId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = JobId::new();
        assert!(b > a);
        assert!(JobId::parse(a.as_str()).is_some());
        assert!(JobId::parse("not-a-ulid").is_none());
        assert!(JobId::parse("../../etc").is_none());
    }

    #[test]
    fn output_asset_ids_are_deterministic() {
        let j = JobId::new();
        assert_eq!(AssetId::for_output(&j, 0), AssetId::for_output(&j, 0));
        assert_ne!(AssetId::for_output(&j, 0), AssetId::for_output(&j, 1));
        assert!(AssetId::parse(AssetId::for_output(&j, 3).as_str()).is_some());
    }
}
