// A running video's card shows the time since it started and its model's typical time,
// measured, against the real local stack (its Replicate simulator) in headless Chromium: after
// three videos of Veo 3.1 Fast have run, GET /api/models has its `typical_seconds`, and the card
// of a video still running (the simulator stalls it) says "typically about N s" with its progress
// against that figure; while the model has no figure the card claims none and its bar only runs;
// axe-core clean on the card in both themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test typical-time.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

const MODEL = 'veo-3.1-fast';
const OPTIONS = { duration: 4, generate_audio: false }; // $0.40 a video

/** As the page writes a duration (format.js formatDuration) of whole seconds. */
function seconds(n) {
  if (n < 60) return `${n} s`;
  return n % 60 ? `${Math.floor(n / 60)} min ${n % 60} s` : `${n / 60} min`;
}

describe('a running video shows its elapsed and typical time', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let user;
  let api;
  const problems = [];
  const stamp = Date.now().toString(36);

  before(async () => {
    user = await createUser('typical');
    api = await apiAs(user);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function video(prompt) {
    const r = await api('POST', '/videos/generate', { model: MODEL, prompt, options: OPTIONS });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.job.id;
  }

  async function typicalNow() {
    const { body } = await api('GET', '/models');
    return body.models.find((m) => m.id === MODEL).typical_seconds;
  }

  async function studio({ nullTimes = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems.push(...watchPage(page));
    if (nullTimes) {
      // The catalog as it is before a model has three runs: no figure for any.
      await page.route('**/api/models', async (route) => {
        const res = await route.fetch();
        const body = await res.json();
        for (const m of body.models) m.typical_seconds = null;
        await route.fulfill({ response: res, json: body });
      });
    }
    await signIn(page, user);
    return page;
  }

  const card = (page, prompt) => page.locator('#jobs > li.job', { hasText: prompt });

  async function running(page, prompt) {
    const c = card(page, prompt);
    await c.waitFor();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'running'), { timeout: 20_000 });
    return c;
  }

  test('after three runs the model has a typical time, and a running card says it', async () => {
    for (let i = 0; i < 3; i++) {
      const id = await video(`waves on a pier, take ${i} ${stamp}`);
      await eventually(
        async () => assert.equal((await api('GET', `/jobs/${id}`)).body.job.status, 'succeeded'),
        { timeout: 60_000, interval: 500 },
      );
    }
    const typical = await typicalNow();
    assert.ok(Number.isInteger(typical) && typical >= 1, `typical_seconds: ${typical}`);

    const prompt = `[sim:stall] a slow tide ${stamp}`;
    const id = await video(prompt);
    const page = await studio();
    const c = await running(page, prompt);
    await eventually(async () => assert.match(await c.innerText(), new RegExp(`typically about ${seconds(typical)}`)));
    // The elapsed time runs in the status line.
    const elapsed = c.locator('.job__elapsed');
    assert.match(await elapsed.innerText(), /· \d+ (s|min)/);
    const bar = c.locator('progress.job__progress');
    await eventually(async () => assert.ok(Number(await bar.getAttribute('value')) > 0, 'the bar runs against the figure'));
    assert.match(await bar.getAttribute('aria-label'), new RegExp(`^Video in progress: .+, typically about ${seconds(typical)}$`));
    const axe = await axeBothThemes(page, 'typical-time');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await c.locator('.job__cancel').click();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'canceled'), { timeout: 20_000 });
    assert.equal((await api('GET', `/jobs/${id}`)).body.job.status, 'canceled');
    await page.context().close();
  });

  test('without a figure the card claims none and its bar only runs', async () => {
    const prompt = `[sim:stall] an unmeasured dawn ${stamp}`;
    await video(prompt);
    const page = await studio({ nullTimes: true });
    const c = await running(page, prompt);
    const bar = c.locator('progress.job__progress');
    await bar.waitFor();
    await page.waitForTimeout(1500); // a second's tick redraws the bar
    assert.equal(await bar.getAttribute('value'), null, 'indeterminate');
    assert.match(await bar.getAttribute('aria-label'), /^Video in progress: .+ so far$/);
    assert.doesNotMatch(await c.innerText(), /typically|usually/);
    assert.match(await c.locator('.job__elapsed').innerText(), /· \d+ (s|min)/);
    await c.locator('.job__cancel').click();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'canceled'), { timeout: 20_000 });
    await page.context().close();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
