//! Boards (the canvas), kept in the `usage` table's user partition (docs/data-model.md), like
//! comparison sets: no table, index, variable or grant of their own. A board is two items,
//! always written together in one transaction:
//! - `board#{id}`, its summary (name, version, tile count, times): what the list reads, a few
//!   hundred bytes, so a page of summaries is one small Query;
//! - `tiles#{id}`, the whole board with its tiles (up to ~60 KB): what get reads, one item, so
//!   a read can never mix the tiles of one version with the summary of another.
//!
//! `version` (in both) guards every replace; the summary's is the one conditioned.
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{AssetId, Board, BoardId, BoardSummary, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, KeysAndAttributes, Put, TransactWriteItem};
use std::collections::HashSet;

/// The summary's sort-key prefix: what the list's range reads.
const SUMMARY: &str = "board#";
/// The whole board's. `tiles#` sorts after `story#` and outside every range query of the
/// partition (`board#`, `day#`, `set#`, `story#`).
const WHOLE: &str = "tiles#";

/// The board's summary as its item: what `list_boards` reads.
fn summary_item(board: &Board) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(board.summary())?;
    item.insert("user_id".into(), s(board.user_id.as_str()));
    item.insert("period".into(), s(format!("{SUMMARY}{}", board.board_id)));
    Ok(item)
}

/// The whole board as its item: what `get_board` reads.
fn board_item(board: &Board) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(board)?;
    item.insert("period".into(), s(format!("{WHOLE}{}", board.board_id)));
    Ok(item)
}

impl Store {
    fn board_put(&self, item: Item, condition: Option<&str>, values: Option<Item>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_values(values)
            .build()
            .map_err(aws("build put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn board_delete(&self, key: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(key))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(aws("build delete"))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Writes a new board, its summary and its whole item in one transaction (condition:
    /// neither exists).
    pub async fn create_board(&self, board: &Board) -> Result<(), StoreError> {
        const NEW: Option<&str> = Some("attribute_not_exists(period)");
        let items = vec![
            self.board_put(summary_item(board)?, NEW, None)?,
            self.board_put(board_item(board)?, NEW, None)?,
        ];
        match super::transact(self, "create board", items).await? {
            Ok(()) => Ok(()),
            // Only when an earlier try of this very transaction was applied (its answer lost):
            // ids are fresh ULIDs.
            Err(codes) if failed_at(&codes, 0) || failed_at(&codes, 1) => Ok(()),
            Err(codes) => Err(cancelled("create board", &codes)),
        }
    }

    /// The whole board, read consistently (another user's is a miss).
    pub async fn get_board(&self, user: &UserId, id: &BoardId) -> Result<Option<Board>, StoreError> {
        self.get_owned(user, WHOLE, id.as_str(), "get board").await
    }

    /// Replaces the board (summary and whole item, one transaction) if its stored version is
    /// still `expected`. False when it is not (or the board is gone): nothing was written.
    pub async fn replace_board(&self, board: &Board, expected: u64) -> Result<bool, StoreError> {
        let read = Item::from([(":v".into(), AttributeValue::N(expected.to_string()))]);
        let items = vec![
            self.board_put(summary_item(board)?, Some("attribute_exists(period) AND version = :v"), Some(read))?,
            self.board_put(board_item(board)?, None, None)?,
        ];
        match super::transact(self, "replace board", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(cancelled("replace board", &codes)),
        }
    }

    /// Deletes the board, both items in one transaction. False when there was none.
    pub async fn delete_board(&self, user: &UserId, id: &BoardId) -> Result<bool, StoreError> {
        let items = vec![
            self.board_delete(board_key(user, SUMMARY, id), Some("attribute_exists(period)"))?,
            self.board_delete(board_key(user, WHOLE, id), None)?,
        ];
        match super::transact(self, "delete board", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(cancelled("delete board", &codes)),
        }
    }

    /// A user's boards without their tiles (their summary items), newest first, `limit` at a
    /// time after `after`.
    pub async fn list_boards(
        &self,
        user: &UserId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<BoardSummary>, Option<String>), StoreError> {
        let id_of = |b: &BoardSummary| b.board_id.to_string();
        self.list_owned(user, SUMMARY, (limit, after), id_of, "list boards").await
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

fn board_key(user: &UserId, prefix: &str, id: &BoardId) -> Item {
    super::owned::key(user, prefix, id.as_str())
}

/// A transaction cancelled for another reason than the condition its caller handles.
fn cancelled(op: &'static str, codes: &[Option<String>]) -> StoreError {
    StoreError::Aws {
        op,
        source: format!("transaction cancelled: {codes:?}").into(),
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

    /// A board of the most tiles, each as large as the rules allow, with the longest name.
    fn largest_board() -> Board {
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
        Board {
            user_id: UserId::parse(&"u".repeat(128)).unwrap(),
            board_id: BoardId::new(),
            name: "\u{1F5BC}".repeat(MAX_NAME_CHARS),
            tiles,
            version: u64::MAX,
            created_at: "2026-11-23T19:00:00.000Z".into(),
            updated_at: "2026-11-23T19:00:00.000Z".into(),
        }
    }

    fn item_size(item: &Item) -> usize {
        item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
    }

    #[test]
    fn a_full_board_of_the_largest_tiles_stays_well_under_400_kb() {
        let board = largest_board();
        let item = board_item(&board).unwrap();
        let size = item_size(&item);
        println!("a board of {MAX_TILES} largest tiles is {size} bytes as an item");
        assert!(size < 200 * 1024, "{size} bytes: too close to DynamoDB's 400 KB item limit");
        let back: Board = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back, board);
    }

    #[test]
    fn the_listed_summary_of_a_full_board_is_small_and_carries_no_tiles() {
        let board = largest_board();
        let item = summary_item(&board).unwrap();
        let size = item_size(&item);
        println!("its summary is {size} bytes as an item");
        // A page of boards reads `limit + 1` summaries (at most 101): far below Query's 1 MB,
        // so one Query, a few read units, well within boards-list's 5 s.
        assert!(size < 1024, "{size} bytes: the list would read whole boards again");
        assert!(!item.contains_key("tiles"));
        assert_eq!(item["tile_count"], AttributeValue::N(MAX_TILES.to_string()));
        assert_eq!(item["user_id"], board_item(&board).unwrap()["user_id"], "the same partition");
        let back: BoardSummary = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back, board.summary());
    }

    #[test]
    fn the_whole_board_sorts_outside_every_range_the_partition_is_read_by() {
        let board = largest_board();
        let whole = board_item(&board).unwrap()["period"].as_s().unwrap().clone();
        let summary = summary_item(&board).unwrap()["period"].as_s().unwrap().clone();
        assert_eq!(summary, format!("board#{}", board.board_id));
        // The ranges Queried in the usage partition: the board, set and story lists and the
        // usage report (store/owned.rs, store/usage.rs).
        for prefix in ["board#", "set#", "story#", "day#"] {
            let (lo, hi) = (prefix.to_string(), format!("{prefix}\u{ffff}"));
            assert!(!(lo <= whole && whole <= hi), "{whole} falls in the {prefix} range");
        }
        assert!(summary.as_str() >= "board#" && summary.as_str() <= "board#\u{ffff}");
    }
}
