// Gallery search against the real local stack in headless Chromium: typing in the search box
// (debounced) finds pictures by words of their prompt (a word prefix, any case and accent), the
// order and a filter combine with it, and everything is in the address: a reload opens the
// gallery with the same search, filters and results. axe-core on the searched gallery in both
// themes; never a CSP violation.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, screenshot, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('gallery search and its filters survive a reload', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let api;
  const stamp = Date.now().toString(36);
  const prompts = [`A Lighthouse at dusk q${stamp}`, `Café on a rainy street q${stamp}`, `the lighthouse keeper's café q${stamp}`];
  const made = []; // asset ids, in creation order

  before(async () => {
    const user = await createUser('search');
    api = await apiAs(user);
    for (const prompt of prompts) {
      const job = (await api('POST', '/images/generate', { model: 'imagen-4', prompt })).body.job;
      let done;
      await eventually(async () => {
        done = (await api('GET', `/jobs/${job.id}`)).body;
        assert.equal(done.job.status, 'succeeded');
      }, { timeout: 60_000 });
      made.push(done.assets[0].id);
    }
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  // The gallery's own search form (the Usage view has a From and To too).
  const filters = () => page.locator('#gallery-filters');
  const shown = async () => page.locator('#gallery-grid > li').evaluateAll((lis) => lis.map((li) => li.dataset.assetId));

  test('a word prefix finds its pictures, the order and a filter combine, and a reload keeps them', async () => {
    await page.locator('#app-nav').getByRole('button', { name: 'Gallery', exact: true }).click();
    const box = filters().getByLabel('Search prompts', { exact: true });
    await box.fill(`LIGHT q${stamp}`);
    await eventually(async () => assert.deepEqual(await shown(), [made[2], made[0]]));
    assert.match(page.url(), /[?&]q=LIGHT\+q/);

    await box.fill(`cafe q${stamp}`);
    await eventually(async () => assert.deepEqual(await shown(), [made[2], made[1]]), { timeout: 5_000 });
    await filters().getByLabel('Order', { exact: true }).selectOption('oldest');
    await eventually(async () => assert.deepEqual(await shown(), [made[1], made[2]]));
    await filters().getByLabel('Kind', { exact: true }).selectOption('image');
    const today = new Date().toISOString().slice(0, 10);
    await filters().getByLabel('From', { exact: true }).fill(today);
    await filters().getByLabel('From', { exact: true }).dispatchEvent('change');
    await eventually(async () => assert.match(page.url(), new RegExp(`from=${today}`)));
    await eventually(async () => assert.deepEqual(await shown(), [made[1], made[2]]));

    await page.reload();
    await eventually(async () => assert.deepEqual(await shown(), [made[1], made[2]]));
    assert.equal(await filters().getByLabel('Search prompts', { exact: true }).inputValue(), `cafe q${stamp}`);
    assert.equal(await filters().getByLabel('Order', { exact: true }).inputValue(), 'oldest');
    assert.equal(await filters().getByLabel('Kind', { exact: true }).inputValue(), 'image');
    assert.equal(await filters().getByLabel('From', { exact: true }).inputValue(), today);
    assert.equal(await page.locator('#gallery-view').isVisible(), true, 'the reload opens the gallery');
    await screenshot(page, 'gallery-search.png');

    // A date range before the pictures: nothing matches.
    await filters().getByLabel('From', { exact: true }).fill('2001-01-01');
    await filters().getByLabel('To', { exact: true }).fill('2001-01-02');
    await filters().getByLabel('To', { exact: true }).dispatchEvent('change');
    await page.locator('#gallery-empty:not([hidden])').waitFor();

    const axe = await axeBothThemes(page, 'gallery-search');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // Leaving the gallery takes its parameters out of the address.
    await page.locator('#app-nav').getByRole('button', { name: 'Studio', exact: true }).click();
    await page.locator('#studio-view:not([hidden])').waitFor(); // the address changes as it opens
    assert.doesNotMatch(page.url(), /[?&](q|gallery)=?/);
    assert.equal(new URL(page.url()).searchParams.get('view'), 'studio');
    assert.deepEqual(problems, []);
  });
});
