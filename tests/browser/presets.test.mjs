// Style presets against the real local stack in headless Chromium: a preset saved on one model
// (its options and a prompt suffix) is listed in a NEW browser context of the same user (it is
// the server's, not this browser's); applied on another model it sets what that model takes,
// names what it dropped in visible text (a status region, so it is announced) and adds the
// suffix to the prompt; rename to a taken name is refused with the server's message, rename and
// delete work; axe-core is clean on the preset controls in both themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test presets.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, axeBothThemes } from './helpers.mjs';

describe('style presets on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let user;
  let page;
  const problems = [];

  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    problems.push(watchPage(p));
    await signIn(p, user);
    return p;
  };
  const model = (p, id) => p.locator(`#model-list input[value="${id}"]`);
  const pick = async (p, id) => {
    await p.locator(`label[for="${await model(p, id).getAttribute('id')}"]`).click();
    assert.equal(await model(p, id).isChecked(), true);
  };
  const status = (p) => p.locator('#preset-status');

  before(async () => {
    user = await createUser('presets');
    browser = await launchBrowser();
    page = await open();
  });

  after(async () => {
    await browser?.close();
  });

  test('a preset saved on Seedream 4 is listed in a new browser of the same user', async () => {
    await pick(page, 'seedream-4');
    await page.locator('#opt-size').selectOption('4K');
    await page.locator('#opt-aspect_ratio').selectOption('16:9');
    await page.locator('#opt-enhance_prompt').uncheck();
    await page.getByText('Save these options as a preset').click();
    await page.getByLabel('Preset name').fill('Dusk');
    await page.getByLabel(/Prompt suffix/).fill(', golden hour, film grain');
    await page.getByRole('button', { name: 'Save preset' }).click();
    await eventually(async () => assert.match(await status(page).innerText(), /Saved “Dusk”/));
    assert.equal(await page.locator('#jobs > li').count(), 0, 'saving a preset starts no job');

    const other = await open();
    const listed = other.locator('#preset-select option', { hasText: 'Dusk' });
    await eventually(async () => assert.equal(await listed.count(), 1));
    assert.match(await listed.innerText(), /Seedream 4/);
    page = other;
  });

  test('applied on Nano Banana: the aspect ratio is set, size and prompt enhancement are named as dropped', async () => {
    await pick(page, 'nano-banana');
    await page.locator('#opt-aspect_ratio').selectOption('1:1');
    await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse on a cliff');
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Dusk (Seedream 4)' });
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.equal(await page.locator('#opt-aspect_ratio').inputValue(), '16:9', 'the kept option is set');
    assert.equal(await page.locator('#opt-output_format').inputValue(), 'jpg', 'an option the preset lacks keeps its value');
    assert.equal(await model(page, 'nano-banana').isChecked(), true, 'the model stays the chosen one');
    const said = await status(page).innerText();
    assert.match(said, /Applied “Dusk” to Nano Banana/);
    assert.match(said, /Set: aspect ratio 16:9\./);
    assert.match(said, /Dropped, as Nano Banana does not take them: enhance prompt off, size 4K\./);
    assert.equal(await status(page).getAttribute('role'), 'status', 'announced');
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'a lighthouse on a cliff, golden hour, film grain');

    // Applied again: the suffix is not added twice.
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'a lighthouse on a cliff, golden hour, film grain');
  });

  test('a value the model refuses is named as such (Nano Banana’s 21:9 on Imagen 4)', async () => {
    await page.locator('#opt-aspect_ratio').selectOption('21:9');
    await page.getByText('Save these options as a preset').click();
    await page.getByLabel('Preset name').fill('Cinema');
    await page.getByLabel('Preset name').press('Enter');
    await eventually(async () => assert.match(await status(page).innerText(), /Saved “Cinema”/));
    assert.equal(await page.locator('#jobs > li').count(), 0, 'Enter in the name saves, it starts no job');
    await pick(page, 'imagen-4');
    await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'Cinema (Nano Banana)' });
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.match(await status(page).innerText(), /Dropped, as Imagen 4 does not accept that value: aspect ratio 21:9\./);
    assert.equal(await page.locator('#opt-aspect_ratio').inputValue(), '1:1');
  });

  test('the preset controls pass axe in both themes', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.locator('#preset-rename-box').waitFor();
    await page.locator('#presets').scrollIntoViewIfNeeded();
    const axe = await axeBothThemes(page, 'presets');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('rename: a taken name is refused with why; a free one is kept; delete removes it', async () => {
    await page.getByLabel(/New name for “Cinema”/).fill('dusk');
    await page.getByRole('button', { name: 'Save name' }).click();
    await eventually(async () => assert.match(await page.locator('#preset-error').innerText(), /preset named "dusk" already/));
    await page.getByLabel(/New name for “Cinema”/).fill('Wide screen');
    await page.getByRole('button', { name: 'Save name' }).click();
    await eventually(async () => assert.match(await status(page).innerText(), /Renamed to “Wide screen”/));
    assert.equal(await page.locator('#preset-rename-box').isHidden(), true);

    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => assert.match(await status(page).innerText(), /Deleted “Wide screen”/));
    await page.reload();
    await page.locator('#model-list .model').first().waitFor();
    await eventually(async () => {
      const names = await page.locator('#preset-select option').allInnerTexts();
      assert.deepEqual(names, ['Choose a preset', 'Dusk (Seedream 4)']);
    });
    assert.deepEqual(problems.flat(), []);
  });
});
