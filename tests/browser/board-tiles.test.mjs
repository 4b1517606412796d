// The board's tile operations (frontend-static/js/board-tiles.js), in Node: the page's copy of
// shared/src/domain/board.rs must keep the server's rules, or every save would be a 400.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, GAP, newTileId, moveBy, resize, duplicate, placeBeside, savedTiles } from '../../frontend-static/js/board-tiles.js';
import { varyPrompt } from '../../frontend-static/js/boards.js';

const base = () => [{ id: 'a', asset_id: 'A', x: 10, y: 20, w: 200, h: 150, z: 0 }];

test('tile ids match the server pattern', () => {
  for (let i = 0; i < 50; i++) assert.match(newTileId(), /^[A-Za-z0-9_-]{1,16}$/);
});

test('moves and resizes are clamped to whole pixels within the limits', () => {
  const [t] = base();
  moveBy(t, 1e9, -1e9);
  assert.deepEqual([t.x, t.y], [LIMITS.coord, -LIMITS.coord]);
  resize(t, 3.6, 1e6);
  assert.deepEqual([t.w, t.h], [LIMITS.minSize, LIMITS.maxSize]);
});

test('duplicate offsets a copy on top; place beside lands right of the source, linked, past neighbours', () => {
  const tiles = base();
  const copy = duplicate(tiles, tiles[0]);
  assert.deepEqual([copy.x, copy.y, copy.z, copy.linked_from], [10 + GAP, 20 + GAP, 1, undefined]);
  const tiles2 = base();
  const first = placeBeside(tiles2, tiles2[0], { asset_id: 'B' });
  assert.deepEqual([first.x, first.y, first.w, first.h, first.linked_from], [10 + 200 + GAP, 20, 200, 150, 'a']);
  const second = placeBeside(tiles2, tiles2[0], { pending: 'Varying… queued' });
  assert.equal(second.x, first.x + first.w + GAP);
  // A pending tile (no asset yet) is not saved; linked_from only when set.
  assert.deepEqual(savedTiles(tiles2).map((t) => Object.keys(t).length), [7, 8]);
});

test('Vary asks for a variation of the picture itself, within the prompt limit', () => {
  assert.match(varyPrompt({ prompt: 'a fox' }), /variation of this image.*a fox$/);
  assert.ok(varyPrompt({ prompt: 'x'.repeat(5000) }).length <= 2000);
  assert.match(varyPrompt({ prompt: null }), /variation of this image/);
});
