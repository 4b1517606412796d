// Video in the page, against the real local stack: Debian's Chromium plays H.264/AAC MP4; the
// Video mode offers only what the catalog allows with the exact estimate on the button, and
// locks 16:9 and 8 s for reference images (8 s for an end frame); a start frame uploaded in
// Video mode becomes the job's start frame, the job ends as a <video> that loads and plays; a
// running video survives a reload with its progress (against its model's typical time when
// measured); the gallery's video filter shows it with a
// player; axe-core is clean in both themes.
//
// The end-to-end step needs the MP4 output pipeline (simulator MP4 fixtures, MP4 check): before
// it, the simulator answers a Veo prediction with a PNG and that step fails at the <video>.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, screenshot, createUser, signIn, apiAs, axeBothThemes, eventually, makePng } from './helpers.mjs';

describe('video in the page', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  const stamp = Date.now().toString(36);

  before(async () => {
    user = await createUser('video');
    api = await apiAs(user);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const button = () => page.locator('#generate');
  const card = (prompt) => page.locator('#jobs > li.job', { hasText: prompt });

  async function videoMode() {
    await page.locator('label[for="mode-video"]').click();
    await page.getByRole('heading', { name: 'Make a video' }).waitFor();
  }

  test("Debian's Chromium can play H.264 + AAC in MP4", async () => {
    const answer = await page.evaluate(() => document.createElement('video').canPlayType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"'));
    assert.equal(answer, 'probably');
  });

  test('Video mode: the models and options of the catalog, the exact estimate on the button', async () => {
    await videoMode();
    const models = await page.locator('#model-list .model__name').allInnerTexts();
    assert.deepEqual(models, ['Veo 3.1', 'Veo 3.1 Fast']);
    assert.ok(await page.locator('#model-list input[value="veo-3.1"]').isChecked(), 'the catalog default is preselected');
    // Only Veo's options, with the catalog's values; the duration is a choice of 4, 6 or 8 s.
    const options = await page.locator('#options-list [data-option]').evaluateAll((els) => els.map((e) => e.dataset.option).sort());
    assert.deepEqual(options, ['aspect_ratio', 'duration', 'generate_audio', 'negative_prompt', 'resolution', 'seed']);
    assert.deepEqual(await page.locator('#opt-duration option').allInnerTexts(), ['4 s', '6 s', '8 s']);
    assert.deepEqual(await page.locator('#opt-aspect_ratio option').allInnerTexts(), ['16:9', '9:16']);
    // $0.40/s with audio × 8 s; without audio $0.20/s; 4 s; Fast $0.15/s.
    assert.match(await button().innerText(), /Generate video\s*·\s*\$3\.20/);
    await page.locator('#opt-generate_audio').uncheck();
    assert.match(await button().innerText(), /\$1\.60/);
    await page.locator('#opt-duration').selectOption('4');
    assert.match(await button().innerText(), /\$0\.80/);
    await page.locator('label[for="model-veo-3_1-fast"]').click();
    assert.match(await button().innerText(), /\$1\.20/, 'Fast with its own defaults: audio, 8 s');
    // Fast takes no reference images: no mode switch; Veo 3.1 does.
    assert.equal(await page.locator('#frame-mode').isVisible(), false);
    await page.locator('label[for="model-veo-3_1"]').click();
    await page.locator('label[for="frame-mode-references"]').click();
    assert.equal(await page.locator('#opt-duration').inputValue(), '8');
    assert.equal(await page.locator('#opt-aspect_ratio').inputValue(), '16:9');
    assert.ok(await page.locator('#opt-duration').isDisabled());
    assert.ok(await page.locator('#opt-aspect_ratio').isDisabled());
    // Google refuses a negative prompt with reference images: the field is emptied and locked.
    assert.ok(await page.locator('#opt-negative_prompt').isDisabled());
    assert.equal(await page.locator('#opt-negative_prompt').inputValue(), '');
    assert.match(await page.locator('#frames-hint').innerText(), /no negative prompt.*16:9.*8 s/);
    assert.match(await button().innerText(), /\$1\.60/, 'pinned to 8 s, audio still off');
    // Reference mode without references is caught in the page, before anything is sent.
    await page.getByLabel('Prompt', { exact: true }).fill('a fox in the snow');
    await button().click();
    await page.locator('#frames-error:not([hidden])').waitFor();
    assert.match(await page.locator('#frames-error').innerText(), /reference image/);
    const axe = await axeBothThemes(page, 'video-mode');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    // Back to frames: the options are free again.
    await page.locator('label[for="frame-mode-frames"]').click();
    assert.equal(await page.locator('#opt-duration').isDisabled(), false);
    assert.equal(await page.locator('#opt-negative_prompt').isDisabled(), false);
    await page.locator('#opt-duration').selectOption('4');
    assert.match(await button().innerText(), /\$0\.80/);
  });

  test('an uploaded start frame → generate → the video loads and plays inline', async () => {
    await videoMode();
    await page.locator('#file-input').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: makePng(320, 180) });
    const startSlot = page.locator('#frame-slots li', { hasText: 'Start frame' });
    await startSlot.filter({ hasText: 'uploaded photo' }).waitFor({ timeout: 30_000 });
    // Google refuses an end frame below 8 s: choosing one sets the duration to 8 and locks it,
    // and the slot says so; removing it frees the duration again.
    await page.locator('#opt-duration').selectOption('4');
    const endSlot = page.locator('#frame-slots li', { hasText: 'End frame' });
    assert.match(await endSlot.innerText(), /needs a start frame and duration 8 s/);
    await endSlot.getByRole('button', { name: /Choose/ }).click();
    await page.locator('#frame-choices .frames__choice button').first().click();
    await endSlot.filter({ hasText: 'uploaded photo' }).waitFor();
    assert.equal(await page.locator('#opt-duration').inputValue(), '8');
    assert.ok(await page.locator('#opt-duration').isDisabled());
    await endSlot.getByRole('button', { name: /Remove/ }).click();
    assert.equal(await page.locator('#opt-duration').isDisabled(), false);
    assert.equal(await page.locator('#opt-duration').inputValue(), '4');
    const prompt = `boats leave the harbour ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.locator('label[for="model-veo-3_1-fast"]').click();
    await page.locator('#opt-duration').selectOption('4');
    assert.match(await button().innerText(), /\$0\.60/);
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/videos/generate') && r.method() === 'POST');
    await button().click();
    const body = (await sent).postDataJSON();
    assert.equal(body.model, 'veo-3.1-fast');
    assert.equal(body.options.duration, 4);
    assert.ok(body.start_frame_asset_id, JSON.stringify(body));
    assert.equal(body.end_frame_asset_id, undefined);
    const c = card(prompt);
    await c.waitFor();
    // The job as the API sees it: the uploaded frame is its start frame.
    const { body: jobs } = await api('GET', '/jobs?limit=5');
    const job = jobs.jobs.find((j) => j.prompt === prompt);
    assert.equal(job.kind, 'video');
    assert.equal(job.start_frame_asset_id, body.start_frame_asset_id);
    assert.equal(job.estimated_cost_usd, 0.6);
    // The result is a <video> in the job card that really decodes and plays.
    const video = c.locator('video.job__video');
    await video.waitFor({ timeout: 60_000 });
    assert.equal(await video.getAttribute('preload'), 'metadata');
    assert.equal(await video.evaluate((v) => v.controls && v.playsInline), true);
    const handle = await video.elementHandle();
    await page.waitForFunction((v) => v.readyState >= 2 && v.videoWidth > 0, handle, { timeout: 30_000 });
    const played = await video.evaluate(async (v) => {
      v.muted = true;
      await v.play();
      await new Promise((r) => setTimeout(r, 600));
      v.pause();
      return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, d: v.duration };
    });
    assert.ok(played.t > 0, JSON.stringify(played));
    assert.deepEqual([played.w, played.h], [1280, 720]);
    assert.ok(Math.abs(played.d - 4) < 0.3, JSON.stringify(played));
    const { body: done } = await api('GET', `/jobs/${job.id}`);
    assert.equal(done.job.cost_usd, 0.6);
    assert.deepEqual(done.assets[0].parent_ids, [body.start_frame_asset_id]);
    await screenshot(page, 'video-played.png');
    const axe = await axeBothThemes(page, 'video-result');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // The gallery: the video filter finds it, as a player (muted, first frame as the poster).
    await api('POST', `/assets/${done.assets[0].id}/save`);
    await page.locator('#app-nav [data-view="gallery"]').click();
    await page.locator('#filter-kind').selectOption('video');
    const tile = page.locator(`#gallery-grid [data-asset-id="${done.assets[0].id}"]`);
    await tile.waitFor();
    assert.equal(await page.locator('#gallery-grid .tile').count(), 1, 'only videos');
    const tv = tile.locator('video');
    assert.equal(await tv.evaluate((v) => v.muted && !v.controls), true);
    await tile.locator('.tile__open').click();
    const big = page.locator('#asset-dialog video');
    await big.waitFor();
    assert.equal(await big.evaluate((v) => v.controls), true);
    const axeGallery = await axeBothThemes(page, 'video-gallery');
    assert.deepEqual(axeGallery, { dark: [], light: [] }, JSON.stringify(axeGallery, null, 1));
    await page.locator('#asset-dialog-close').click();
    await page.locator('#app-nav [data-view="studio"]').click();
  });

  test('a running video survives a reload, with its progress, and can be canceled', async () => {
    await videoMode();
    const prompt = `[sim:stall] a slow sunrise ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await button().click();
    await card(prompt).waitFor();
    await page.reload();
    await page.locator('#studio-view:not([hidden])').waitFor();
    const c = card(prompt);
    await c.waitFor();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'running'), { timeout: 20_000 });
    const bar = c.locator('progress.job__progress');
    await bar.waitFor();
    // Against the model's measured typical time when it has one (typical-time.test.mjs), else
    // a bar that only runs and no claim.
    const job = (await api('GET', '/jobs')).body.jobs.find((j) => j.prompt === prompt);
    const typical = (await api('GET', '/models')).body.models.find((m) => m.id === job.model).typical_seconds;
    if (typical) {
      await eventually(async () => assert.ok(Number(await bar.getAttribute('value')) > 0), { timeout: 10_000 });
      assert.match(await bar.getAttribute('aria-label'), /typically about/);
      await eventually(async () => assert.match(await c.innerText(), /typically about/));
    } else {
      assert.equal(await bar.getAttribute('value'), null);
      assert.match(await bar.getAttribute('aria-label'), /so far$/);
      assert.doesNotMatch(await c.innerText(), /typically/);
    }
    await c.locator('.job__cancel').click();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'canceled'), { timeout: 20_000 });
    assert.deepEqual(problems, []);
  });
});
