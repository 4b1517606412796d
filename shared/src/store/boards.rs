//! Boards (the canvas), kept in the `usage` table's user partition as `board#{board_id}` items
//! (docs/data-model.md), like comparison sets: no table, index, variable or grant of their own.
//! A board is one item, its tiles a list in it; `version` guards every replace.
use super::owned::Projection;
use super::{Item, Store, StoreError, aws, n, s};
use crate::domain::{AssetId, Board, BoardId, BoardSummary, UserId};
use aws_sdk_dynamodb::types::KeysAndAttributes;
use std::collections::HashSet;

const PREFIX: &str = "board#";

fn board_key(user: &UserId, id: &BoardId) -> Item {
    super::owned::key(user, PREFIX, id.as_str())
}

/// The board as its item: its fields, the sort key and `tile_count` (read by the list).
pub(crate) fn board_item(board: &Board) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(board)?;
    item.insert("period".into(), s(format!("{PREFIX}{}", board.board_id)));
    item.insert("tile_count".into(), n(board.tiles.len() as i64));
    Ok(item)
}

impl Store {
    /// Writes a new board (condition: no item with its key).
    pub async fn create_board(&self, board: &Board) -> Result<(), StoreError> {
        let req = self
            .ddb
            .put_item()
            .table_name(&self.tables.usage)
            .set_item(Some(board_item(board)?))
            .condition_expression("attribute_not_exists(period)");
        // False only when an earlier try of this very put was applied (ids are fresh ULIDs).
        super::write("create board", || req.clone().send()).await?;
        Ok(())
    }

    pub async fn get_board(&self, user: &UserId, id: &BoardId) -> Result<Option<Board>, StoreError> {
        self.get_owned(user, PREFIX, id.as_str(), "get board").await
    }

    /// Replaces the board if its stored version is still `expected`. False when it is not (or
    /// the board is gone): nothing was written.
    pub async fn replace_board(&self, board: &Board, expected: u64) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .put_item()
            .table_name(&self.tables.usage)
            .set_item(Some(board_item(board)?))
            .condition_expression("attribute_exists(period) AND version = :v")
            .expression_attribute_values(":v", aws_sdk_dynamodb::types::AttributeValue::N(expected.to_string()));
        super::write("replace board", || req.clone().send()).await
    }

    /// Deletes the board. False when there was none.
    pub async fn delete_board(&self, user: &UserId, id: &BoardId) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .delete_item()
            .table_name(&self.tables.usage)
            .set_key(Some(board_key(user, id)))
            .condition_expression("attribute_exists(period)");
        super::write("delete board", || req.clone().send()).await
    }

    /// A user's boards without their tiles, newest first, `limit` at a time after `after`.
    pub async fn list_boards(
        &self,
        user: &UserId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<BoardSummary>, Option<String>), StoreError> {
        const SUMMARY: Projection = Projection {
            expression: "board_id, #n, version, tile_count, created_at, updated_at",
            names: &[("#n", "name")],
        };
        let id_of = |b: &BoardSummary| b.board_id.to_string();
        self.list_owned(user, PREFIX, (limit, after), Some(&SUMMARY), id_of, "list boards")
            .await
    }

    /// Which of these ids are the user's assets (keys only are read).
    pub async fn owned_asset_ids(&self, user: &UserId, ids: &[AssetId]) -> Result<HashSet<AssetId>, StoreError> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(|id| super::assets::key(user, id)).collect()))
                    .projection_expression("asset_id")
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
                    .map_err(aws("check assets"))?;
                for item in out.responses.unwrap_or_default().remove(&self.tables.assets).unwrap_or_default() {
                    if let Some(id) = item.get("asset_id").and_then(|v| v.as_s().ok()).and_then(|v| AssetId::parse(v)) {
                        found.insert(id);
                    }
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.tables.assets));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::board::{COORD_LIMIT, MAX_NAME_CHARS, MAX_TILE_SIZE, MAX_TILES, MAX_Z, Tile, TileId};
    use aws_sdk_dynamodb::types::AttributeValue;

    /// An item's size by DynamoDB's rules: attribute names plus values; a number is about one
    /// byte per two digits plus one; a list or map is 3 bytes plus 1 per element plus its
    /// elements (map keys counted like attribute names).
    fn value_size(v: &AttributeValue) -> usize {
        match v {
            AttributeValue::S(x) => x.len(),
            AttributeValue::N(x) => x.len().div_ceil(2) + 1,
            AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
            AttributeValue::L(l) => 3 + l.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, e)| 1 + k.len() + value_size(e)).sum::<usize>(),
            other => panic!("unexpected attribute {other:?}"),
        }
    }

    #[test]
    fn a_full_board_of_the_largest_tiles_stays_well_under_400_kb() {
        let id = |i: usize| TileId::parse(&format!("{i:0>16}")).unwrap();
        let tiles: Vec<Tile> = (0..MAX_TILES)
            .map(|i| Tile {
                id: id(i),
                asset_id: AssetId::parse(&format!("01JD{i:0>22}-999")).unwrap(),
                x: -COORD_LIMIT,
                y: -COORD_LIMIT,
                w: MAX_TILE_SIZE,
                h: MAX_TILE_SIZE,
                z: MAX_Z,
                linked_from: Some(id(i + 1)),
            })
            .collect();
        let board = Board {
            user_id: UserId::parse(&"u".repeat(128)).unwrap(),
            board_id: BoardId::new(),
            name: "\u{1F5BC}".repeat(MAX_NAME_CHARS),
            tiles,
            version: u64::MAX,
            created_at: "2026-11-23T19:00:00.000Z".into(),
            updated_at: "2026-11-23T19:00:00.000Z".into(),
        };
        let item = board_item(&board).unwrap();
        let size: usize = item.iter().map(|(k, v)| k.len() + value_size(v)).sum();
        println!("a board of {MAX_TILES} largest tiles is {size} bytes as an item");
        assert!(size < 200 * 1024, "{size} bytes: too close to DynamoDB's 400 KB item limit");
        let back: Board = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back, board);
    }
}
