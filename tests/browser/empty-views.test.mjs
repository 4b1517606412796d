// Empty views offer the next step against the real local stack in headless Chromium: a new
// account's studio, its empty gallery and its boards list without a board each show example
// prompts; an example opens the studio with its text in the prompt box and starts nothing; the
// gallery's "Open the studio" goes there; once a job exists the studio's examples are gone; axe
// clean in both themes on the empty gallery and boards.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test empty-views.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('empty views offer a next step and example prompts', { skip: SKIP, timeout: 180_000 }, () => {
  let browser;
  let page;
  let problems;
  let api;

  before(async () => {
    const user = await createUser('empty');
    api = await apiAs(user);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const nav = (name) => page.locator('#app-nav').getByRole('button', { name, exact: true });
  const examples = (view) => page.locator(`#${view}-view`).getByRole('list', { name: 'Example prompts' });
  const prompt = () => page.getByLabel('Prompt', { exact: true });
  const exampleButton = (view) => examples(view).getByRole('button').first();
  const exampleText = (view) => exampleButton(view).evaluate((el) => el.lastChild.textContent); // after the hidden "Put in the prompt: "

  async function pickExample(view) {
    const text = await exampleText(view);
    await exampleButton(view).click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    assert.equal(await prompt().inputValue(), text);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'prompt');
    assert.equal((await api('GET', '/jobs')).body.jobs.length, 0, 'an example starts nothing');
  }

  test('the first studio offers example prompts; one fills the prompt box', async () => {
    await page.locator('#jobs-empty:not([hidden])').waitFor();
    await examples('studio').waitFor();
    assert.equal(await examples('studio').getByRole('button').count(), 3);
    await pickExample('studio');
  });

  test('the empty gallery offers the studio and examples; axe is clean in both themes', async () => {
    await nav('Gallery').click();
    await page.locator('#gallery-empty:not([hidden])').waitFor();
    await examples('gallery').waitFor();
    const axe = await axeBothThemes(page, 'empty-gallery');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await page.locator('#gallery-view').getByRole('button', { name: 'Open the studio' }).click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'create-title');
    await nav('Gallery').click();
    await examples('gallery').waitFor();
    await pickExample('gallery');
  });

  test('no boards yet: the list says how to start and offers examples; axe is clean in both themes', async () => {
    await nav('Boards').click();
    await page.locator('#board-list', { hasText: 'No boards yet.' }).waitFor();
    await examples('boards').waitFor();
    const axe = await axeBothThemes(page, 'empty-boards');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await pickExample('boards');
  });

  test('once there is a job, the studio shows no examples', async () => {
    const models = (await api('GET', '/models')).body.models.filter((m) => (m.kinds || []).includes('image'));
    const r = await api('POST', '/images/generate', { model: models[0].id, prompt: 'a first picture' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await page.reload();
    await page.locator('#jobs > li').first().waitFor();
    await eventually(async () => assert.equal(await examples('studio').isVisible(), false));
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
