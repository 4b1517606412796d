//! A board (the canvas): a user's named arrangement of assets as tiles. Plain data and the
//! rules a board must keep (validation) and the tile operations the page performs (move,
//! resize, duplicate, delete, place beside). Coordinates are whole pixels on an unbounded
//! plane clamped to ±[`COORD_LIMIT`]; a tile's `z` orders overlapping tiles.
use super::{AssetId, BoardId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;

pub const MAX_TILES: usize = 500;
pub const MAX_NAME_CHARS: usize = 80;
/// `|x|` and `|y|` are at most this many pixels.
pub const COORD_LIMIT: i64 = 100_000;
pub const MIN_TILE_SIZE: i64 = 40;
pub const MAX_TILE_SIZE: i64 = 4_000;
pub const MAX_Z: i64 = 1_000_000;
pub const MAX_TILE_ID_CHARS: usize = 16;
/// The gap between a tile and one placed beside it.
pub const GAP: i64 = 24;

/// A tile id: 1–16 of `A-Z a-z 0-9 _ -`, chosen by the page, unique within its board.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TileId(String);

impl TileId {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty() && s.len() <= MAX_TILE_ID_CHARS && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        ok.then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub id: TileId,
    pub asset_id: AssetId,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub z: i64,
    /// The tile this one was varied or edited from (it may since have been deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<TileId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub user_id: UserId,
    pub board_id: BoardId,
    pub name: String,
    pub tiles: Vec<Tile>,
    /// Starts at 1, +1 on every write: a write names the version it read (optimistic
    /// concurrency), a stale one is refused.
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

/// A board without its tiles, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoardSummary {
    pub board_id: BoardId,
    pub name: String,
    pub version: u64,
    #[serde(default)]
    pub tile_count: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl Board {
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.board_id,
            "name": self.name,
            "tiles": self.tiles,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
    pub fn summary(&self) -> BoardSummary {
        BoardSummary {
            board_id: self.board_id.clone(),
            name: self.name.clone(),
            version: self.version,
            tile_count: self.tiles.len() as u64,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

impl BoardSummary {
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.board_id,
            "name": self.name,
            "version": self.version,
            "tile_count": self.tile_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// A rule a request broke: the JSON path of the offending field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BoardRuleError {
    pub field: String,
    pub message: String,
}

fn rule(field: impl Into<String>, message: impl Into<String>) -> BoardRuleError {
    BoardRuleError {
        field: field.into(),
        message: message.into(),
    }
}

/// A board name, trimmed: 1–80 characters, no control characters.
pub fn check_name(raw: &str) -> Result<String, BoardRuleError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(rule("name", "name must not be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(rule("name", format!("name must be at most {MAX_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(rule("name", "name must not contain control characters"));
    }
    Ok(name.to_string())
}

/// A tile as a request sends it. Numbers are any JSON numbers, checked and rounded to whole
/// pixels by [`check_tiles`].
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileInput {
    pub id: String,
    pub asset_id: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    #[serde(default)]
    pub z: f64,
    #[serde(default)]
    pub linked_from: Option<String>,
}

fn whole(field: String, v: f64, lo: i64, hi: i64, what: &str) -> Result<i64, BoardRuleError> {
    if !v.is_finite() {
        return Err(rule(field, format!("{what} must be a finite number")));
    }
    let r = v.round();
    if r < lo as f64 || r > hi as f64 {
        return Err(rule(field, format!("{what} must be from {lo} to {hi}")));
    }
    Ok(r as i64)
}

/// Every tile rule: at most [`MAX_TILES`], ids of the tile pattern and unique, asset ids that
/// can exist, coordinates within ±[`COORD_LIMIT`], sizes within [`MIN_TILE_SIZE`]–[`MAX_TILE_SIZE`],
/// `z` within 0–[`MAX_Z`], a `linked_from` of the tile pattern and not the tile itself.
pub fn check_tiles(input: &[TileInput]) -> Result<Vec<Tile>, BoardRuleError> {
    if input.len() > MAX_TILES {
        return Err(rule(
            "tiles",
            format!("a board holds at most {MAX_TILES} tiles; got {}", input.len()),
        ));
    }
    let mut seen = HashSet::with_capacity(input.len());
    let mut out = Vec::with_capacity(input.len());
    for (i, t) in input.iter().enumerate() {
        let f = |name: &str| format!("tiles[{i}].{name}");
        let id = TileId::parse(&t.id).ok_or_else(|| {
            rule(
                f("id"),
                format!("a tile id is 1–{MAX_TILE_ID_CHARS} of the characters A-Z a-z 0-9 _ -"),
            )
        })?;
        if !seen.insert(id.clone()) {
            return Err(rule(f("id"), format!("tile id {:?} is used twice", t.id)));
        }
        let asset_id = AssetId::parse(&t.asset_id).ok_or_else(|| rule(f("asset_id"), "asset_id is not an asset id"))?;
        let linked_from = match &t.linked_from {
            None => None,
            Some(l) => {
                let l = TileId::parse(l).ok_or_else(|| rule(f("linked_from"), "linked_from is not a tile id"))?;
                if l == id {
                    return Err(rule(f("linked_from"), "a tile cannot be linked from itself"));
                }
                Some(l)
            }
        };
        out.push(Tile {
            id,
            asset_id,
            x: whole(f("x"), t.x, -COORD_LIMIT, COORD_LIMIT, "x")?,
            y: whole(f("y"), t.y, -COORD_LIMIT, COORD_LIMIT, "y")?,
            w: whole(f("w"), t.w, MIN_TILE_SIZE, MAX_TILE_SIZE, "w")?,
            h: whole(f("h"), t.h, MIN_TILE_SIZE, MAX_TILE_SIZE, "h")?,
            z: whole(f("z"), t.z, 0, MAX_Z, "z")?,
            linked_from,
        });
    }
    Ok(out)
}

/// Why a tile operation could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileOpError {
    #[error("no tile {0:?} on this board")]
    NoSuchTile(String),
    #[error("a board holds at most {MAX_TILES} tiles")]
    Full,
    #[error("tile id {0:?} is already used")]
    IdTaken(String),
}

fn clamp_coord(v: i64) -> i64 {
    v.clamp(-COORD_LIMIT, COORD_LIMIT)
}
fn clamp_size(v: i64) -> i64 {
    v.clamp(MIN_TILE_SIZE, MAX_TILE_SIZE)
}

/// The tile operations the page performs, on a board's tile list. Every result keeps the
/// rules of [`check_tiles`].
pub struct Tiles<'a>(pub &'a mut Vec<Tile>);

impl Tiles<'_> {
    fn index(&self, id: &TileId) -> Result<usize, TileOpError> {
        self.0
            .iter()
            .position(|t| &t.id == id)
            .ok_or_else(|| TileOpError::NoSuchTile(id.as_str().into()))
    }
    fn top_z(&self) -> i64 {
        self.0.iter().map(|t| t.z).max().map_or(0, |z| (z + 1).min(MAX_Z))
    }
    fn check_new(&self, id: &TileId) -> Result<(), TileOpError> {
        if self.0.len() >= MAX_TILES {
            return Err(TileOpError::Full);
        }
        if self.0.iter().any(|t| &t.id == id) {
            return Err(TileOpError::IdTaken(id.as_str().into()));
        }
        Ok(())
    }

    /// Moves a tile by `(dx, dy)`, clamped to the plane.
    pub fn move_by(&mut self, id: &TileId, dx: i64, dy: i64) -> Result<(), TileOpError> {
        let i = self.index(id)?;
        let t = &mut self.0[i];
        t.x = clamp_coord(t.x.saturating_add(dx));
        t.y = clamp_coord(t.y.saturating_add(dy));
        Ok(())
    }

    /// Sets a tile's size, clamped to the size limits.
    pub fn resize(&mut self, id: &TileId, w: i64, h: i64) -> Result<(), TileOpError> {
        let i = self.index(id)?;
        self.0[i].w = clamp_size(w);
        self.0[i].h = clamp_size(h);
        Ok(())
    }

    /// A copy of a tile under `new_id`, offset by the gap and on top.
    pub fn duplicate(&mut self, id: &TileId, new_id: TileId) -> Result<&Tile, TileOpError> {
        let i = self.index(id)?;
        self.check_new(&new_id)?;
        let mut t = self.0[i].clone();
        t.id = new_id;
        t.x = clamp_coord(t.x + GAP);
        t.y = clamp_coord(t.y + GAP);
        t.z = self.top_z();
        t.linked_from = None;
        self.0.push(t);
        Ok(self.0.last().expect("just pushed"))
    }

    pub fn delete(&mut self, id: &TileId) -> Result<Tile, TileOpError> {
        let i = self.index(id)?;
        Ok(self.0.remove(i))
    }

    /// A new tile for `asset_id` to the right of `source`, the same size, linked from it. It
    /// steps further right (then to the next row) past tiles already there.
    pub fn place_beside(&mut self, source: &TileId, new_id: TileId, asset_id: AssetId) -> Result<&Tile, TileOpError> {
        let i = self.index(source)?;
        self.check_new(&new_id)?;
        let s = self.0[i].clone();
        let mut t = Tile {
            id: new_id,
            asset_id,
            x: clamp_coord(s.x + s.w + GAP),
            y: s.y,
            w: s.w,
            h: s.h,
            z: self.top_z(),
            linked_from: Some(s.id.clone()),
        };
        for _ in 0..MAX_TILES {
            let Some(hit) = self.0.iter().find(|o| overlaps(o, &t)) else {
                break;
            };
            if hit.x + hit.w + GAP + t.w > COORD_LIMIT {
                t.x = s.x;
                t.y = clamp_coord(hit.y + hit.h + GAP);
            } else {
                t.x = hit.x + hit.w + GAP;
            }
        }
        self.0.push(t);
        Ok(self.0.last().expect("just pushed"))
    }
}

fn overlaps(a: &Tile, b: &Tile) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
