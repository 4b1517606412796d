// Collections on the real local stack in headless Chromium: make a collection, add a selection
// from the gallery ("Add to collection…"), filter the gallery by it and reload (the filter is in
// the address), remove from it; the Collections page (rename, counts, delete keeps the
// pictures); the studio's "Add new results to" sends a new result into the chosen collection.
// axe-core on the new views in both themes, and keyboard use of the selection and the dialog.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes, axeViolations } from './helpers.mjs';

describe('collections on the local stack', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  const stamp = Date.now();
  const assets = [];

  before(async () => {
    user = await createUser('collections');
    api = await apiAs(user);
    // Two pictures to organize, made through the API (the studio path is tested below).
    for (const i of [1, 2]) {
      const { status, body } = await api('POST', '/images/generate', { model: 'imagen-4', prompt: `Collected lighthouse ${i} ${stamp}` });
      assert.equal(status, 202, JSON.stringify(body));
      await eventually(async () => {
        const j = (await api('GET', `/jobs/${body.job.id}`)).body;
        assert.equal(j.job.status, 'succeeded');
        assets.push(j.job.asset_ids[0]);
      }, { timeout: 60_000 });
    }
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const nav = (name) => page.locator('#app-nav').getByRole('button', { name, exact: true });
  const tile = (id) => page.locator(`#gallery-grid > li[data-asset-id="${id}"]`);

  test('a selection goes into a new collection, the gallery filters by it across a reload, and it comes out again', async () => {
    await nav('Gallery').click();
    await tile(assets[0]).waitFor();
    await tile(assets[1]).waitFor();
    // Select the first picture by keyboard, then "Add to collection…" into a new one.
    await tile(assets[0]).locator('.tile__check').focus();
    await page.keyboard.press('Space');
    await page.locator('#gallery-selected', { hasText: '1 selected' }).waitFor();
    await page.getByRole('button', { name: 'Add to collection…' }).click();
    const dialog = page.locator('#collect-dialog');
    await dialog.waitFor();
    await page.getByLabel('Or a new collection named').fill(`Lighthouses ${stamp}`);
    const v = await axeViolations(page);
    assert.deepEqual(v, [], JSON.stringify(v, null, 1));
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const list = (await api('GET', '/collections')).body.collections;
    assert.equal(list.length, 1);
    const c = list[0];
    assert.equal(c.name, `Lighthouses ${stamp}`);
    assert.equal(c.item_count, 1);

    // Filter by it: only that picture; the address keeps it, so a reload shows the same.
    await page.getByLabel('Collection', { exact: true }).selectOption(c.id);
    await eventually(async () => assert.equal(await tile(assets[1]).count(), 0));
    await tile(assets[0]).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('collection'), c.id);
    await page.reload();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    await tile(assets[0]).waitFor();
    assert.equal(await tile(assets[1]).count(), 0);
    await eventually(async () => assert.equal(await page.getByLabel('Collection', { exact: true }).inputValue(), c.id));
    const axe = await axeBothThemes(page, 'gallery-collection');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // Remove it from the collection: the filtered gallery is empty; the picture stays.
    await tile(assets[0]).locator('.tile__check').check();
    await page.getByRole('button', { name: 'Remove from collection' }).click();
    await page.locator('#gallery-empty:not([hidden])').waitFor();
    assert.equal((await api('GET', `/assets/${assets[0]}`)).status, 200);
    assert.equal((await api('GET', `/collections/${c.id}`)).body.collection.item_count, 0);
  });

  test('the Collections page renames and deletes, and the pictures stay', async () => {
    const c = (await api('GET', '/collections')).body.collections[0];
    await api('POST', `/collections/${c.id}/assets`, { action: 'add', asset_ids: assets });
    await nav('Collections').click();
    const entry = page.locator('#collections-list').getByRole('button', { name: new RegExp(`Lighthouses ${stamp} — 2 pictures`) });
    await entry.waitFor();
    await entry.focus();
    await page.keyboard.press('Enter');
    await page.locator('#collection-detail:not([hidden])').waitFor();
    await page.locator('#collection-preview img').nth(1).waitFor();
    const axe = await axeBothThemes(page, 'collections');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await page.getByLabel('Name', { exact: true }).fill('Coast');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.locator('#collection-detail-title', { hasText: 'Coast' }).waitFor();
    await page.reload();
    await page.locator('#collection-detail-title', { hasText: 'Coast' }).waitFor();
    await page.getByRole('button', { name: 'Delete collection…' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#collection-detail').waitFor({ state: 'hidden' });
    assert.deepEqual((await api('GET', '/collections')).body.collections, []);
    for (const id of assets) assert.equal((await api('GET', `/assets/${id}`)).status, 200, `${id} stays`);
  });

  test('the studio sends a new result into the chosen collection', async () => {
    const made = (await api('POST', '/collections', { name: `Studio ${stamp}` })).body.collection;
    await nav('Studio').click();
    await page.locator('#studio-view:not([hidden])').waitFor(); // the address names it once it is shown
    await page.reload();
    await page.locator('#studio-view:not([hidden])').waitFor();
    await eventually(async () => assert.ok((await page.locator('#studio-collection option').allInnerTexts()).some((t) => t.startsWith(`Studio ${stamp}`))));
    await page.getByLabel('Add new results to').selectOption(made.id);
    const prompt = `A harbour at night ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: /Generate/ }).click();
    await eventually(async () => {
      const page1 = (await api('GET', `/assets?collection=${made.id}`)).body.assets;
      assert.equal(page1.length, 1);
      assert.equal(page1[0].prompt, prompt);
    }, { timeout: 60_000 });
    assert.deepEqual(problems, []);
  });
});

if (!BASE_URL) console.log('collections browser tests skipped: BASE_URL is not set');
