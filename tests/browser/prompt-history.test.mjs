// The studio's prompt history and "Copy prompt" against the real local stack in headless
// Chromium: prompts sent from elsewhere (the API, not this browser) are listed when the prompt
// box gets the focus, newest first and each once; ↓/↑/Enter pick one, Esc closes the list, a
// click picks too, typing narrows it; a job card's "Copy prompt" puts the exact text on the
// clipboard; axe-core is clean with the list open, in both themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test prompt-history.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('the prompt history and Copy prompt on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let context;
  let page;
  let problems;
  const stamp = Date.now();
  // Exact text matters: quotes, two spaces, markup, a line break and non-ASCII characters.
  const promptA = `A "first" prompt ${stamp} —  two spaces, <b>not bold</b>\nsecond line, café 🌊`;
  const promptB = `Second prompt ${stamp}: a red kite over the dunes`;

  before(async () => {
    const user = await createUser('history');
    const api = await apiAs(user);
    const models = (await api('GET', '/models')).body.models.filter((m) => (m.kinds || []).includes('image')).map((m) => m.id);
    // A, then B twice: the list shows B once, above A.
    const ids = [];
    for (const prompt of [promptA, promptB, promptB]) {
      const r = await api('POST', '/images/generate', { model: models[0], prompt });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.job.id);
    }
    await eventually(async () => {
      for (const id of ids) assert.match((await api('GET', `/jobs/${id}`)).body.job.status, /succeeded|failed/);
    }, { timeout: 90_000, interval: 1000 });

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE_URL).origin });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const box = () => page.getByLabel('Prompt', { exact: true });
  const list = () => page.getByRole('listbox', { name: 'Recent prompts' });
  const options = () => list().getByRole('option');
  const optionTexts = () => options().evaluateAll((els) => els.map((e) => e.textContent));

  test('focusing the prompt lists the recent distinct prompts of the account, newest first', async () => {
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => /prompt|history/i.test(k)).length), 0, 'nothing of the history is in this browser');
    await box().focus();
    await list().waitFor();
    assert.deepEqual((await optionTexts()).slice(0, 2), [promptB, promptA]);
    assert.equal((await optionTexts()).filter((t) => t === promptB).length, 1, 'each prompt once');
    assert.equal(await box().getAttribute('aria-controls'), await list().getAttribute('id'));
  });

  test('a box focused before the history’s code has come keeps its focus and lists the history when it comes', async () => {
    const other = await context.newPage();
    other.setDefaultTimeout(15_000);
    const seen = watchPage(other);
    await other.route('**/js/prompt-history.js', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await other.goto(`${BASE_URL}/`);
    await other.locator('#studio-view:not([hidden])').waitFor();
    const early = other.getByLabel('Prompt', { exact: true });
    await early.focus();
    await early.type('kite');
    await other.getByRole('listbox', { name: 'Recent prompts' }).getByRole('option').first().waitFor();
    assert.deepEqual(await other.getByRole('listbox', { name: 'Recent prompts' }).getByRole('option').evaluateAll((els) => els.map((e) => e.textContent)), [promptB]);
    assert.equal(await other.evaluate(() => document.activeElement?.id), 'prompt', 'the focus stayed in the box');
    await early.type('s');
    assert.equal(await early.inputValue(), 'kites', 'the caret stayed at the end');
    assert.deepEqual(seen, []);
    await other.close();
  });

  test('↓ ↓ Enter fills the box with the second prompt exactly; Esc closes the list', async () => {
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const second = options().nth(1);
    assert.equal(await second.getAttribute('aria-selected'), 'true');
    assert.equal(await box().getAttribute('aria-activedescendant'), await second.getAttribute('id'));
    await page.keyboard.press('Enter');
    assert.equal(await box().inputValue(), promptA);
    assert.equal(await list().isVisible(), false);
    assert.equal(await page.locator('#prompt-counter').innerText(), `${promptA.length} / 2000`);

    await box().fill('');
    await list().waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await list().isVisible(), false);
    await page.keyboard.press('ArrowDown'); // moves the caret, picks nothing
    assert.equal(await box().inputValue(), '');
  });

  test('typing narrows the list; a click picks', async () => {
    await box().pressSequentially('red kite');
    await eventually(async () => assert.deepEqual(await optionTexts(), [promptB]));
    await options().first().click();
    assert.equal(await box().inputValue(), promptB);
    assert.equal(await list().isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'prompt', 'the focus stays in the box');
  });

  test('axe is clean with the list open, in both themes', async () => {
    await box().fill('');
    await box().blur();
    await box().focus();
    await list().waitFor();
    await page.keyboard.press('ArrowDown');
    const axe = await axeBothThemes(page, 'prompt-history');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('a job card’s Copy prompt puts the exact text on the clipboard', async () => {
    await page.keyboard.press('Escape');
    const card = page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: `A "first" prompt ${stamp}` }) });
    await card.getByRole('button', { name: /^Copy prompt/ }).click();
    await eventually(async () => assert.equal(await page.evaluate(() => navigator.clipboard.readText()), promptA));
    await page.locator('#announcer').filter({ hasText: 'Prompt copied.' }).waitFor();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
