use super::{Item, Store, StoreError, aws, s};
use crate::domain::{Asset, AssetId, UserId};
use aws_sdk_dynamodb::types::KeysAndAttributes;

fn key(user: &UserId, id: &AssetId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("asset_id".into(), s(id.as_str()))])
}

impl Store {
    /// Writes an asset. Asset ids of outputs are deterministic, so writing twice is harmless.
    pub async fn put_asset(&self, asset: &Asset) -> Result<(), StoreError> {
        let req = self
            .ddb
            .put_item()
            .table_name(&self.tables.assets)
            .set_item(Some(serde_dynamo::to_item(asset)?));
        super::write("put asset", || req.clone().send()).await?;
        Ok(())
    }

    pub async fn get_asset(&self, user: &UserId, id: &AssetId) -> Result<Option<Asset>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get asset"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// The user's assets with these ids, in the order given (missing ones left out).
    pub async fn get_assets(&self, user: &UserId, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError> {
        let mut found: Vec<Asset> = Vec::new();
        for chunk in ids.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(|id| key(user, id)).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(aws("build keys"))?,
            );
            while let Some(keys) = pending.take() {
                let out = self
                    .ddb
                    .batch_get_item()
                    .request_items(&self.tables.assets, keys)
                    .send()
                    .await
                    .map_err(aws("get assets"))?;
                for item in out.responses.unwrap_or_default().remove(&self.tables.assets).unwrap_or_default() {
                    found.push(serde_dynamo::from_item(item)?);
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.tables.assets));
            }
        }
        found.sort_by_key(|a| ids.iter().position(|i| *i == a.asset_id));
        Ok(found)
    }
}
