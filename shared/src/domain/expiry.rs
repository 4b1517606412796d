//! When an unsaved result expires. An unsaved generated asset carries `expires_at` (epoch
//! seconds): its creation + N days, restarted at every unsave (now + N days), removed on save.
//! Uploads never expire (they are the user's own), nor does an asset pinned because a saved
//! item depends on it. The sweep (service::expiry) deletes what is past its `expires_at`.
//! Expiring items also carry `expiry_shard`, the hash key of the sparse `expiring` index.
use super::{Asset, AssetSource};
use chrono::{DateTime, Utc};

/// The sparse index the sweep reads: hash `expiry_shard` (one fixed value), range `expires_at`.
pub const EXPIRING_INDEX: &str = "expiring";
pub const SHARD_ATTRIBUTE: &str = "expiry_shard";
/// One partition: only unsaved results live there, read a page at a time by a scheduled job.
pub const SHARD: &str = "1";

/// Whether an asset can expire at all: a generated result nothing saved depends on (uploads
/// never expire).
pub fn can_expire(a: &Asset) -> bool {
    a.source == AssetSource::Generated && !a.pinned
}

/// `expires_at` for an asset unsaved at `from` (its clock restarts): None when it must not
/// expire.
pub fn expiry_from(a: &Asset, from: DateTime<Utc>, days: u32) -> Option<i64> {
    can_expire(a).then(|| (from + chrono::Duration::days(i64::from(days))).timestamp())
}

/// `expires_at` of a freshly written asset: its `created_at` + N days (None for uploads, saved).
pub fn initial_expiry(a: &Asset, days: u32) -> Option<i64> {
    if a.saved {
        return None;
    }
    let created = DateTime::parse_from_rfc3339(&a.created_at).map(|t| t.with_timezone(&Utc)).ok()?;
    expiry_from(a, created, days)
}

/// What a backfill writes: an expiring asset keeps the `expires_at` it has (or gets creation +
/// N days), anything else has none. Repeating it changes nothing.
pub fn backfilled_expiry(a: &Asset, days: u32) -> Option<i64> {
    if !can_expire(a) || a.saved {
        return None;
    }
    a.expires_at.or_else(|| initial_expiry(a, days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AssetId, AssetKind, UserId};

    fn asset(source: AssetSource, saved: bool) -> Asset {
        Asset {
            user_id: UserId::parse("u1").unwrap(),
            asset_id: AssetId::new(),
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
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        }
    }

    #[test]
    fn unsaved_results_expire_n_days_after_creation_or_last_unsave() {
        let a = asset(AssetSource::Generated, false);
        let created = DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().timestamp();
        assert_eq!(initial_expiry(&a, 30), Some(created + 30 * 86_400));
        let later = DateTime::parse_from_rfc3339("2026-12-24T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(expiry_from(&a, later, 2), Some(later.timestamp() + 2 * 86_400));
        // Unsaving a saved result restarts its clock.
        let saved = asset(AssetSource::Generated, true);
        assert_eq!(expiry_from(&saved, later, 30), Some(later.timestamp() + 30 * 86_400));
    }

    #[test]
    fn uploads_and_saved_assets_never_expire() {
        let now = Utc::now();
        assert_eq!(initial_expiry(&asset(AssetSource::Upload, false), 30), None);
        assert_eq!(expiry_from(&asset(AssetSource::Upload, false), now, 30), None);
        assert_eq!(initial_expiry(&asset(AssetSource::Generated, true), 30), None);
        let mut pinned = asset(AssetSource::Generated, false);
        pinned.pinned = true;
        assert_eq!(expiry_from(&pinned, now, 30), None);
    }
}
