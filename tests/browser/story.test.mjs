// Visual story against the real local stack (gateway + moto + the Replicate simulator), in
// headless Chromium: make a four-frame story, see the four frames with their captions in order,
// reload and find it again, save it as a whole (the gallery holds its frames), export the sheet
// (a PNG download of the strip) and the zip (its four frames); axe-core clean in both themes and
// never a CSP violation.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test story.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import {
  SKIP, launchBrowser, watchPage, eventually, waitForLoadedImage, createUser, signIn, axeBothThemes, apiAs,
} from './helpers.mjs';

describe('visual story on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  const stamp = Date.now();

  before(async () => {
    user = await createUser('story');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  test('a four-frame story: the estimate, then four captioned frames in order; a reload keeps it', async () => {
    await page.locator('#app-nav [data-view="story"]').click();
    await page.locator('#story-view:not([hidden])').waitFor();
    const prompt = `a red fox crossing a snowy forest ${stamp} <b>bold</b>`;
    await page.getByLabel('Story', { exact: true }).fill(prompt);
    await page.getByLabel('Frames (2 to 8)').fill('4');
    await eventually(async () => assert.match(await page.locator('#story-estimate').textContent(), /^Estimate: \$0\.12 \(4 frames × \$0\.03\)/));
    // The top bar's spend (dollars) follows the story without a reload.
    const spent = async () => Number((await page.locator('#quota-summary').textContent()).match(/^\$([\d.,]+) spent/)?.[1].replaceAll(',', ''));
    const before = await spent();
    assert.ok(Number.isFinite(before), 'the top bar shows the spend');
    await page.getByRole('button', { name: 'Make story' }).click();
    const frames = page.locator('#story-strip > li');
    await eventually(async () => assert.equal(await frames.count(), 4));
    await eventually(
      async () => assert.equal(await page.locator('#story-strip > li[data-arrived="true"]').count(), 4),
      { timeout: 60_000, interval: 500 },
    );
    await eventually(async () => assert.ok((await spent()) >= before + 0.11, `the top bar still says $${before} spent`));
    const captions = await page.locator('#story-strip .storyv__caption').allTextContents();
    assert.equal(captions.length, 4);
    assert.match(captions[0], /^1\. The beginning: a red fox/);
    assert.match(captions[3], /^4\. The ending: a red fox/);
    captions.forEach((c, i) => assert.ok(c.startsWith(`${i + 1}. `) && c.includes(String(stamp)), c));
    // The caption is text: no element came of the markup in the prompt.
    assert.equal(await page.locator('#story-strip b').count(), 0);
    assert.ok(captions[0].includes('<b>bold</b>'), captions[0]);
    assert.deepEqual(await frames.evaluateAll((els) => els.map((e) => e.dataset.index)), ['0', '1', '2', '3']);
    const srcs = [];
    for (let i = 0; i < 4; i += 1) {
      assert.ok((await waitForLoadedImage(frames.nth(i), 20_000)) > 0);
      srcs.push(await frames.nth(i).locator('img').getAttribute('src'));
    }
    // Left to right: each frame starts right of the one before.
    const xs = await frames.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    assert.ok(xs.every((x, i) => i === 0 || x > xs[i - 1]), xs.join(','));
    const storyId = new URL(page.url()).searchParams.get('story');
    assert.ok(storyId, page.url());

    await page.reload();
    await page.locator('#story-view:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await page.locator('#story-strip > li[data-arrived="true"]').count(), 4));
    assert.equal(new URL(page.url()).searchParams.get('story'), storyId);
    assert.deepEqual(await page.locator('#story-strip .storyv__caption').allTextContents(), captions);
    assert.match(await page.locator('#story-status').textContent(), /4 of 4 frames\. Cost \$0\.12/);
    // The history list is fetched on its own after the story (owned-page.js renderHistory).
    await eventually(async () => assert.equal(await page.locator('#story-history button[aria-current="true"]').count(), 1));

    const axe = await axeBothThemes(page, 'story');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('Save story saves every frame to the gallery', async () => {
    await page.getByRole('button', { name: 'Save story' }).click();
    await eventually(async () => assert.equal(await page.getByRole('button', { name: 'Story saved' }).count(), 1));
    const api = await apiAs(user);
    const saved = await api('GET', '/assets?saved=true');
    assert.equal(saved.status, 200);
    const story = await api('GET', `/stories/${new URL(page.url()).searchParams.get('story')}`);
    const frameIds = story.body.frames.map((f) => f.asset.id).sort();
    assert.deepEqual(saved.body.assets.map((a) => a.id).sort(), frameIds, 'the gallery holds the story, saved');
    assert.ok(story.body.frames.every((f) => f.asset.saved), JSON.stringify(story.body.frames));
  });

  test('Export sheet downloads one PNG; Export zip the four frames', async () => {
    const [sheet] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export sheet' }).click()]);
    assert.match(sheet.suggestedFilename(), /^story-a-red-fox-crossing-a-snowy-forest.*\.png$/);
    const png = await fs.readFile(await sheet.path());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    assert.ok(width > height * 2, `a row of four is wide: ${width}×${height}`);

    const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export zip' }).click()]);
    assert.match(zip.suggestedFilename(), /\.zip$/);
    const bytes = await fs.readFile(await zip.path());
    const end = bytes.length - 22;
    assert.equal(bytes.readUInt32LE(end), 0x06054b50);
    assert.equal(bytes.readUInt16LE(end + 10), 4, 'four files');
    let at = bytes.readUInt32LE(end + 16);
    const names = [];
    for (let i = 0; i < 4; i += 1) {
      const len = bytes.readUInt16LE(at + 28);
      names.push(bytes.subarray(at + 46, at + 46 + len).toString());
      const local = bytes.readUInt32LE(at + 42);
      const start = local + 30 + bytes.readUInt16LE(local + 26);
      assert.deepEqual([...bytes.subarray(start, start + 4)], [0x89, 0x50, 0x4e, 0x47], `${names[i]} is a PNG`);
      at += 46 + len;
    }
    assert.deepEqual(names.map((n) => n.slice(0, 3)), ['01-', '02-', '03-', '04-']);
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
