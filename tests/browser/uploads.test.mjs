// Uploads in the page, against the real local stack: a HEIC photo and a file that is not an
// image are refused in the page with a message that says what to do (nothing is sent), and a
// 30 MB portrait phone photo stored sideways with an EXIF orientation arrives upright and within
// the limits (20 MiB, 8192 px a side, 40 MP). The photo is made in the browser (canvas + an EXIF
// APP1 segment), so the test carries no binary fixture.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, screenshot, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('uploads in the page', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  const uploadCalls = [];

  before(async () => {
    user = await createUser('uploads');
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/uploads')) uploadCalls.push(r.url());
    });
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  /** Hand the page a file the way a person would: dropped on the composer or pasted. */
  async function give(how, { name, type, bytes }) {
    await page.evaluate(
      ({ how, name, type, bytes }) => {
        const file = new File([new Uint8Array(bytes)], name, { type });
        const dt = new DataTransfer();
        dt.items.add(file);
        if (how === 'paste') document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
        else document.querySelector('#generate-form').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { how, name, type, bytes: [...bytes] },
    );
  }

  test('a HEIC photo is refused with how to get a JPEG, and nothing is uploaded', async () => {
    // The start of an iPhone HEIC file: an ISO-BMFF `ftyp` box with the `heic` brand.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)]);
    await give('drop', { name: 'IMG_0042.HEIC', type: 'image/heic', bytes: heic });
    const error = page.locator('#upload-error:not([hidden])');
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /IMG_0042\.HEIC/);
    assert.match(text, /HEIC/);
    assert.match(text, /JPEG/);
    assert.match(text, /Most Compatible/);
    assert.deepEqual(uploadCalls, []);
    await screenshot(page, 'uploads-heic-refused.png');
    // The Edit view, with its refusal showing, passes axe in both themes.
    const axe = await axeBothThemes(page, 'edit-refused');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('a file that is not an image is refused, whatever its name says', async () => {
    await give('paste', { name: 'notes.png', type: 'image/png', bytes: Buffer.from('these are my notes, not a picture\n') });
    const error = page.locator('#upload-error:not([hidden])');
    await error.filter({ hasText: 'notes.png' }).waitFor();
    assert.match(await error.innerText(), /not an image.*PNG, JPEG or WebP/);
    assert.deepEqual(uploadCalls, []);
  });

  test('a 30 MB sideways phone photo with EXIF orientation 6 arrives upright, re-encoded within the limits', async () => {
    // Raw pixels 6400×4800 (landscape), a red band on the left; orientation 6 means "turn 90°
    // clockwise to view", so upright the photo is 4800×6400 with the red band at the top.
    const made = await page.evaluate(async () => {
      const W = 6400;
      const H = 4800;
      const canvas = new OffscreenCanvas(W, H);
      const ctx = canvas.getContext('2d');
      const img = ctx.createImageData(W, H);
      const d = img.data;
      let seed = 7;
      for (let i = 0; i < d.length; i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        d[i] = seed & 0xff;
        d[i + 1] = (seed >>> 8) & 0xff;
        d[i + 2] = (seed >>> 16) & 0xff;
        d[i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      ctx.fillStyle = '#ff0000';
      ctx.fillRect(0, 0, 800, H);
      let jpeg;
      for (const q of [1, 0.98, 0.96, 0.94, 0.92]) {
        jpeg = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: q })).arrayBuffer());
        if (jpeg.length <= 36 * 1024 * 1024) break;
      }
      // APP1 Exif, big-endian TIFF, one IFD entry: Orientation (0x0112) SHORT = 6.
      const app1 = new Uint8Array([
        0xff, 0xe1, 0x00, 0x22, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00,
        0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
        0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
      ]);
      const bytes = new Uint8Array(jpeg.length + app1.length);
      bytes.set(jpeg.subarray(0, 2), 0);
      bytes.set(app1, 2);
      bytes.set(jpeg.subarray(2), 2 + app1.length);
      window.__phonePhoto = new File([bytes], 'IMG_1234.JPG', { type: 'image/jpeg' });

      // What the page will send: upright (red on top), within the limits.
      const { prepareImage } = await import('/js/upload.js');
      const ready = await prepareImage(window.__phonePhoto);
      const bmp = await createImageBitmap(ready.blob);
      const probe = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
      probe.drawImage(bmp, 0, 0);
      const px = (x, y) => [...probe.getImageData(x, y, 1, 1).data.slice(0, 3)];
      return {
        size: bytes.length,
        ready: { type: ready.contentType, bytes: ready.blob.size, width: ready.width, height: ready.height, reencoded: ready.reencoded },
        top: px(Math.floor(bmp.width / 2), 10),
        bottom: px(Math.floor(bmp.width / 2), bmp.height - 10),
      };
    });
    assert.ok(made.size > 25 * 1024 * 1024, `the photo is over 25 MB (${made.size})`);
    assert.equal(made.ready.type, 'image/jpeg');
    assert.ok(made.ready.reencoded);
    assert.ok(made.ready.bytes <= 20 * 1024 * 1024, `re-encoded within 20 MiB (${made.ready.bytes})`);
    assert.ok(made.ready.height > made.ready.width, `upright: portrait (${made.ready.width}×${made.ready.height})`);
    assert.ok(made.top[0] > 200 && made.top[1] < 60 && made.top[2] < 60, `red band at the top: ${made.top}`);
    assert.ok(!(made.bottom[0] > 200 && made.bottom[1] < 60), `not at the bottom: ${made.bottom}`);

    // Now through the page: dropped, uploaded with progress, completed by the server.
    await page.evaluate(() => {
      const bar = document.getElementById('upload-progress');
      window.__progress = [];
      new MutationObserver(() => window.__progress.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
      const dt = new DataTransfer();
      dt.items.add(window.__phonePhoto);
      document.querySelector('#generate-form').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('#upload-status:not([hidden])').waitFor();
    await page.locator('#stage:not([hidden]), #upload-error:not([hidden])').first().waitFor({ timeout: 120_000 });
    if (await page.locator('#upload-error').isVisible()) assert.fail(`the upload failed: ${await page.locator('#upload-error').innerText()}`);
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.some((v) => v > 0), `upload progress was shown: ${progress}`);
    await page.locator('#stage-view img').evaluate((img) => img.decode());
    await screenshot(page, 'uploads-phone-photo.png');

    const step = new URLSearchParams(await page.evaluate(() => location.hash.slice(1))).get('step');
    assert.ok(step, 'the upload is the current step');
    const api = await apiAs(user);
    const { status, body } = await api('GET', `/assets/${step}`);
    assert.equal(status, 200);
    const a = body.asset;
    assert.equal(a.source, 'upload');
    assert.equal(a.content_type, 'image/jpeg');
    assert.ok(a.bytes <= 20 * 1024 * 1024);
    assert.ok(a.height > a.width, `stored upright: ${a.width}×${a.height}`);
    assert.ok(a.width <= 8192 && a.height <= 8192 && a.width * a.height <= 40_000_000);
    // The page says what it has: Edit mode, with the photo as the image to work on.
    assert.ok(await page.locator('#mode-edit').isChecked());
    assert.match(await page.locator('#sources').innerText(), /current step/i);
  });

  test('no CSP violation or script error happened', async () => {
    assert.deepEqual(problems, []);
  });
});
