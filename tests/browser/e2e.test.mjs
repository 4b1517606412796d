// End-to-end test: the real local stack (gateway + moto Cognito + simulator or Replicate),
// driven through the real frontend in headless Chromium.
//
// The Makefile starts the stack and sets:
//   BASE_URL            e.g. http://127.0.0.1:3000
//   E2E_USER            a fresh user an admin created...
//   E2E_TEMP_PASSWORD   ...with this temporary password
//   E2E_NEW_PASSWORD    the password the test chooses at first sign-in
//
//   cd tests/browser && npm ci && BASE_URL=... E2E_USER=... node --test e2e.test.mjs
//
// Without BASE_URL the test is skipped.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, watchPage, screenshot, eventually, horizontalOverflow } from './helpers.mjs';

const BASE_URL = process.env.BASE_URL;
const SKIP = BASE_URL
  ? false
  : 'BASE_URL is not set: start the local stack (make dev) and set BASE_URL, E2E_USER, E2E_TEMP_PASSWORD, E2E_NEW_PASSWORD';

const IMAGE_TIMEOUT = 60_000;

describe('studio end to end against the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;
  let config;
  const prompt = `A red fox in fresh snow at golden hour, e2e ${Date.now()}`;

  before(async () => {
    for (const name of ['E2E_USER', 'E2E_TEMP_PASSWORD', 'E2E_NEW_PASSWORD']) {
      if (!process.env[name]) throw new Error(`${name} must be set when BASE_URL is set`);
    }
    const res = await fetch(new URL('/config.json', BASE_URL));
    assert.equal(res.status, 200, 'GET /config.json');
    config = await res.json();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
  });

  after(async () => {
    await browser?.close();
  });

  const card = () => page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: prompt }) });

  /** Wait for the card's image to be really loaded; fail early with the job's error if it failed. */
  async function waitForResult(timeout) {
    const c = card();
    await c.waitFor({ timeout: 15_000 });
    const deadline = Date.now() + timeout;
    for (;;) {
      const state = await c.evaluate((el) => {
        const img = el.querySelector('img');
        return {
          status: el.dataset.status,
          error: el.querySelector('.job__error')?.textContent || null,
          loaded: Boolean(img && img.complete && img.naturalWidth > 0),
          width: img ? img.naturalWidth : 0,
        };
      });
      if (state.loaded) return state;
      if (state.status === 'failed' || state.status === 'canceled') {
        assert.fail(`the job ${state.status}: ${state.error}`);
      }
      if (Date.now() > deadline) assert.fail(`no image after ${timeout / 1000} s (status ${state.status})`);
      await page.waitForTimeout(250);
    }
  }

  test('a new user signs in through NEW_PASSWORD_REQUIRED', async () => {
    await page.goto(BASE_URL);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill(process.env.E2E_USER);
    await page.getByLabel('Password', { exact: true }).fill(process.env.E2E_TEMP_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(process.env.E2E_NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(process.env.E2E_NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();

    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    await page.locator('#username', { hasText: process.env.E2E_USER }).waitFor();
    if (config.provider === 'simulator') {
      assert.ok(await page.locator('#sim-badge').isVisible(), 'the simulated provider is shown plainly');
    }
  });

  test('generating with Imagen 4 shows the image', async () => {
    const imagen = page.locator('#model-list .model', {
      has: page.locator('.model__name', { hasText: /^Imagen 4$/ }),
    });
    await imagen.waitFor();
    assert.match(await imagen.innerText(), /\$\d+(\.\d+)? \/ image/);
    await imagen.locator('label').click();
    assert.ok(await imagen.locator('input[type=radio]').isChecked());

    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: /Generate/ }).click();
    await card().waitFor();
    assert.equal(await page.locator('#form-error').isVisible(), false);

    const result = await waitForResult(IMAGE_TIMEOUT);
    assert.ok(result.width > 0);
    assert.match(await card().locator('.status').innerText(), /Done/);
    assert.match(await card().locator('.job__model').innerText(), /^Imagen 4$/);
    await screenshot(page, 'e2e-result.png');
  });

  test('after a reload the user is still signed in and the job is in the history', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    assert.equal(await page.locator('#login-view').isVisible(), false);
    // Only the refresh token survives the reload in storage; ID and access tokens stay in memory.
    const stored = await page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
    assert.deepEqual(Object.keys(stored).filter((k) => k.startsWith('vn.')), ['vn.refresh.v2']);
    assert.deepEqual(Object.keys(JSON.parse(stored['vn.refresh.v2'])).sort(), ['refreshToken', 'username']);
    const result = await waitForResult(20_000);
    assert.ok(result.width > 0);
    assert.ok((await horizontalOverflow(page)) <= 0);
  });

  test('log out returns to the sign-in form', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#studio-view').isVisible(), false);
    await eventually(async () => assert.equal(await page.evaluate(() => localStorage.length), 0));
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
