// Fast UI test: the real frontend-static/ in headless Chromium, against a fake backend
// (fake-stack.mjs) that stands in for /config.json, Cognito and /api/*. No internet needed.
//
//   cd tests/browser && npm ci && node --test ui.test.mjs
//
// Screenshots go to <repo>/target/browser/.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeStack } from './fake-stack.mjs';
import {
  STATIC_DIR, launchBrowser, watchPage, screenshot, eventually, waitForLoadedImage, horizontalOverflow,
} from './helpers.mjs';

const USER = 'ada';
const TEMP_PASSWORD = 'Temp-1234';
const NEW_PASSWORD = 'Lovelace-1843';
const SEEDED = 25; // older jobs, so the history has a second page

describe('studio UI against a fake backend', { timeout: 120_000 }, () => {
  let stack;
  let browser;
  let context;
  let page;
  let problems;

  before(async () => {
    stack = await startFakeStack({ staticDir: STATIC_DIR, users: { [USER]: TEMP_PASSWORD }, seedJobs: SEEDED });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    problems = watchPage(page);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  const cards = () => page.locator('#jobs > li');
  const model = (name) =>
    page.locator('#model-list .model', { has: page.locator('.model__name', { hasText: new RegExp(`^${name}$`) }) });
  const pickModel = (name) => model(name).locator('label').click();
  const card = (prompt) => cards().filter({ has: page.locator('.job__prompt', { hasText: prompt }) });

  test('first sign-in goes through choosing a new password', async () => {
    await page.goto(stack.baseUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('#sim-badge', { hasText: 'Simulated provider' }).waitFor();
    await screenshot(page, 'ui-login.png');

    // A wrong password is answered readably.
    await page.getByLabel('Username', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill('nope');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error', { hasText: 'Incorrect username or password.' }).waitFor();

    // The temporary password leads to the new-password step, in the page.
    await page.getByLabel('Password', { exact: true }).fill(TEMP_PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();

    await page.getByLabel('New password', { exact: true }).fill('Abcdefgh1');
    await page.getByLabel('Repeat the new password').fill('Abcdefgh2');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.locator('#newpass-error', { hasText: 'The two passwords are not the same.' }).waitFor();

    // Cognito's policy error is shown as Cognito words it.
    await page.getByLabel('New password', { exact: true }).fill('lowercase1');
    await page.getByLabel('Repeat the new password').fill('lowercase1');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.locator('#newpass-error', { hasText: 'Password must have uppercase characters' }).waitFor();
    await screenshot(page, 'ui-new-password.png');

    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();

    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    await page.locator('#username', { hasText: USER }).waitFor();
    assert.equal(await page.locator('#login-view').isVisible(), false);
    assert.ok(await page.getByRole('button', { name: 'Log out' }).isVisible());
    const challenge = stack.state.cognitoCalls.filter((c) => c.action === 'RespondToAuthChallenge');
    // The mismatch was caught in the page; the weak and the good password went to Cognito.
    assert.equal(challenge.length, 2);
  });

  test('studio shows the image models with prices, their options and the simulated badge', async () => {
    const models = page.locator('#model-list .model');
    await eventually(async () => assert.equal(await models.count(), 4));
    const texts = (await models.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(texts, [
      'Imagen 4 Ultra $0.06 / image',
      'Imagen 4 $0.04 / image',
      'Imagen 4 Fast $0.02 / image',
      'Nano Banana $0.039 / image',
    ]);
    // Video models are not offered for text → image.
    assert.equal(await page.locator('#model-list', { hasText: 'Veo' }).count(), 0);
    // The catalog's default model is selected, not simply the first one.
    assert.ok(await model('Imagen 4').locator('input[type=radio]').isChecked());
    assert.ok(await page.locator('#sim-badge').isVisible());
    assert.match(await page.locator('#sim-note').innerText(), /simulated/i);
    assert.match(await page.locator('#generate').innerText(), /\$0\.04/);

    // Options come from the catalog with their defaults.
    const aspect = page.getByLabel('Aspect ratio');
    assert.equal(await aspect.inputValue(), '1:1');
    assert.deepEqual(await aspect.locator('option').allInnerTexts(), ['1:1', '9:16', '16:9', '3:4', '4:3']);
    const safety = page.getByLabel('Safety filter level');
    assert.equal(await safety.inputValue(), 'block_only_high');
    assert.equal(await safety.locator('option:checked').innerText(), 'Block only high');
    await aspect.selectOption('16:9');

    // Every option type gets its own input.
    await pickModel('Imagen 4 Fast');
    assert.ok(await model('Imagen 4 Fast').locator('input[type=radio]').isChecked());
    assert.equal(await model('Imagen 4').locator('input[type=radio]').isChecked(), false);
    assert.match(await page.locator('#generate').innerText(), /\$0\.02/);
    const seed = page.getByLabel(/^Seed/);
    assert.equal(await seed.getAttribute('type'), 'number');
    assert.equal(await seed.getAttribute('min'), '0');
    assert.equal(await seed.getAttribute('max'), '99999');
    assert.equal(await page.getByLabel(/^Guidance/).inputValue(), '5.5');
    assert.ok(await page.getByLabel('Enhance prompt').isChecked());
    assert.equal(await page.getByLabel('Negative prompt').getAttribute('type'), 'text');
    assert.equal(await page.getByLabel('Safety filter level').count(), 0);

    // Switching back keeps what the user chose for that model.
    await pickModel('Imagen 4');
    assert.equal(await page.getByLabel('Aspect ratio').inputValue(), '16:9');

    // The prompt counter follows the text.
    await page.getByLabel('Prompt', { exact: true }).fill('hello');
    assert.equal(await page.locator('#prompt-counter').innerText(), '5 / 2000');
    assert.equal(await page.getByLabel('Prompt', { exact: true }).getAttribute('maxlength'), '2000');

    // Every visible control has a label.
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll('#studio-view input, #studio-view select, #studio-view textarea')]
        .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.name));
    assert.deepEqual(unlabeled, []);
    await screenshot(page, 'ui-studio-empty.png');
  });

  test('a validation error of the API appears next to the field', async () => {
    // Empty prompt: caught before sending.
    await page.getByLabel('Prompt', { exact: true }).fill('   ');
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#prompt-error', { hasText: 'Write a prompt first.' }).waitFor();

    const before = stack.state.generateRequests.length;
    await page.getByLabel('Prompt', { exact: true }).fill('a forbidden castle');
    await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
    const error = page.locator('#prompt-error');
    await error.filter({ hasText: 'The prompt contains a blocked word.' }).waitFor();
    assert.equal(stack.state.generateRequests.length, before + 1);
    // It sits in the prompt's own field, and the textarea is marked invalid and described by it.
    const field = page.locator('.field', { has: page.locator('#prompt') });
    assert.equal(await field.locator('#prompt-error').count(), 1);
    assert.equal(await page.locator('#prompt').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#prompt').getAttribute('aria-describedby'), /prompt-error/);
    assert.equal(await page.locator('#form-error').isVisible(), false);
    await screenshot(page, 'ui-validation.png');

    // Editing the prompt clears the message.
    await page.getByLabel('Prompt', { exact: true }).press('End');
    await page.getByLabel('Prompt', { exact: true }).type('!');
    assert.equal(await error.isVisible(), false);
    assert.equal(await page.locator('#prompt').getAttribute('aria-invalid'), null);

    // An option error lands beside that option.
    await pickModel('Imagen 4 Fast');
    await page.getByLabel('Negative prompt').fill('x'.repeat(101));
    await page.getByLabel('Prompt', { exact: true }).fill('a quiet harbour');
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#opt-negative_prompt-error', { hasText: 'At most 100 characters.' }).waitFor();
    // And an out-of-range number is caught before sending.
    await page.getByLabel('Negative prompt').fill('');
    await page.getByLabel(/^Seed/).fill('123456');
    const sent = stack.state.generateRequests.length;
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#opt-seed-error', { hasText: 'Enter a value from 0 to 99999.' }).waitFor();
    assert.equal(stack.state.generateRequests.length, sent);
    await page.getByLabel(/^Seed/).fill('');
    await pickModel('Imagen 4');
  });

  test('a quota error is shown plainly and starts no job', async () => {
    const jobsBefore = await cards().count();
    await page.getByLabel('Prompt', { exact: true }).fill('an expensive palace');
    await page.getByRole('button', { name: /Generate/ }).click();
    const err = page.locator('#form-error');
    await err.filter({ hasText: 'Monthly spending limit reached' }).waitFor();
    assert.match(await err.innerText(), /exceed your monthly limit of \$5\.00/);
    assert.match(await err.innerText(), /\$5\.00 left/);
    assert.equal(await cards().count(), jobsBefore);
  });

  test('a job goes from queued to succeeded and its image appears; a double click starts one job', async () => {
    const prompt = 'A lighthouse on a cliff at dawn';
    const before = stack.state.generateRequests.length;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: /Generate/ }).dblclick();

    const job = card(prompt);
    await job.waitFor();
    // Newest first.
    assert.match(await cards().first().innerText(), new RegExp(prompt));
    // While it runs: a status a person can read, and no image yet.
    const status = await job.locator('.status').innerText();
    assert.match(status, /Queued|Generating/);
    assert.equal(await job.locator('img').count(), 0);
    await screenshot(page, 'ui-job-running.png');

    const width = await waitForLoadedImage(job, 15_000);
    assert.ok(width > 0);
    await eventually(async () => assert.match(await job.locator('.status').innerText(), /Done/));
    const meta = (await job.locator('.job__meta').innerText()).replace(/\s+/g, ' ');
    assert.match(meta, /Estimate \$0\.04/);
    assert.match(meta, /Cost \$0\.04/);
    assert.match(meta, /Took/);
    assert.match(await job.locator('.job__model').innerText(), /^Imagen 4$/);
    // The options that were sent are the user's choice (16:9 from the earlier test).
    assert.match(await job.locator('.job__options').innerText(), /aspect ratio: 16:9/);
    // The image opens full size.
    const link = job.locator('a.job__open');
    assert.match(await link.getAttribute('href'), /\/media\/.+\.svg\?sig=ok$/);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await job.locator('a.job__download').getAttribute('href'), /download=1/);
    // Screen readers heard about it.
    await eventually(async () => assert.match(await page.locator('#announcer').innerText(), /Image ready/));

    // The double click sent one request, with a UUID idempotency key, and made one job.
    const sent = stack.state.generateRequests.slice(before);
    assert.equal(sent.length, 1, 'a double click must not start two jobs');
    assert.match(sent[0].key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(sent[0].body, { model: 'imagen-4', prompt, options: { aspect_ratio: '16:9', output_format: 'jpg', safety_filter_level: 'block_only_high' } });
    assert.equal(await card(prompt).count(), 1);

    // The quota in the top bar follows the spending: $5 − (25 seeded + this one) × $0.04.
    await eventually(async () => assert.equal(await page.locator('#quota-summary').innerText(), '$3.96 left'));
    await screenshot(page, 'ui-job-done.png');
  });

  test('a failed job shows the error message', async () => {
    const prompt = 'this one will fail';
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByLabel('Prompt', { exact: true }).press('Control+Enter');
    const job = card(prompt);
    await job.locator('.job__error', { hasText: 'The model reported an error: NSFW content detected' }).waitFor({ timeout: 15_000 });
    assert.match(await job.locator('.status').innerText(), /Failed/);
    assert.equal(await job.locator('img').count(), 0);
    assert.match((await job.locator('.job__meta').innerText()).replace(/\s+/g, ' '), /Cost —/);
  });

  test('after a reload the session and the history are still there (only the refresh token is stored)', async () => {
    const refreshes = () => stack.state.cognitoCalls.filter((c) => c.flow === 'REFRESH_TOKEN_AUTH').length;
    const refreshesBefore = refreshes();
    // Page scripts can read localStorage: no ID or access token may be there, only the
    // refresh token and the user name (docs/architecture.md, "Where the tokens live").
    const storedBefore = await page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
    assert.deepEqual(Object.keys(storedBefore).filter((k) => k.startsWith('vn.')), ['vn.refresh.v2']);
    assert.deepEqual(Object.keys(JSON.parse(storedBefore['vn.refresh.v2'])).sort(), ['refreshToken', 'username']);
    const dump = JSON.stringify(storedBefore);
    assert.ok(stack.state.idTokens.size > 0);
    for (const idToken of stack.state.idTokens.keys()) assert.ok(!dump.includes(idToken), 'an ID token is in localStorage');
    assert.ok(!dump.includes('access-'), 'an access token is in localStorage');

    await page.reload();
    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
    assert.equal(await page.locator('#login-view').isVisible(), false);
    // The reloaded page had no ID token: it traded the refresh token for one.
    assert.ok(refreshes() > refreshesBefore, 'the reloaded page must refresh its tokens');

    const newest = cards().first();
    await newest.locator('.job__error').waitFor();
    assert.match(await newest.innerText(), /this one will fail/);
    const done = card('A lighthouse on a cliff at dawn');
    assert.ok((await waitForLoadedImage(done, 10_000)) > 0);
    await eventually(async () => assert.equal(await cards().count(), 24));

    // The API stops accepting the ID token: the page refreshes it on the 401 and carries on.
    stack.expireIdTokens();
    const callsBefore = stack.state.apiCalls.length;
    const refreshesBefore401 = refreshes();

    // 24 per page, then "Load more".
    const total = SEEDED + 2;
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(async () => assert.equal(await cards().count(), total));
    assert.ok(stack.state.apiCalls.slice(callsBefore).some((c) => c.status === 401), 'the API must have refused the old token');
    assert.ok(refreshes() > refreshesBefore401, 'the page must refresh the token after a 401');
    assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false);
    assert.match(await cards().last().innerText(), /Seeded history picture number 1\b/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'ui-desktop-1440.png');

    // Dark by default, even when the system prefers light; light only by choice, remembered.
    await page.emulateMedia({ colorScheme: 'light' });
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const luminance = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return (r + g + b) / 3; };
    assert.ok(luminance(await bg()) < 80, `dark by default, got ${await bg()}`);
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await page.waitForTimeout(400); // let the colour transitions finish
    assert.ok(luminance(await bg()) > 180, `light after the switch, got ${await bg()}`);
    await screenshot(page, 'ui-desktop-light.png');
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
    for (const name of ['Log out']) {
      const box = await page.getByRole('button', { name }).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${name} is on screen`);
    }
    const gen = await page.getByRole('button', { name: /Generate/ }).boundingBox();
    assert.ok(gen.x >= 0 && gen.x + gen.width <= 375);
    await screenshot(page, 'ui-mobile-375.png', { fullPage: false });
    await page.locator('#jobs').scrollIntoViewIfNeeded();
    await screenshot(page, 'ui-mobile-375-jobs.png');
  });

  test('log out returns to the sign-in form, revokes the refresh token, and survives a reload', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#studio-view').isVisible(), false);
    assert.equal(await page.locator('#jobs > li').count(), 0, 'the previous user’s jobs are gone from the page');
    await eventually(() => assert.equal(stack.state.revoked.length, 1));
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok((await horizontalOverflow(page)) <= 0);
    await screenshot(page, 'ui-mobile-login.png');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.locator('#studio-view').isVisible(), false);

    // Signing in again (now with the chosen password) goes straight to the studio.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByLabel('Username', { exact: true }).fill(USER);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Create an image' }).waitFor();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
