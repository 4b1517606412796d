//! The trash: where a deleted asset waits `TRASH_RETENTION_DAYS` (default 30) before it is
//! purged for good (service::trash). A trashed asset's record moves within its user's partition
//! of the assets table to the key `asset_id = "~trash#{id}"`, without any gallery index key and
//! without the expiring index's key: no reader of live assets (get, batch get, the gallery's
//! indexes, the expiry sweep) can match it. Every live asset id is a ULID (or `{ulid}-{n}`),
//! whose characters all sort before `~`, so the unfiltered gallery reads `asset_id < "~"`.
//! Two sparse indexes serve the trash: `trash` (hash `trash_owner` = the user's `sub`, range
//! `trash_order` = `{trashed_at_ms:013}#{id}`: a user's trash, newest trashed first) and
//! `purge_due` (hash `purge_shard` = "1", range `purge_at`: the sweep's oldest-first reading).
use super::{Asset, AssetId, UserId, expiry};
use chrono::{DateTime, Utc};

/// The prefix of a trashed record's `asset_id`.
pub const TRASH_PREFIX: &str = "~trash#";
/// Every live asset id sorts below this (ULIDs and `{ulid}-{n}` use `0-9A-Z` and `-`).
pub const LIVE_UPPER_BOUND: &str = "~";
/// A user's trash, newest trashed first.
pub const TRASH_INDEX: &str = "trash";
pub const TRASH_OWNER_ATTRIBUTE: &str = "trash_owner";
pub const TRASH_ORDER_ATTRIBUTE: &str = "trash_order";
/// What the purge sweep reads: one partition, oldest `purge_at` first.
pub const PURGE_INDEX: &str = "purge_due";
pub const PURGE_SHARD_ATTRIBUTE: &str = "purge_shard";
pub const PURGE_AT_ATTRIBUTE: &str = "purge_at";
pub const PURGE_SHARD: &str = "1";
/// The default of `TRASH_RETENTION_DAYS`.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The key a trashed asset's record lives under.
pub fn trash_key(id: &AssetId) -> String {
    format!("{TRASH_PREFIX}{}", id.as_str())
}

/// The asset id of a trashed record's key (None: not a trash key).
pub fn trashed_id(key: &str) -> Option<AssetId> {
    key.strip_prefix(TRASH_PREFIX).and_then(AssetId::parse)
}

/// The trash index's range value: the trash time to the millisecond (13 digits sort as numbers
/// until the year 2286), then the id, so two assets trashed in the same millisecond differ.
pub fn trash_order(trashed_at: DateTime<Utc>, id: &AssetId) -> String {
    format!("{:013}#{}", trashed_at.timestamp_millis().max(0), id.as_str())
}

/// When an asset trashed at `trashed_at` is purged: `days` later (epoch seconds).
pub fn purge_at(trashed_at: DateTime<Utc>, days: u32) -> i64 {
    (trashed_at + chrono::Duration::days(i64::from(days))).timestamp()
}

/// A trashed asset: the record as it was when trashed, and when it goes for good.
#[derive(Clone, Debug, PartialEq)]
pub struct Trashed {
    pub asset: Asset,
    /// RFC 3339.
    pub trashed_at: String,
    /// The trash index's range value (domain::trash::trash_order), the list's cursor.
    pub order: String,
    /// Epoch seconds.
    pub purge_at: i64,
    /// What held the asset when it was trashed (its `holders`: collections and boards; store::holds),
    /// kept with it: a restore brings them back, a purge drops its collection memberships.
    pub holders: Vec<String>,
    /// It carried this index version's search marker (`search_v`) when trashed: its terms are
    /// all written, and the restored record carries the marker again.
    pub indexed: bool,
}

impl Trashed {
    /// The user this trashed asset belongs to.
    pub fn user(&self) -> &UserId {
        &self.asset.user_id
    }
}

/// The record a restore writes back: the same asset (id, saved state, lineage, pin), with an
/// expiry that starts again at the restore. An unsaved generated result that nothing pins
/// expires `days` after `now`, as after an unsave (the clock it had when trashed may have run
/// out while it sat in the trash); a saved, pinned or uploaded asset has none.
pub fn restored(asset: &Asset, now: DateTime<Utc>, days: u32) -> Asset {
    let mut a = asset.clone();
    a.expires_at = if a.saved { None } else { expiry::expiry_from(&a, now, days) };
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AssetKind, AssetSource, JobId};

    fn asset(source: AssetSource, saved: bool, pinned: bool) -> Asset {
        Asset {
            user_id: UserId::parse("u1").unwrap(),
            asset_id: AssetId::for_output(&JobId::new(), 0),
            kind: AssetKind::Image,
            source,
            model: None,
            prompt: None,
            parent_ids: vec![],
            job_id: None,
            saved,
            content_type: "image/png".into(),
            bytes: 1,
            width: None,
            height: None,
            duration_s: None,
            created_at: "2026-11-01T00:00:00.000Z".into(),
            s3_key: "k".into(),
            filename: None,
            expires_at: Some(1),
            pinned,
            counted: true,
            thumb_key: None,
            thumb_bytes: 0,
        }
    }

    #[test]
    fn a_trash_key_sorts_after_every_live_id_and_gives_its_id_back() {
        let a = asset(AssetSource::Generated, false, false);
        let key = trash_key(&a.asset_id);
        assert!(a.asset_id.as_str() < LIVE_UPPER_BOUND && key.as_str() > LIVE_UPPER_BOUND);
        assert!(AssetId::new().as_str() < LIVE_UPPER_BOUND);
        assert_eq!(trashed_id(&key), Some(a.asset_id.clone()));
        assert_eq!(trashed_id(a.asset_id.as_str()), None);
    }

    #[test]
    fn the_trash_lists_newest_trashed_first_by_its_order() {
        let id = AssetId::new();
        let early = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let late = early + chrono::Duration::milliseconds(1);
        assert!(trash_order(late, &id) > trash_order(early, &AssetId::new()));
        assert_eq!(purge_at(early, 30) - early.timestamp(), 30 * 86_400);
    }

    #[test]
    fn a_restored_unsaved_result_expires_n_days_after_the_restore_and_nothing_else_expires() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let r = restored(&asset(AssetSource::Generated, false, false), now, 30);
        assert_eq!(r.expires_at, Some(now.timestamp() + 30 * 86_400));
        for a in [
            asset(AssetSource::Generated, true, false),
            asset(AssetSource::Generated, false, true),
            asset(AssetSource::Upload, false, false),
        ] {
            let r = restored(&a, now, 30);
            assert_eq!(r.expires_at, None, "{a:?}");
            assert_eq!(
                (r.asset_id, r.saved, r.pinned, r.parent_ids),
                (a.asset_id, a.saved, a.pinned, a.parent_ids)
            );
        }
    }
}
