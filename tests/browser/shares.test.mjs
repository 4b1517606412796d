// Share links against the real local stack, in headless Chromium: share a picture from the
// gallery's large view, open the link in a fresh browser context that never signed in (sees the
// picture; the prompt only when the link shows it), see the opens in the Shares view, revoke
// there by keyboard, reopen: the page says the link is gone (the API answered 404). The share
// page and the Shares view are axe-core clean in both themes; never a CSP violation.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test shares.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP, BASE_URL, launchBrowser, watchPage, eventually, waitForLoadedImage, createUser, signIn, axeBothThemes, apiAs,
} from './helpers.mjs';

describe('share links on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  const prompt = `a lighthouse kept secret ${Date.now()}`;

  before(async () => {
    user = await createUser('shares');
    api = await apiAs(user);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  /** A fresh context with no sign-in: what someone who got the link sees. */
  async function visit(url) {
    const context = await browser.newContext({ viewport: { width: 900, height: 800 }, colorScheme: 'dark' });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    const seen = watchPage(p);
    const answers = [];
    p.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/shared') answers.push(r.status());
    });
    await p.goto(url);
    return { page: p, context, seen, answers };
  }

  async function makeLink(showPrompt, noun = 'picture', button = page.getByRole('button', { name: 'Share…' })) {
    await button.click();
    const dialog = page.getByRole('dialog', { name: `Share this ${noun}` });
    await dialog.waitFor();
    await dialog.getByLabel('The link works for').selectOption({ label: '1 hour' });
    if (showPrompt) await dialog.getByLabel('Show the prompt').check();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = dialog.getByLabel('Your link');
    await link.waitFor();
    const url = await link.inputValue();
    assert.match(url, /\/share\.html#t=[A-Za-z0-9_-]{43}$/);
    await dialog.getByRole('button', { name: 'Close' }).click();
    return url;
  }

  test('share a picture, open it without signing in, revoke it, and the link is gone', async () => {
    const job = await api('POST', '/images/generate', { model: 'imagen-4', prompt });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    await eventually(async () => {
      const j = await api('GET', `/jobs/${job.body.job.id}`);
      assert.equal(j.body.job.status, 'succeeded');
    }, { timeout: 60_000, interval: 500 });
    await page.locator('#app-nav [data-view="gallery"]').click();
    const tile = page.locator('#gallery-grid .tile__open').first();
    await tile.waitFor();
    await tile.click();
    await page.locator('#asset-dialog[open]').waitFor();

    const hidden = await makeLink(false);
    const shown = await makeLink(true);
    // The open dialog is in the address: a reload opens it again, with no link made yet.
    await page.getByRole('button', { name: 'Share…' }).click();
    const again = page.getByRole('dialog', { name: 'Share this picture' });
    await again.waitFor();
    assert.equal(new URL(page.url()).searchParams.get('share'), 'asset');
    await page.reload();
    await again.waitFor();
    assert.equal(await again.getByRole('button', { name: 'Create link' }).isVisible(), true);
    await again.getByRole('button', { name: 'Close' }).click();
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('share'), null));
    assert.equal(await page.locator('#asset-dialog[open]').count(), 1, 'the picture under it is still shown');
    await page.keyboard.press('Escape');

    // Without the prompt: the picture, and nothing of the prompt anywhere on the page.
    const a = await visit(hidden);
    await a.page.locator('#share-items li').first().waitFor();
    assert.ok((await waitForLoadedImage(a.page.locator('#share-items'), 20_000)) > 0);
    assert.ok(!(await a.page.content()).includes('lighthouse kept secret'), 'the prompt is hidden');
    assert.deepEqual(a.answers, [200]);
    const axe = await axeBothThemes(a.page, 'share-page');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 2));

    // With the prompt.
    const b = await visit(shown);
    await b.page.locator('#share-items li').first().waitFor();
    assert.match(await b.page.locator('#share-items figcaption').first().textContent(), /lighthouse kept secret/);
    assert.match(await b.page.locator('#share-items img').first().getAttribute('alt'), /lighthouse kept secret/);
    await b.context.close();

    // The Shares view: both links, the first opened once; revoke it by keyboard.
    await page.locator('#app-nav [data-view="shares"]').click();
    await page.locator('#shares-view:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await page.locator('#share-list > li').count(), 2));
    const axeView = await axeBothThemes(page, 'shares-view');
    assert.deepEqual(axeView, { dark: [], light: [] }, JSON.stringify(axeView, null, 2));
    const rows = page.locator('#share-list > li');
    const hiddenRow = rows.filter({ hasText: 'Prompt hidden' });
    assert.match(await hiddenRow.textContent(), /Opened 1 time(?!s)/);
    await hiddenRow.getByRole('button', { name: /^Revoke/ }).focus();
    await page.keyboard.press('Enter');
    await eventually(async () => assert.equal(await rows.count(), 1));

    // Reopened: the page says the link is gone, because the API said 404.
    await a.page.reload();
    await eventually(async () => assert.match(await a.page.locator('#share-status').textContent(), /does not exist, has expired or was revoked/));
    assert.deepEqual(a.answers, [200, 404]);
    assert.equal(await a.page.locator('#share-items img').count(), 0);
    assert.deepEqual(a.seen, []);
    await a.context.close();
    assert.deepEqual(problems, []);
  });

  test('a story link shows its frames in order with their captions, and nothing else', async () => {
    const story = await api('POST', '/stories', { prompt: `a paper boat on a river ${Date.now()}`, frames: 2 });
    assert.equal(story.status, 202, JSON.stringify(story.body));
    await eventually(async () => {
      const j = await api('GET', `/jobs/${story.body.story.job_id}`);
      assert.equal(j.body.job.status, 'succeeded');
    }, { timeout: 60_000, interval: 500 });
    await page.goto(`${BASE_URL}/?story=${story.body.story.id}`);
    await page.locator('#story-actions:not([hidden])').waitFor();
    const url = await makeLink(true, 'story', page.locator('#story-share'));
    const v = await visit(url);
    await v.page.locator('#share-items li').nth(1).waitFor();
    assert.equal(await v.page.locator('#share-title').textContent(), 'A story');
    const captions = await v.page.locator('#share-items figcaption').allTextContents();
    assert.equal(captions.length, 2);
    assert.match(captions[0], /^The beginning: a paper boat/);
    assert.match(captions[1], /^The ending: a paper boat/);
    assert.ok(!(await v.page.content()).includes('lighthouse kept secret'), 'nothing of the other shares');
    assert.deepEqual(v.seen, []);
    await v.context.close();
    assert.deepEqual(problems, []);
  });
});
