// One address per view (router.js): every section has its own address (`?view=<section>`) that
// a reload keeps; Back and Forward move between the sections visited; typing a gallery search
// updates the address without a history entry per keystroke; old addresses (`?gallery`,
// `?account`, `?export`) still open their section, rewritten into the new form.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test router.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, SKIP, launchBrowser, watchPage, eventually, createUser, signIn } from './helpers.mjs';

const SECTIONS = ['studio', 'compare', 'story', 'boards', 'gallery', 'trash', 'collections', 'usage', 'shares', 'account', 'export'];

describe('one address per view', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;

  before(async () => {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, await createUser('router'));
  });

  after(async () => {
    await browser?.close();
  });

  const viewParam = () => new URL(page.url()).searchParams.get('view');
  /** The one section shown (its element is the only one of them not hidden). */
  const shown = () =>
    page.evaluate((names) => names.filter((n) => document.getElementById(`${n}-view`)?.hidden === false), SECTIONS);
  async function open(name) {
    if (name === 'account') await page.locator('#account-link').click();
    else if (name === 'export') await page.locator('#export-link').click();
    else await page.getByRole('navigation', { name: 'Sections' }).locator(`[data-view="${name}"]`).click();
    await page.locator(`#${name}-view:not([hidden])`).waitFor();
  }

  test('every section has its own address, and a reload opens it again', async () => {
    for (const name of SECTIONS) {
      await open(name);
      await eventually(async () => assert.equal(viewParam(), name));
      await page.reload();
      await page.locator(`#${name}-view:not([hidden])`).waitFor();
      assert.deepEqual(await shown(), [name], `after a reload of ?view=${name}`);
      assert.equal(viewParam(), name);
    }
    assert.deepEqual(problems, []);
  });

  test('Back and Forward move between the sections visited', async () => {
    await open('studio');
    await open('gallery');
    await open('usage');
    await page.goBack();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    assert.deepEqual(await shown(), ['gallery']);
    await page.goBack();
    await page.locator('#studio-view:not([hidden])').waitFor();
    assert.deepEqual(await shown(), ['studio']);
    await page.goForward();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    assert.deepEqual(await shown(), ['gallery']);
    assert.equal(viewParam(), 'gallery');
    assert.deepEqual(problems, []);
  });

  test('a gallery search is in the address without a history entry per keystroke, and Back keeps it', async () => {
    await open('gallery');
    const before = await page.evaluate(() => history.length);
    await page.getByLabel('Search prompts').pressSequentially('red fox', { delay: 30 });
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('q'), 'red fox'));
    assert.equal(await page.evaluate(() => history.length), before, 'typing replaces the entry');
    await open('trash');
    assert.equal(new URL(page.url()).searchParams.get('q'), null, 'another section drops the search from its address');
    await page.goBack();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    assert.equal(await page.getByLabel('Search prompts').inputValue(), 'red fox');
    assert.equal(new URL(page.url()).searchParams.get('q'), 'red fox');
    assert.deepEqual(problems, []);
  });

  test('old addresses still open their section, in the new form', async () => {
    for (const [old, name, rest] of [
      ['?gallery&q=lighthouse', 'gallery', [['q', 'lighthouse']]],
      ['?account', 'account', []],
      ['?export', 'export', []],
    ]) {
      await page.goto(`${BASE_URL}/${old}`);
      await page.locator(`#${name}-view:not([hidden])`).waitFor();
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('view'), name, page.url());
      for (const [k, v] of rest) assert.equal(url.searchParams.get(k), v, page.url());
      for (const marker of ['gallery', 'account', 'export']) assert.ok(!url.searchParams.has(marker), page.url());
      if (name === 'gallery') assert.equal(await page.getByLabel('Search prompts').inputValue(), 'lighthouse');
    }
    assert.deepEqual(problems, []);
  });
});

if (!BASE_URL) console.log('router browser tests skipped: BASE_URL is not set');
