// Tile operations of a board, the page's copy of shared/src/domain/board.rs (the server checks
// the same limits on every save): move, resize, duplicate, delete, place beside.

export const LIMITS = { tiles: 500, coord: 100_000, minSize: 40, maxSize: 4000, maxZ: 1_000_000 };
export const GAP = 24;

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, Math.round(v)));
export const clampCoord = (v) => clamp(v, -LIMITS.coord, LIMITS.coord);
export const clampSize = (v) => clamp(v, LIMITS.minSize, LIMITS.maxSize);

/** A fresh tile id: 10 of [a-z0-9] (the server takes 1–16 of A-Z a-z 0-9 _ -). */
export function newTileId() {
  const b = crypto.getRandomValues(new Uint8Array(10));
  return [...b].map((x) => 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36]).join('');
}

export function topZ(tiles) {
  return Math.min(LIMITS.maxZ, tiles.reduce((z, t) => Math.max(z, t.z + 1), 0));
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function moveBy(tile, dx, dy) {
  tile.x = clampCoord(tile.x + dx);
  tile.y = clampCoord(tile.y + dy);
}

export function resize(tile, w, h) {
  tile.w = clampSize(w);
  tile.h = clampSize(h);
}

/** A copy offset by the gap, on top; null when the board is full. */
export function duplicate(tiles, tile) {
  if (tiles.length >= LIMITS.tiles) return null;
  const copy = { ...tile, id: newTileId(), x: clampCoord(tile.x + GAP), y: clampCoord(tile.y + GAP), z: topZ(tiles) };
  delete copy.linked_from;
  tiles.push(copy);
  return copy;
}

export function remove(tiles, tile) {
  const i = tiles.indexOf(tile);
  if (i >= 0) tiles.splice(i, 1);
}

/** A new tile right of `source`, the same size, linked from it, stepping past tiles there. */
export function placeBeside(tiles, source, fields = {}) {
  if (tiles.length >= LIMITS.tiles) return null;
  const t = {
    id: newTileId(),
    asset_id: null,
    x: clampCoord(source.x + source.w + GAP),
    y: source.y,
    w: source.w,
    h: source.h,
    z: topZ(tiles),
    linked_from: source.id,
    ...fields,
  };
  for (let i = 0; i < LIMITS.tiles; i++) {
    const hit = tiles.find((o) => overlaps(o, t));
    if (!hit) break;
    if (hit.x + hit.w + GAP + t.w > LIMITS.coord) {
      t.x = source.x;
      t.y = clampCoord(hit.y + hit.h + GAP);
    } else t.x = hit.x + hit.w + GAP;
  }
  tiles.push(t);
  return t;
}

/** The tiles as the API takes them: pending tiles (no asset yet) left out. */
export function savedTiles(tiles) {
  return tiles
    .filter((t) => t.asset_id)
    .map(({ id, asset_id, x, y, w, h, z, linked_from }) => (linked_from ? { id, asset_id, x, y, w, h, z, linked_from } : { id, asset_id, x, y, w, h, z }));
}
