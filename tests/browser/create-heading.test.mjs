// The studio's "Create" heading is in view once the studio has loaded, against the real local
// stack in headless Chromium, on a phone (360×740) and a laptop (1280×800): for a new account
// (also signed in on a phone whose keyboard had scrolled the sign-in page), and for one with a
// history and a picture being worked on (its address `#step=…`), at first load and reloaded
// from a page scrolled down to the last card (the browser's own scroll restoration, a restored
// chain and the cards arriving must not carry it away).
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test create-heading.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, BASE_URL, launchBrowser, watchPage, eventually, createUser, signIn, apiAs } from './helpers.mjs';

const SIZES = [
  { name: 'a phone', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true },
  { name: 'a laptop', viewport: { width: 1280, height: 800 } },
];

describe('the Create heading is in view at load', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let busy; // a user with finished jobs and a picture in the chain
  let chainHash;
  const problems = [];

  before(async () => {
    browser = await launchBrowser();
    busy = await createUser('create-busy');
    const api = await apiAs(busy);
    const stamp = Date.now().toString(36);
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const r = await api('POST', '/images/generate', { model: 'imagen-4', prompt: `a harbour at dusk, take ${i} ${stamp}` });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.job.id);
    }
    let first;
    await eventually(
      async () => {
        const jobs = await Promise.all(ids.map((id) => api('GET', `/jobs/${id}`)));
        assert.ok(jobs.every((j) => j.body.job.status === 'succeeded'));
        first = jobs[0].body.assets[0];
      },
      { timeout: 60_000, interval: 500 },
    );
    // An edit of the first result: the studio's picture (chain) has two steps.
    const edit = await api('POST', '/images/edit', { model: 'nano-banana', prompt: `make it snow ${stamp}`, source_asset_ids: [first.id] });
    assert.equal(edit.status, 202, JSON.stringify(edit.body));
    let step;
    await eventually(
      async () => {
        const j = await api('GET', `/jobs/${edit.body.job.id}`);
        assert.equal(j.body.job.status, 'succeeded');
        step = j.body.assets[0].id;
      },
      { timeout: 60_000, interval: 500 },
    );
    chainHash = `#step=${step}&tips=${step}`;
  });

  after(async () => {
    await browser?.close();
  });

  /** The heading is on screen and not under the (sticky) top bar: the topmost element at its middle is the heading. */
  async function headingInView(page) {
    return page.evaluate(() => {
      const el = document.getElementById('create-title');
      const r = el.getBoundingClientRect();
      const x = r.left + Math.min(r.width, 40) / 2;
      const y = r.top + r.height / 2;
      const hit = y >= 0 && y < window.innerHeight ? document.elementFromPoint(x, y) : null;
      return { visible: Boolean(hit && el.contains(hit)), top: Math.round(r.top), scrollY: Math.round(window.scrollY), focus: document.activeElement?.id || document.activeElement?.tagName };
    });
  }

  /** Loaded: the studio, its models, its history's cards (or the empty note) and the picture. */
  async function settled(page, { chain }) {
    await page.locator('#studio-view:not([hidden])').waitFor();
    await page.locator('#model-list .model').first().waitFor();
    if (chain) {
      await page.locator('#stage:not([hidden]) #stage-view img').waitFor();
      await page.locator('#jobs > li.job').first().waitFor();
    } else {
      await page.locator('#jobs-empty:not([hidden])').waitFor();
    }
    await page.waitForTimeout(1500); // late layout: images decoding, scroll restoration retries
  }

  test('on a phone: signed in with the keyboard up (the sign-in page scrolled), then it goes down', async () => {
    const context = await browser.newContext({ ...SIZES[0], colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems.push(...watchPage(page));
    const user = await createUser('create-keys');
    await page.goto(BASE_URL);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.setViewportSize({ width: 360, height: 330 }); // an on-screen keyboard takes the rest
    await page.getByLabel('Username', { exact: true }).fill(user.name);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).scrollIntoViewIfNeeded();
    assert.ok((await page.evaluate(() => window.scrollY)) > 0, 'the sign-in page was scrolled');
    await page.keyboard.press('Enter');
    await page.locator('#studio-view:not([hidden])').waitFor();
    await page.setViewportSize(SIZES[0].viewport);
    await settled(page, { chain: false });
    const seen = await headingInView(page);
    assert.ok(seen.visible, JSON.stringify(seen));
    await context.close();
  });

  for (const size of SIZES) {
    test(`on ${size.name}: a new account`, async () => {
      const context = await browser.newContext({ ...size, colorScheme: 'dark' });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      problems.push(...watchPage(page));
      await signIn(page, await createUser('create-new'));
      await settled(page, { chain: false });
      const seen = await headingInView(page);
      assert.ok(seen.visible, JSON.stringify(seen));
      await page.reload();
      await settled(page, { chain: false });
      const again = await headingInView(page);
      assert.ok(again.visible, `after a reload: ${JSON.stringify(again)}`);
      await context.close();
    });

    test(`on ${size.name}: a history and a picture in the works, reloaded from a scrolled page`, async () => {
      const context = await browser.newContext({ ...size, colorScheme: 'dark' });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      problems.push(...watchPage(page));
      await signIn(page, busy);
      // The picture's address, loaded anew (the session is kept: it signs in by itself).
      await page.goto('about:blank');
      await page.goto(new URL(`/${chainHash}`, BASE_URL).href);
      await settled(page, { chain: true });
      const seen = await headingInView(page);
      assert.ok(seen.visible, `at first load: ${JSON.stringify(seen)}`);
      // Down to the last card, then reload: the browser would put the page back where it was.
      await page.locator('#jobs > li.job').last().scrollIntoViewIfNeeded();
      assert.ok((await page.evaluate(() => window.scrollY)) > 200, 'the page was scrolled down');
      await page.reload();
      await settled(page, { chain: true });
      const again = await headingInView(page);
      assert.ok(again.visible, `after a reload: ${JSON.stringify(again)}`);
      await context.close();
    });
  }

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
