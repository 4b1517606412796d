// The studio against the real local stack (gateway + moto + the Replicate simulator), in
// headless Chromium: sign-in, the catalog's image models, generating, a failed job (the
// simulator's `[sim:fail]` switch), reuse of a job's settings, the session after a reload,
// axe-core in both themes, a phone-sized screen, sign-out; and never a CSP violation.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && npm ci && BASE_URL=http://127.0.0.1:3300 node --test

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, SKIP, launchBrowser, watchPage, screenshot, eventually, waitForLoadedImage, horizontalOverflow,
  createUser, apiAs, axeBothThemes,
} from './helpers.mjs';

const NEW_PASSWORD = 'Chosen-Password-456';

describe('the studio on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let catalog;
  const stamp = Date.now();

  before(async () => {
    user = await createUser('studio', { password: 'Temp-Password-123', permanent: false });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
  });

  after(async () => {
    await browser?.close();
  });

  const cards = () => page.locator('#jobs > li');
  const card = (prompt) => cards().filter({ has: page.locator('.job__prompt', { hasText: prompt }) });
  const model = (name) =>
    page.locator('#model-list .model', { has: page.locator('.model__name', { hasText: new RegExp(`^${name}$`) }) });

  async function waitForSettled(prompt, timeout = 60_000) {
    const c = card(prompt);
    await c.waitFor();
    await eventually(async () => assert.match(await c.getAttribute('data-status'), /succeeded|failed|canceled/), { timeout });
    return c;
  }

  test('sign-in: a wrong password is answered, the login page passes axe in both themes, then the first sign-in sets a password', async () => {
    await page.goto(BASE_URL);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const axe = await axeBothThemes(page, 'login');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    await page.getByLabel('Username', { exact: true }).fill(user.name);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error:not([hidden])').waitFor();
    assert.match(await page.locator('#login-error').innerText(), /incorrect|password/i);

    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('Abcdefgh-1x');
    await page.getByLabel('Repeat the new password').fill('Abcdefgh-2x');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.locator('#newpass-error', { hasText: 'The two passwords are not the same.' }).waitFor();
    await screenshot(page, 'studio-new-password.png');
    const axeNew = await axeBothThemes(page, 'new-password');
    assert.deepEqual(axeNew, { dark: [], light: [] }, JSON.stringify(axeNew, null, 1));

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    await page.locator('#username', { hasText: user.name }).waitFor();
    assert.ok(await page.locator('#sim-badge').isVisible(), 'the simulated provider is said plainly');
    user.password = NEW_PASSWORD;
  });

  test('Generate offers the catalog’s image models with prices and preselects its default', async () => {
    const api = await apiAs(user);
    catalog = (await api('GET', '/models')).body.models;
    const kinds = (m) => m.kinds || [m.kind];
    const image = catalog.filter((m) => kinds(m).includes('image'));
    await eventually(async () => assert.equal(await page.locator('#model-list .model').count(), image.length));
    const names = await page.locator('#model-list .model__name').allInnerTexts();
    assert.deepEqual(names, image.map((m) => m.name));
    for (const m of image) assert.match(await model(m.name).innerText(), /\$\d+(\.\d+)? \/ (image|run|second)/);
    const preferred = image.find((m) => (m.default_for || []).includes('image')) || image.find((m) => m.default) || image[0];
    assert.ok(await model(preferred.name).locator('input').isChecked(), `${preferred.name} is preselected`);
    // The estimate is the catalog's price for one image.
    const estimate = /Generate\s+·\s+\$([\d.]+)/.exec(await page.locator('#generate').innerText());
    assert.ok(estimate, 'the button shows the estimate');
    assert.equal(Number(estimate[1]), preferred.price.usd);
    // Every visible control has a label.
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll('#studio-view input, #studio-view select, #studio-view textarea')]
        .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map((el) => el.id || el.name));
    assert.deepEqual(unlabeled, []);
  });

  test('an empty prompt is caught in the page; a double click starts one job whose image appears', async () => {
    await page.getByLabel('Prompt', { exact: true }).fill('   ');
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#prompt-error', { hasText: 'Write a prompt first.' }).waitFor();
    assert.equal(await page.locator('#prompt').getAttribute('aria-invalid'), 'true');
    assert.equal(await cards().count(), 0);

    const prompt = `A lighthouse on a cliff at dawn ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    assert.equal(await page.locator('#prompt-error').isVisible(), false);
    const aspect = page.getByLabel('Aspect ratio');
    if (await aspect.count()) await aspect.selectOption('16:9');
    await page.getByRole('button', { name: /Generate/ }).dblclick();
    await card(prompt).waitFor();
    assert.match(await cards().first().innerText(), new RegExp(prompt));
    assert.ok((await waitForLoadedImage(card(prompt), 60_000)) > 0);
    await eventually(async () => assert.match(await card(prompt).locator('.status').innerText(), /Done/));
    assert.equal(await card(prompt).count(), 1, 'a double click must not start two jobs');
    const meta = (await card(prompt).locator('.job__meta').innerText()).replace(/\s+/g, ' ');
    assert.match(meta, /Estimate \$\d/);
    assert.match(meta, /Cost \$\d/);
    if (await aspect.count()) assert.match(await card(prompt).locator('.job__options').innerText(), /aspect ratio: 16:9/);
    await eventually(async () => assert.match(await page.locator('#announcer').innerText(), /Image ready/));
    await screenshot(page, 'studio-job-done.png');
  });

  test('a failed job (simulator fault) shows its error and costs nothing', async () => {
    const prompt = `this one will fail ${stamp} [sim:fail]`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
    const c = await waitForSettled(prompt);
    assert.equal(await c.getAttribute('data-status'), 'failed');
    assert.match(await c.locator('.job__error').innerText(), /\S/);
    assert.equal(await c.locator('img').count(), 0);
    assert.match((await c.locator('.job__meta').innerText()).replace(/\s+/g, ' '), /Cost —/);
  });

  test('“Use these settings” loads a job’s model, prompt and options back into the composer', async () => {
    const prompt = `A lighthouse on a cliff at dawn ${stamp}`;
    const job = card(prompt);
    const modelName = await job.locator('.job__model-name').innerText();
    await page.getByLabel('Prompt', { exact: true }).fill('something else');
    const other = (await page.locator('#model-list .model__name').allInnerTexts()).find((n) => n !== modelName);
    if (other) await model(other).locator('label').click();
    await job.getByRole('button', { name: /Use these settings/ }).click();
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), prompt);
    assert.ok(await model(modelName).locator('input').isChecked());
    const aspect = page.getByLabel('Aspect ratio');
    if (await aspect.count()) assert.equal(await aspect.inputValue(), '16:9');
  });

  test('the studio with jobs passes axe-core’s WCAG 2 A/AA rules in the dark and the light theme', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const axe = await axeBothThemes(page, 'studio');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('after a reload the session and the history are there; only the refresh token is stored', async () => {
    const stored = await page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
    assert.deepEqual(Object.keys(stored).filter((k) => k.startsWith('vn.')), ['vn.refresh.v2']);
    // The refresh token with who issued it (endpoint and app client: auth.js's early refresh).
    assert.deepEqual(Object.keys(JSON.parse(stored['vn.refresh.v2'])).sort(), ['clientId', 'endpoint', 'refreshToken', 'username']);
    await page.reload();
    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    assert.equal(await page.locator('#login-view').isVisible(), false);
    await eventually(async () => assert.equal(await cards().count(), 2));
    assert.ok((await waitForLoadedImage(card(`A lighthouse on a cliff at dawn ${stamp}`), 20_000)) > 0);
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'studio-desktop-1440.png');

    // Dark by default even when the system prefers light; light by choice, remembered.
    await page.emulateMedia({ colorScheme: 'light' });
    const luminance = async () => {
      const c = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = c.match(/\d+/g).map(Number);
      return (r + g + b) / 3;
    };
    assert.ok((await luminance()) < 80);
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await page.waitForTimeout(400);
    assert.ok((await luminance()) > 180);
    await page.reload();
    await eventually(async () => assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light'));
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await page.emulateMedia({ colorScheme: 'dark' });
  });

  test('at 375 px wide the studio fits without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(200);
    assert.ok((await horizontalOverflow(page)) <= 0, 'no horizontal scroll at 375 px');
    await page.getByRole('button', { name: 'Menu' }).click(); // on a phone, Log out is in the menu
    const out = await page.getByRole('button', { name: 'Log out' }).boundingBox();
    assert.ok(out && out.x >= 0 && out.x + out.width <= 375);
    const gen = await page.getByRole('button', { name: /Generate/ }).boundingBox();
    assert.ok(gen.x >= 0 && gen.x + gen.width <= 375);
    await screenshot(page, 'studio-mobile-375.png');
  });

  test('log out returns to the sign-in form and forgets the user’s jobs', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#studio-view').isVisible(), false);
    assert.equal(await cards().count(), 0);
    await eventually(async () => assert.equal(await page.evaluate(() => localStorage.length), 0));
    assert.ok((await horizontalOverflow(page)) <= 0);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
