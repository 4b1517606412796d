//! The gallery filtered by a collection (`GET /api/assets?collection=`): its members newest
//! first, resolved to assets and filtered by `saved`, `kind`, `model`. Pages are full and exact
//! (store::paging reads on until `limit + 1` are kept), and a page never reads more than the
//! collection's members: at most `MAX_COLLECTION_ASSETS` membership items (~100 bytes each,
//! one Query page) and their assets (BatchGetItem, 100 a call).
use super::{Store, StoreError};
use crate::domain::{Asset, AssetFilter, AssetId, CollectionId, UserId};

/// Whether an asset passes the gallery's filters.
pub fn matches(filter: &AssetFilter, a: &Asset) -> bool {
    filter.saved.is_none_or(|s| a.saved == s)
        && filter.kind.is_none_or(|k| a.kind == k)
        && filter.model.as_deref().is_none_or(|m| a.model.as_deref() == Some(m))
}

impl Store {
    /// A page of the assets of a collection that match `filter`, newest first, below `before`,
    /// and the id to continue after. Members whose asset is gone (or trashed) are skipped.
    pub async fn list_collection_assets(
        &self,
        user: &UserId,
        id: &CollectionId,
        filter: &AssetFilter,
        limit: usize,
        before: Option<&AssetId>,
    ) -> Result<(Vec<Asset>, Option<AssetId>), StoreError> {
        let read = |start, want: usize| async move {
            // Read a whole Query page of members when filtering: most may be dropped.
            let ask = if filter.saved.is_some() || filter.kind.is_some() || filter.model.is_some() {
                100
            } else {
                want
            };
            let (ids, next) = self.collection_members(user, id, before, ask.max(want), start).await?;
            let assets = self.get_assets(user, &ids).await?;
            let kept: Vec<Asset> = assets.into_iter().filter(|a| matches(filter, a)).collect();
            Ok::<_, StoreError>((kept, next))
        };
        // read_page keeps `limit` and gives the last one's id as the cursor when more were kept
        // (reading past the page within one Query is fine: the next page starts below it).
        super::paging::read_page(limit, read, |a: &Asset| a.asset_id.clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AssetKind;

    #[test]
    fn filters_match_like_the_gallery_indexes() {
        let mut a: Asset = serde_json::from_value(serde_json::json!({
            "user_id": "u1", "asset_id": AssetId::new(), "kind": "image", "source": "generated",
            "model": "imagen-4", "saved": false, "content_type": "image/png", "bytes": 1,
            "created_at": "2026-12-06T00:00:00Z", "s3_key": "k"
        }))
        .unwrap();
        assert!(matches(&AssetFilter::default(), &a));
        let saved = AssetFilter {
            saved: Some(true),
            ..Default::default()
        };
        assert!(!matches(&saved, &a));
        a.saved = true;
        assert!(matches(&saved, &a));
        assert!(!matches(
            &AssetFilter {
                kind: Some(AssetKind::Video),
                ..Default::default()
            },
            &a
        ));
        assert!(matches(
            &AssetFilter {
                model: Some("imagen-4".into()),
                ..Default::default()
            },
            &a
        ));
        assert!(!matches(
            &AssetFilter {
                model: Some("seedream-4".into()),
                ..Default::default()
            },
            &a
        ));
    }
}
