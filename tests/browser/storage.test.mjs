// The storage budget on the Usage page, against the real local stack: a photo uploaded through
// the page shows on Usage as exactly the bytes the API stored, against the user's own storage
// limit (set the way the admin sets it, `vn-local user --storage-limit`); once that limit is
// reached, Usage says the storage is full and the next upload is refused with the API's
// `storage_exceeded` message, nothing uploaded. The page passes axe in both themes with the
// notice showing.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { SKIP, REPO_ROOT, launchBrowser, watchPage, screenshot, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

const VN_LOCAL = process.env.VN_LOCAL || path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target'), 'debug', 'vn-local');
/** The admin's per-user override, in MB of 1,000,000 bytes (docs/deploy.md). */
const setStorageLimit = (name, mb) => promisify(execFile)(VN_LOCAL, ['user', '--name', name, '--storage-limit', String(mb)], { cwd: REPO_ROOT });
const nf = new Intl.NumberFormat('en-US');

describe('storage on the Usage page', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  const uploadCalls = [];

  before(async () => {
    user = await createUser('storage');
    await setStorageLimit(user.name, 2);
    api = await apiAs(user);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' })).newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/uploads') uploadCalls.push(r.url());
    });
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const nav = (name) => page.locator('.appnav').getByRole('button', { name, exact: true });

  /** Drops a small noisy PNG made in the page on the composer, as a person would. */
  async function dropPhoto(name) {
    await page.evaluate(async (name) => {
      const canvas = new OffscreenCanvas(320, 240);
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(320, 240);
      let seed = name.length * 7919;
      for (let i = 0; i < img.data.length; i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        img.data.set([seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff, 255], i);
      }
      ctx.putImageData(img, 0, 0);
      const file = new File([await canvas.convertToBlob({ type: 'image/png' })], name, { type: 'image/png' });
      const dt = new DataTransfer();
      dt.items.add(file);
      document.querySelector('#generate-form').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, name);
  }

  test('an uploaded photo shows on Usage as exactly the bytes stored, against the user’s own limit', async () => {
    await dropPhoto('first.png');
    await page.locator('#stage:not([hidden]), #upload-error:not([hidden])').first().waitFor({ timeout: 60_000 });
    if (await page.locator('#upload-error').isVisible()) assert.fail(`the upload failed: ${await page.locator('#upload-error').innerText()}`);

    const { body } = await api('GET', '/usage');
    assert.equal(body.storage.limit_bytes, 2_000_000, 'the admin’s override applies');
    assert.equal(body.storage.files, 1);
    assert.equal(body.storage.reserved_bytes, 0, 'the upload settled its reservation');
    const list = (await api('GET', '/assets')).body.assets;
    assert.equal(list.length, 1);
    assert.equal(body.storage.stored_bytes, list[0].bytes, 'the count is the stored file');

    await nav('Usage').click();
    const summary = page.locator('#usage-storage-summary');
    await summary.filter({ hasText: 'storage in use' }).waitFor();
    const stored = body.storage.stored_bytes;
    const shown = stored >= 1000 ? `${nf.format(Math.round(stored / 100) / 10)} KB` : `${stored} bytes`;
    assert.equal(await summary.innerText(), `${shown} of your 2 MB storage in use (1 file).`);
    const meter = await page.locator('#usage-storage-meter').evaluate((m) => m.value);
    assert.ok(Math.abs(meter - stored / 2_000_000) < 1e-9, `meter ${meter}`);
    assert.ok(await page.locator('#usage-storage-full').isHidden(), 'not full yet');
  });

  test('at the limit Usage says the storage is full and the next upload is refused before anything is sent', async () => {
    const stored = (await api('GET', '/usage')).body.storage.stored_bytes;
    // The limit is now exactly what is stored (MB with up to six decimals is bytes).
    await setStorageLimit(user.name, (stored / 1_000_000).toFixed(6));
    await page.getByLabel('Period').selectOption('last-7');
    const full = page.locator('#usage-storage-full:not([hidden])');
    await full.waitFor();
    assert.match(await full.innerText(), /storage is full/);
    assert.equal(Number(await page.locator('#usage-storage-meter').evaluate((m) => m.value)), 1);
    await screenshot(page, 'usage-storage-full.png');
    const axe = await axeBothThemes(page, 'usage-storage-full');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    await nav('Studio').click();
    const announced = uploadCalls.length;
    await dropPhoto('second.png');
    const error = page.locator('#upload-error:not([hidden])');
    await error.waitFor({ timeout: 30_000 });
    assert.match(await error.innerText(), /storage is full/);
    assert.equal(uploadCalls.length, announced + 1, 'announced once, refused: no form was posted');
    const after = (await api('GET', '/usage')).body.storage;
    assert.deepEqual(after, { stored_bytes: stored, reserved_bytes: 0, limit_bytes: stored, files: 1 }, 'nothing reserved');
  });

  test('no CSP violation or script error happened', async () => {
    assert.deepEqual(problems, []);
  });
});
