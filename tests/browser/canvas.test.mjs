// The canvas (Boards) against the real local stack (gateway + moto + the Replicate simulator),
// in headless Chromium: a board of 200 tiles seeded through the API; drag a tile (the drag's
// frame times are measured and printed, not asserted), nudge one with the keyboard, reload: both
// are where they were left; vary a tile: the result lands beside it, linked; axe-core clean in
// both themes; never a CSP violation.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test canvas.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP, BASE_URL, launchBrowser, watchPage, eventually, createUser, signIn, axeBothThemes, apiAs, screenshot, horizontalOverflow,
} from './helpers.mjs';

const COLS = 20;
const tileAt = (i, assetId) => ({ id: `t${String(i).padStart(3, '0')}`, asset_id: assetId, x: (i % COLS) * 180, y: Math.floor(i / COLS) * 140, w: 160, h: 120, z: i });

describe('boards (canvas) on the local stack', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  let boardId;
  const stamp = Date.now();

  before(async () => {
    user = await createUser('canvas');
    api = await apiAs(user);
    const jobs = [];
    for (const p of ['a red kite', 'a blue door', 'a green hill']) {
      const r = await api('POST', '/images/generate', { model: 'imagen-4', prompt: `${p} ${stamp}` });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      jobs.push(r.body.job.id);
    }
    const assets = [];
    for (const id of jobs) {
      await eventually(async () => {
        const r = await api('GET', `/jobs/${id}`);
        assert.equal(r.body.job.status, 'succeeded');
        assets.push(r.body.job.asset_ids[0]);
      }, { timeout: 60_000, interval: 300 });
    }
    const created = await api('POST', '/boards', { name: `Moodboard ${stamp}` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    boardId = created.body.board.id;
    const tiles = Array.from({ length: 200 }, (_, i) => tileAt(i, assets[i % 3]));
    const saved = await api('PUT', `/boards/${boardId}`, { version: 1, tiles });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));

    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const tile = (id) => page.locator(`.btile[data-id="${id}"]`);
  const stored = async () => (await api('GET', `/boards/${boardId}`)).body.board;

  async function openBoard() {
    await page.locator('#app-nav [data-view="boards"]').click();
    await page.locator('#boards-view:not([hidden])').waitFor();
    await page.locator(`#board-list [data-board="${boardId}"]`).click();
    await eventually(async () => assert.equal(await page.locator('.btile').count(), 200));
  }

  test('200 tiles render lazily with explicit sizes; a drag and a keyboard nudge survive a reload', async () => {
    await openBoard();
    const imgs = page.locator('.btile img');
    assert.equal(await imgs.count(), 200);
    const attrs = await imgs.evaluateAll((els) => els.map((e) => [e.getAttribute('loading'), e.getAttribute('width'), e.getAttribute('height')]));
    assert.ok(attrs.every(([l, w, h]) => l === 'lazy' && Number(w) > 0 && Number(h) > 0), JSON.stringify(attrs.slice(0, 3)));

    const before = await tile('t021').boundingBox();
    const ref = await tile('t022').boundingBox();
    // Record frame times while dragging (a rAF loop), printed below.
    await page.evaluate(() => {
      window.__frames = [];
      window.__rec = true;
      let last = performance.now();
      const loop = (t) => {
        window.__frames.push(t - last);
        last = t;
        if (window.__rec) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    await page.mouse.move(before.x + 40, before.y + 40);
    await page.mouse.down();
    const [dx, dy] = [230, 95];
    for (let i = 1; i <= 30; i++) await page.mouse.move(before.x + 40 + (dx * i) / 30, before.y + 40 + (dy * i) / 30);
    await page.mouse.up();
    const frames = await page.evaluate(() => {
      window.__rec = false;
      return window.__frames.slice(1);
    });
    const sorted = [...frames].sort((a, b) => a - b);
    const avg = frames.reduce((s, f) => s + f, 0) / Math.max(1, frames.length);
    console.log(
      `drag on a 200-tile board: ${frames.length} frames, mean ${avg.toFixed(1)} ms, p95 ${(sorted[Math.floor(sorted.length * 0.95)] || 0).toFixed(1)} ms, max ${(sorted.at(-1) || 0).toFixed(1)} ms`,
    );
    const moved = await tile('t021').boundingBox();
    assert.equal(Math.round(moved.x - before.x), dx);
    assert.equal(Math.round(moved.y - before.y), dy);

    // The keyboard: arrows move the focused tile.
    await tile('t000').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');

    await eventually(async () => {
      const b = await stored();
      const t21 = b.tiles.find((t) => t.id === 't021');
      const t0 = b.tiles.find((t) => t.id === 't000');
      assert.deepEqual([t21.x, t21.y], [180 + dx, 140 + dy]);
      assert.deepEqual([t0.x, t0.y], [10, 50]);
    }, { timeout: 10_000 });
    await eventually(async () => assert.match(await page.locator('#board-save-status').textContent(), /^Saved/));

    await page.reload();
    await page.locator('#boards-view:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await page.locator('.btile').count(), 200));
    const after = await tile('t021').boundingBox();
    const refAfter = await tile('t022').boundingBox();
    assert.equal(Math.round(after.x - refAfter.x), Math.round(moved.x - ref.x), 'where it was left, relative to its neighbour');
    assert.equal(Math.round(after.y - refAfter.y), Math.round(moved.y - ref.y));
    await screenshot(page, 'canvas-200.png');
    assert.equal(await horizontalOverflow(page), 0, 'the plane scrolls inside the board, the page does not');
  });

  test('vary a tile: a pending tile beside it, then the result, linked and saved', async () => {
    const source = tile('t019'); // the end of the first row: the spot to its right is free
    await source.hover();
    await source.getByRole('button', { name: 'Vary this picture' }).click();
    const pending = page.locator('.btile.is-pending');
    await eventually(async () => assert.equal(await pending.count(), 1));
    const newId = await pending.getAttribute('data-id');
    await eventually(async () => assert.equal(await page.locator('.btile.is-pending').count(), 0), { timeout: 60_000, interval: 250 });
    const result = tile(newId);
    await result.locator('img').waitFor();
    assert.equal(await result.locator('.btile__badge').textContent(), 'Linked');
    assert.equal(await page.locator(`line.board__link[data-from="t019"][data-to="${newId}"]`).count(), 1);
    const src = await source.boundingBox();
    const box = await result.boundingBox();
    assert.equal(Math.round(box.y), Math.round(src.y), 'the same row');
    assert.equal(Math.round(box.x - (src.x + src.width)), 24, 'right beside, one gap away');

    await eventually(async () => {
      const b = await stored();
      const t = b.tiles.find((x) => x.id === newId);
      assert.ok(t, 'the result tile is saved');
      assert.equal(t.linked_from, 't019');
      assert.equal(t.x, 19 * 180 + 160 + 24);
      assert.equal(t.y, 0);
      const asset = (await api('GET', `/assets/${t.asset_id}`)).body.asset;
      const srcAsset = b.tiles.find((x) => x.id === 't019').asset_id;
      assert.deepEqual(asset.parent_ids, [srcAsset], 'an edit of the source picture');
    }, { timeout: 15_000 });
  });

  test('a stale save is refused: the page reloads the board and says so', async () => {
    const b = await stored();
    const other = await api('PUT', `/boards/${boardId}`, { version: b.version, name: `Renamed elsewhere ${stamp}` });
    assert.equal(other.status, 200);
    await tile('t100').focus();
    await page.keyboard.press('ArrowLeft');
    await eventually(async () => assert.match(await page.locator('#board-error').textContent(), /changed in another tab or on another device/));
    assert.equal(await page.locator('#board-name').inputValue(), `Renamed elsewhere ${stamp}`);
    const t100 = (await stored()).tiles.find((t) => t.id === 't100');
    assert.equal(t100.x, 0, 'the refused change was not written');
  });

  test('duplicate, delete, resize by the handle, and add from the gallery', async () => {
    await page.locator('#board-error').waitFor({ state: 'visible' }); // from the stale save above
    const count = async () => page.locator('.btile').count();
    const n = await count();
    const t150 = tile('t150');
    await t150.hover();
    await t150.getByRole('button', { name: 'Duplicate this tile' }).click();
    await eventually(async () => assert.equal(await count(), n + 1));
    const copyId = await page.evaluate(() => document.activeElement?.dataset.id);
    assert.ok(copyId && copyId !== 't150', 'the copy has focus');
    await tile(copyId).getByRole('button', { name: 'Delete this tile' }).click();
    await eventually(async () => assert.equal(await count(), n));

    const t199 = tile('t199');
    await t199.scrollIntoViewIfNeeded();
    const handle = await t199.locator('.btile__resize').boundingBox();
    await page.mouse.move(handle.x + 8, handle.y + 8);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(handle.x + 8 + 4 * i, handle.y + 8 + 3 * i);
    await page.mouse.up();

    await page.getByRole('button', { name: 'Add from gallery' }).click();
    const picks = page.locator('#board-pick-list .boards__pick');
    await eventually(async () => assert.ok((await picks.count()) >= 3));
    await picks.first().click();
    await eventually(async () => assert.equal(await count(), n + 1));

    await eventually(async () => {
      const b = await stored();
      const t = b.tiles.find((x) => x.id === 't199');
      assert.deepEqual([t.w, t.h], [200, 150], 'resized by the handle');
      assert.equal(b.tiles.length, n + 1, 'the duplicate was deleted, the gallery picture added');
    }, { timeout: 10_000 });

    // "Add from gallery" shows thumbnails, and is in the address: a reload opens it again on the
    // same board; closing it takes it out.
    let newest;
    await eventually(async () => {
      newest = (await api('GET', '/assets?limit=1')).body.assets[0];
      assert.ok(newest.thumb_url, 'the worker made the newest picture’s thumbnail');
    }, { timeout: 20_000, interval: 300 });
    await page.getByRole('button', { name: 'Add from gallery' }).click();
    await eventually(async () => assert.ok((await picks.count()) >= 3));
    assert.equal(new URL(page.url()).searchParams.get('pick'), '1');
    const path = (u) => new URL(u, BASE_URL).pathname;
    assert.equal(path(await picks.first().locator('img').getAttribute('src')), path(newest.thumb_url), 'a pick is the thumbnail, not the full picture');
    await page.reload();
    await eventually(async () => assert.ok((await picks.count()) >= 3));
    assert.equal(await page.locator('#board-pick').evaluate((d) => d.open), true);
    assert.equal(new URL(page.url()).searchParams.get('board'), boardId);
    await page.locator('#board-pick-close').click();
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('pick'), null));
    assert.equal(await count(), n + 1, 'the board is shown as it was saved');
  });

  test('axe-core is clean on the board in both themes, and no CSP violation happened', async () => {
    const axe = await axeBothThemes(page, 'canvas');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    assert.equal(await horizontalOverflow(page), 0, 'tiles far right do not widen the page');
    assert.deepEqual(problems, []);
    assert.ok(BASE_URL);
  });
});
