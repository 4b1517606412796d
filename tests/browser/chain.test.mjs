// A picture worked on in steps, against the real local stack and the simulator:
// pick a file → edit with Nano Banana → edit the result with Qwen → step back → branch with
// SeedEdit → restore with Real-ESRGAN → the before/after slider moves (mouse and keyboard) →
// reload → the chain is rebuilt from the lineage route. Models are found by their catalog
// names; nothing here knows a model id.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SKIP, launchBrowser, watchPage, screenshot, eventually, createUser, signIn, apiAs, makePng, axeBothThemes,
} from './helpers.mjs';

const RESULT_TIMEOUT = 60_000;

describe('editing a picture in a chain with branches, and restoring it', { skip: SKIP, timeout: 360_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;

  before(async () => {
    user = await createUser('chain');
    api = await apiAs(user);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 }, hasTouch: true })).newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const position = () => page.locator('#step-position').innerText();
  const steps = () => page.locator('#chain-strip .chain__step:not(.chain__step--pending)');
  const currentStep = () => page.locator('#chain-strip .chain__step[aria-current="step"]');
  const hashStep = async () => new URLSearchParams(await page.evaluate(() => location.hash.slice(1))).get('step');

  async function mode(label) {
    await page.locator('#mode-list label', { hasText: new RegExp(`^${label}$`) }).click();
  }

  async function pickModel(name) {
    const m = page.locator('#model-list .model', { has: page.locator('.model__name', { hasText: name }) });
    await m.first().waitFor();
    await m.first().locator('label').click();
    assert.ok(await m.first().locator('input').isChecked());
  }

  /** Start the composer's job and wait until its result is the current step. */
  async function run(expectPosition) {
    const before = await hashStep();
    await page.locator('#generate').click();
    if (await page.locator('#form-error').isVisible()) assert.fail(await page.locator('#form-error').innerText());
    await page.locator('#chain-strip .chain__step--pending').first().waitFor();
    await eventually(
      async () => {
        const failed = page.locator('#jobs > li[data-status="failed"] .job__error');
        if (await failed.count()) throw Object.assign(new Error(await failed.first().innerText()), { fatal: true });
        assert.notEqual(await hashStep(), before);
        assert.equal(await position(), expectPosition);
      },
      { timeout: RESULT_TIMEOUT },
    ).catch((err) => assert.fail(`no new step: ${err.message}`));
    await page.locator('#stage-view img').first().evaluate((img) => img.decode());
  }

  test('a picked file becomes step 1 of a picture', async () => {
    await mode('Edit');
    await page.getByRole('heading', { name: 'Edit an image' }).waitFor();
    assert.match(await page.locator('#sources').innerText(), /No image yet/);
    await page.locator('#file-input').setInputFiles({ name: 'garden.png', mimeType: 'image/png', buffer: makePng(320, 240) });
    await page.locator('#stage:not([hidden])').waitFor({ timeout: 30_000 });
    assert.equal(await position(), 'Step 1 of 1');
    assert.equal(await steps().count(), 1);
    assert.match(await page.locator('#sources').innerText(), /current step/i);
    assert.match(await page.locator('#stage-info').innerText(), /upload/i);
  });

  test('edit with Nano Banana, then edit the result with Qwen: three steps', async () => {
    await pickModel(/^Nano Banana$/);
    await page.getByLabel('Prompt', { exact: true }).fill('cover the garden in fresh snow');
    await run('Step 2 of 2');
    assert.match(await page.locator('#stage-info').innerText(), /Nano Banana[\s\S]*fresh snow/);

    await pickModel(/Qwen/);
    await page.getByLabel('Prompt', { exact: true }).fill('add a red scarf to the snowman');
    await run('Step 3 of 3');
    assert.equal(await steps().count(), 3);
    assert.match(await currentStep().getAttribute('aria-label'), /^Step 3: Qwen/);
    // Each step's parent is the step before it.
    const { body } = await api('GET', `/assets/${await hashStep()}/lineage`);
    assert.equal(body.assets.length, 3);
    assert.deepEqual(body.assets[2].parent_ids, [body.assets[1].id]);
    assert.deepEqual(body.assets[1].parent_ids, [body.assets[0].id]);
    await screenshot(page, 'chain-three-steps.png');
  });

  test('back and forward (buttons and Ctrl+Z / Ctrl+Shift+Z) move the current step and delete nothing', async () => {
    await page.locator('#step-back').click();
    assert.equal(await position(), 'Step 2 of 3');
    await page.locator('body').press('Control+z');
    assert.equal(await position(), 'Step 1 of 3');
    assert.ok(await page.locator('#step-back').isDisabled());
    await page.locator('body').press('Control+Shift+Z');
    assert.equal(await position(), 'Step 2 of 3');
    assert.equal(await steps().count(), 3, 'nothing was deleted');
    // In the prompt, Ctrl+Z is the text's own undo, not the picture's.
    await page.getByLabel('Prompt', { exact: true }).press('Control+z');
    assert.equal(await position(), 'Step 2 of 3');
  });

  test('editing step 2 with SeedEdit starts a branch; the old step 3 stays visible', async () => {
    await pickModel(/SeedEdit/);
    await page.getByLabel('Prompt', { exact: true }).fill('paint it as a watercolour');
    await run('Step 3 of 3');
    assert.equal(await steps().count(), 4, 'the Qwen step is still there');
    const branch = page.locator('#chain-strip .chain__row:not(.chain__row--main)');
    assert.equal(await branch.count(), 1);
    assert.match(await branch.innerText(), /Branch from step 2/);
    assert.match(await branch.locator('.chain__step').getAttribute('aria-label'), /Qwen/);
    assert.match(await currentStep().getAttribute('aria-label'), /SeedEdit/);
  });

  test('restoring with Real-ESRGAN upscales the step and shows a before/after slider that mouse, touch and keyboard move', async () => {
    await mode('Restore');
    await page.getByRole('heading', { name: 'Restore a photo' }).waitFor();
    assert.equal(await page.locator('#prompt-field').isVisible(), false, 'a restoration takes no prompt');
    await pickModel(/Real-ESRGAN/i);
    await run('Step 4 of 4');
    const compare = page.locator('#stage-view .compare');
    await compare.waitFor();

    // The output came from that source, upscaled by the real factor.
    const { body } = await api('GET', `/assets/${await hashStep()}/lineage`);
    const [restored, source] = [body.assets.at(-1), body.assets.at(-2)];
    const { body: jobBody } = await api('GET', `/jobs/${restored.job_id}`);
    assert.equal(jobBody.job.kind, 'restore');
    assert.deepEqual(restored.parent_ids, [source.id]);
    const scale = Number(jobBody.job.options?.scale ?? restored.width / source.width);
    assert.ok(scale > 1, `upscaled (${source.width} → ${restored.width})`);
    assert.equal(restored.width, source.width * scale);
    assert.equal(restored.height, source.height * scale);

    // Both images are drawn at the same scale, one over the other.
    await page.locator('#stage-view .compare img').evaluateAll((imgs) => Promise.all(imgs.map((i) => i.decode())));
    const [a, b] = await Promise.all([
      page.locator('.compare__after').boundingBox(),
      page.locator('.compare__before img').boundingBox(),
    ]);
    for (const k of ['x', 'y', 'width', 'height']) assert.ok(Math.abs(a[k] - b[k]) <= 1, `same ${k}: ${a[k]} vs ${b[k]}`);

    const range = page.locator('.compare__range');
    const pos = () => compare.evaluate((el) => parseFloat(getComputedStyle(el).getPropertyValue('--pos')));
    assert.equal(await range.getAttribute('aria-label'), 'Before and after: drag or use the arrow keys to compare');
    assert.equal(await pos(), 50);
    // Mouse: a click at a fifth of the width, then a drag to four fifths.
    const box = await compare.boundingBox();
    const y = box.y + box.height / 2;
    await page.mouse.click(box.x + box.width * 0.2, y);
    await eventually(async () => assert.ok(Math.abs((await pos()) - 20) <= 4, `click → ${await pos()}`));
    await page.mouse.move(box.x + box.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, y, { steps: 8 });
    await page.mouse.up();
    await eventually(async () => assert.ok(Math.abs((await pos()) - 80) <= 4, `drag → ${await pos()}`));
    await screenshot(page, 'chain-restore-compare.png');
    // Touch: a tap at the middle.
    await page.touchscreen.tap(box.x + box.width * 0.5, y);
    await eventually(async () => assert.ok(Math.abs((await pos()) - 50) <= 4, `tap → ${await pos()}`));
    // Keyboard.
    await range.focus();
    await page.keyboard.press('Home');
    assert.equal(await pos(), 0);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await pos(), 2);
    await page.keyboard.press('End');
    assert.equal(await pos(), 100);
    assert.equal(await range.getAttribute('aria-valuetext'), '100% before, 0% after');
    await page.keyboard.press('PageDown');
    assert.ok((await pos()) < 100);
  });

  test('the stage, chain strip and slider pass axe-core in both themes', async () => {
    const axe = await axeBothThemes(page, 'chain');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('after a reload the chain and its branch are rebuilt from the lineage', async () => {
    const before = await hashStep();
    await page.reload();
    await page.locator('#stage:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await position(), 'Step 4 of 4'));
    assert.equal(await hashStep(), before);
    assert.equal(await steps().count(), 5);
    assert.match(await page.locator('#chain-strip .chain__row:not(.chain__row--main)').innerText(), /Branch from step 2/);
    await page.locator('#stage-view .compare').waitFor();
    await screenshot(page, 'chain-after-reload.png');
  });

  test('the chain strip works from the keyboard, and “Use these settings” loads a step’s job back', async () => {
    await steps().first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Step 3: SeedEdit/);
    await page.keyboard.press('Enter');
    assert.equal(await position(), 'Step 3 of 4');
    assert.match(await currentStep().getAttribute('aria-label'), /SeedEdit/);

    await mode('Generate');
    await page.getByLabel('Prompt', { exact: true }).fill('unrelated');
    await page.locator('#stage-info').getByRole('button', { name: 'Use these settings' }).waitFor();
    await page.locator('#stage-info').getByRole('button', { name: 'Use these settings' }).click();
    assert.ok(await page.locator('#mode-edit').isChecked());
    const checked = page.locator('#model-list .model', { has: page.locator('input:checked') });
    assert.match(await checked.innerText(), /SeedEdit/);
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'paint it as a watercolour');
    // Its source is step 2 of the picture, now the current step.
    assert.equal(await position(), 'Step 2 of 4');

    // Every job card says what made it, and offers the same.
    const seed = page.locator('#jobs > li', { has: page.locator('.job__model-name', { hasText: /SeedEdit/ }) });
    assert.match(await seed.innerText(), /Source/);
    assert.ok(await seed.getByRole('button', { name: /Use these settings/ }).isVisible());
  });

  test('a failed edit (simulator fault) leaves the picture as it was and says why', async () => {
    const before = await hashStep();
    const prompt = 'make it blue [sim:fail]';
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.locator('#generate').click();
    const failed = page.locator('#jobs > li', { has: page.locator('.job__prompt', { hasText: prompt }) });
    await failed.locator('.job__error').waitFor({ timeout: RESULT_TIMEOUT });
    await eventually(async () => assert.equal(await page.locator('#chain-strip .chain__step--pending').count(), 0));
    assert.equal(await hashStep(), before);
    assert.equal(await position(), 'Step 2 of 4');
    assert.equal(await steps().count(), 5);
    assert.match(await failed.locator('.status').innerText(), /Failed/);
  });

  test('a model taking several images gets extra sources from any result; one taking one says so', async () => {
    await pickModel(/^Nano Banana$/);
    const qwen = page.locator('#jobs > li', { has: page.locator('.job__model-name', { hasText: /Qwen/ }) });
    await qwen.getByRole('button', { name: /Add to sources/ }).click();
    const items = page.locator('#sources > li');
    assert.equal(await items.count(), 2);
    assert.match(await items.nth(0).innerText(), /current step/i);
    assert.match(await items.nth(1).innerText(), /Extra image 1/);
    await pickModel(/SeedEdit/);
    await page.getByLabel('Prompt', { exact: true }).fill('two pictures at once');
    const jobsBefore = await page.locator('#jobs > li').count();
    await page.locator('#generate').click();
    await page.locator('#sources-error', { hasText: 'takes at most 1 image: remove 1' }).waitFor();
    assert.equal(await page.locator('#jobs > li').count(), jobsBefore, 'nothing was sent');
    await items.nth(1).getByRole('button', { name: /Remove/ }).click();
    assert.equal(await items.count(), 1);
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
