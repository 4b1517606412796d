//! The holds' repair (docs/data-model.md, "Holds"): a board's holds are separate writes, so an
//! interrupted save or delete can leave a `b#{id}` entry on an asset the board no longer shows
//! (never the reverse: holds are written before the board names an asset). `make backfill`
//! reads every held asset and checks each entry against what it names.
use super::collections::{key, member_prefix};
use super::{Item, Store, StoreError, aws};
use crate::domain::{AssetId, BoardId, CollectionId, UserId};

/// A held asset as the repair reads it.
pub struct Held {
    pub user: UserId,
    pub asset: AssetId,
    pub holders: Vec<String>,
}

impl Store {
    /// One page of the assets that carry `holders` (a Scan with a filter: the backfill reads
    /// the whole table anyway), and the key to continue from.
    pub async fn held_assets_page(&self, start: Option<Item>) -> Result<(Vec<Held>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .scan()
            .table_name(&self.tables.assets)
            .filter_expression("attribute_exists(holders)")
            .projection_expression("user_id, asset_id, holders")
            .limit(200)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("scan held assets"))?;
        let held = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|i| {
                let user = UserId::parse(i.get("user_id")?.as_s().ok()?)?;
                let asset = AssetId::parse(i.get("asset_id")?.as_s().ok()?)?;
                let holders = i.get("holders")?.as_ss().ok()?.clone();
                Some(Held { user, asset, holders })
            })
            .collect();
        Ok((held, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Whether the asset is a member of the collection (consistent GetItem).
    pub async fn is_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId) -> Result<bool, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{}{asset}", member_prefix(id)))))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("read membership"))?;
        Ok(out.item.is_some())
    }

    /// The distinct assets a board shows now (empty when it is gone).
    pub async fn board_assets(&self, user: &UserId, id: &BoardId) -> Result<Vec<AssetId>, StoreError> {
        Ok(self
            .get_board(user, id)
            .await?
            .map(|b| b.tiles.into_iter().map(|t| t.asset_id).collect())
            .unwrap_or_default())
    }
}
