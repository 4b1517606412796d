// Creative tools against the real local stack (gateway + moto + the Replicate simulator), in
// headless Chromium: Vary a prompt and pick one of the language model's rewrites into the
// prompt box; compare three models side by side; reload, and the comparison is still there;
// axe-core clean in both themes; and never a CSP violation.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test creative.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP, launchBrowser, watchPage, eventually, waitForLoadedImage, createUser, signIn, axeBothThemes,
} from './helpers.mjs';

describe('prompt ideas and model comparison on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  const stamp = Date.now();

  before(async () => {
    user = await createUser('creative');
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

  test('Vary proposes four rewrites as text; picking one puts it in the prompt box', async () => {
    const base = `a paper boat ${stamp} <b>bold</b>`;
    await page.getByLabel('Prompt', { exact: true }).fill(base);
    await page.getByRole('button', { name: 'Vary', exact: true }).click();
    const items = page.locator('#ideas > li');
    await eventually(async () => assert.equal(await items.count(), 4));
    const texts = await page.locator('#ideas .ideas__text').allTextContents();
    assert.ok(texts.every((t) => t.startsWith(`${base}, `)), texts.join('\n'));
    // The model's text stays text: no element came of the markup in it.
    assert.equal(await page.locator('#ideas b').count(), 0);
    await page.getByRole('button', { name: 'Use this: variation 2' }).click();
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), texts[1]);
    assert.equal(await items.count(), 0);
    await expectStatus(/replaced/);
  });

  test('Enhance proposes one richer prompt', async () => {
    await page.getByLabel('Prompt', { exact: true }).fill(`a quiet harbour ${stamp}`);
    await page.getByRole('button', { name: 'Enhance', exact: true }).click();
    await eventually(async () => assert.equal(await page.locator('#ideas > li').count(), 1));
    const axe = await axeBothThemes(page, 'studio-ideas');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await page.getByRole('button', { name: 'Use this: the enhanced prompt' }).click();
    assert.match(await page.getByLabel('Prompt', { exact: true }).inputValue(), /^a quiet harbour \d+, .+detailed/);
  });

  test('compare three models: the estimate of the set, then the results side by side; a reload keeps them', async () => {
    await page.locator('#app-nav [data-view="compare"]').click();
    await page.locator('#compare-view:not([hidden])').waitFor();
    const prompt = `a lighthouse in fog ${stamp}`;
    await page.getByLabel('Prompt to compare', { exact: true }).fill(prompt);
    const boxes = page.locator('#compare-models input[type="checkbox"]');
    await eventually(async () => assert.ok((await boxes.count()) >= 3));
    const submit = page.locator('#compare-submit');
    assert.equal(await submit.isDisabled(), true, 'no models picked yet');
    const picked = [];
    for (let i = 0; i < 3; i += 1) {
      await boxes.nth(i).check();
      picked.push(await boxes.nth(i).getAttribute('value'));
    }
    await eventually(async () => assert.match(await page.locator('#compare-estimate').textContent(), /Estimate for the whole set: \$[\d.]+ \(3 models\)/));
    // The top bar's spend (dollars) follows the comparison without a reload.
    const spent = async () => Number((await page.locator('#quota-summary').textContent()).match(/^\$([\d.,]+) spent/)?.[1].replaceAll(',', ''));
    const before = await spent();
    assert.ok(Number.isFinite(before), 'the top bar shows the spend');
    await submit.click();
    const cards = page.locator('#compare-results > li');
    await eventually(async () => assert.equal(await cards.count(), 3));
    await eventually(
      async () => assert.equal(await page.locator('#compare-results > li[data-status="succeeded"]').count(), 3),
      { timeout: 60_000, interval: 500 },
    );
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.dataset.model)), picked);
    await eventually(async () => assert.ok((await spent()) > before, `the top bar still says $${before} spent`));
    for (let i = 0; i < 3; i += 1) {
      const c = cards.nth(i);
      assert.ok((await waitForLoadedImage(c, 20_000)) > 0);
      assert.match(await c.locator('dd').first().textContent(), /^\d+\.\d s$/);
      assert.match(await c.locator('dd').nth(1).textContent(), /^\$\d/);
    }
    const url = new URL(page.url());
    const setId = url.searchParams.get('compare');
    assert.ok(setId, page.url());

    // Save one result, then reload: the comparison (and the save) is still there.
    await cards.nth(0).getByRole('button', { name: 'Save' }).click();
    await eventually(async () => assert.equal(await cards.nth(0).getByRole('button', { name: 'Saved' }).count(), 1));
    await page.reload();
    await page.locator('#compare-view:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await page.locator('#compare-results > li[data-status="succeeded"]').count(), 3));
    assert.equal(new URL(page.url()).searchParams.get('compare'), setId);
    assert.match(await page.locator('#compare-status').textContent(), new RegExp(`${prompt}.*3 of 3 done`));
    assert.equal(await page.locator('#compare-results > li').nth(0).getByRole('button', { name: 'Saved' }).count(), 1);

    const axe = await axeBothThemes(page, 'compare');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // A result opens in the editor like any other picture.
    await page.locator('#compare-results > li').nth(1).getByRole('button', { name: 'Open in editor' }).click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    await page.locator('#stage:not([hidden])').waitFor();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });

  async function expectStatus(re) {
    await eventually(async () => assert.match(await page.locator('#ideas-status').textContent(), re));
  }
});
