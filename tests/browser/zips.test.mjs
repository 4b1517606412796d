// Zips to take home on the real local stack in headless Chromium: a gallery selection chosen by
// keyboard becomes one zip ("Download as zip": progress, then the download starts), read back
// in Node from its central directory: exactly the selected files, named and byte for byte as
// their single downloads. The Export page (?view=export): start by keyboard, progress, a Download
// button that asks the API for a fresh link on each click, a zip with every file,
// metadata.json (with collections) and usage.csv; it reopens from the address after a reload;
// axe-core in both themes; never a CSP violation.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

/** The entries of a zip (stored or not), from its central directory: [{name, bytes}]. */
function readZip(buf) {
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, 'an end of central directory record');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'a central directory header');
    const method = buf.readUInt16LE(at + 10);
    let size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    let local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    // A streamed entry may carry its sizes and offset in a ZIP64 extra field (id 1): the
    // 64-bit values of those fields that read 0xFFFFFFFF, in order.
    for (let x = at + 46 + nameLen; x < at + 46 + nameLen + extraLen; x += 4 + buf.readUInt16LE(x + 2)) {
      if (buf.readUInt16LE(x) !== 1) continue;
      let v = x + 4;
      const wide = () => {
        const n = Number(buf.readBigUInt64LE(v));
        v += 8;
        return n;
      };
      if (size === 0xffffffff) size = wide();
      if (buf.readUInt32LE(at + 20) === 0xffffffff) wide(); // compressed size: the same, stored
      if (local === 0xffffffff) local = wide();
    }
    assert.equal(method, 0, `${name} is stored`);
    assert.equal(buf.readUInt32LE(local), 0x04034b50, 'a local header');
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.push({ name, bytes: buf.subarray(data, data + size) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

async function fetchBytes(url) {
  const r = await fetch(url);
  assert.equal(r.status, 200, url.split('?')[0]);
  return { buf: Buffer.from(await r.arrayBuffer()), disposition: r.headers.get('content-disposition') || '' };
}

describe('zips on the local stack', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let api;
  const stamp = Date.now();
  const ids = [];
  let collection;

  /** The name and bytes of an asset's single download. */
  async function single(id) {
    const a = (await api('GET', `/assets/${id}`)).body.asset;
    const { buf, disposition } = await fetchBytes(a.download_url);
    return { name: /filename="([^"]+)"/.exec(disposition)[1], bytes: buf };
  }

  before(async () => {
    const user = await createUser('zips');
    api = await apiAs(user);
    for (const prompt of [`A lighthouse at dusk ${stamp}`, `A paper boat ${stamp}`, `A red kite ${stamp}`]) {
      const r = await api('POST', '/images/generate', { model: 'imagen-4', prompt });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      await eventually(async () => {
        const j = (await api('GET', `/jobs/${r.body.job.id}`)).body.job;
        assert.equal(j.status, 'succeeded');
        ids.push(j.asset_ids[0]);
      }, { timeout: 60_000 });
    }
    const c = await api('POST', '/collections', { name: `Harbour ${stamp}` });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    collection = c.body.collection;
    const added = await api('POST', `/collections/${collection.id}/assets`, { action: 'add', asset_ids: [ids[0]] });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const nav = (name) => page.locator('#app-nav').getByRole('button', { name, exact: true });
  const tile = (id) => page.locator(`#gallery-grid > li[data-asset-id="${id}"]`);

  test('a selection downloads as one zip holding exactly the selected files, as their single downloads', async () => {
    await nav('Gallery').click();
    for (const id of [ids[0], ids[2]]) {
      await tile(id).locator('.tile__check').focus();
      await page.keyboard.press('Space');
    }
    await page.locator('#gallery-selected', { hasText: '2 selected' }).waitFor();
    const zipButton = page.locator('#gallery-bar').getByRole('button', { name: 'Download as zip' });
    await zipButton.focus();
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.keyboard.press('Enter');
    const started = await download;
    const status = page.locator('#zip-status');
    await status.filter({ hasText: 'The zip is ready' }).waitFor();
    const href = await status.getByRole('link').getAttribute('href');
    assert.equal(started.url(), href, 'the download is the link shown');
    assert.match(started.suggestedFilename(), /^visual-neurons-selection-\d{4}-\d{2}-\d{2}\.zip$/);

    const { buf } = await fetchBytes(href);
    const entries = readZip(buf);
    const want = [await single(ids[0]), await single(ids[2])];
    assert.deepEqual(entries.map((e) => e.name), want.map((w) => w.name));
    for (const [i, e] of entries.entries()) assert.ok(e.bytes.equals(want[i].bytes), `${e.name} byte for byte`);
    assert.equal(await zipButton.isDisabled(), false, 'ready for another zip');
    assert.deepEqual(problems, []);
  });

  test('the Export page builds everything with metadata.json and usage.csv, and each Download asks for a fresh link', async () => {
    await page.locator('#user-area').getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('heading', { name: 'Export everything' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('view'), 'export', 'the address names the page');
    assert.match(await page.locator('#export-view').innerText(), /kept 24 hours/);
    await page.getByRole('button', { name: 'Start the export' }).focus();
    await page.keyboard.press('Enter');
    const get = page.getByRole('button', { name: 'Download the export' });
    await get.waitFor({ timeout: 60_000 });
    const id = new URL(page.url()).searchParams.get('export');
    assert.ok(id, 'the address names the export');
    assert.match(await page.locator('#export-state').innerText(), /Ready: 3 files with metadata\.json and usage\.csv/);
    assert.equal(await page.locator('#export-bar').evaluate((el) => el.value === el.max), true);

    const axe = await axeBothThemes(page, 'export');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // A reload opens the same export from the address.
    await page.reload();
    await get.waitFor();

    // Each click asks the API for the state and a fresh link, then downloads it.
    const links = [];
    for (let i = 0; i < 2; i += 1) {
      const asked = page.waitForResponse((r) => r.url().endsWith(`/api/exports/${id}`) && r.request().method() === 'GET');
      const download = page.waitForEvent('download');
      await get.focus();
      await page.keyboard.press('Enter');
      links.push((await (await asked).json()).url);
      assert.equal((await download).url(), links[i]);
    }
    assert.ok(links[0] && links[1], 'a link on each click');

    const { buf } = await fetchBytes(links[1]);
    const entries = readZip(buf);
    const names = entries.map((e) => e.name);
    const files = await Promise.all([ids[2], ids[1], ids[0]].map((a) => single(a)));
    assert.deepEqual(names, [...files.map((f) => f.name), 'metadata.json', 'usage.csv']);
    const meta = JSON.parse(entries[3].bytes.toString('utf8'));
    assert.deepEqual(meta.assets.map((a) => a.file), files.map((f) => f.name));
    assert.deepEqual(meta.assets[2].collections, [{ id: collection.id, name: collection.name }]);
    assert.deepEqual(meta.assets[0].collections, []);
    assert.equal(meta.assets[0].prompt, `A red kite ${stamp}`);
    const csv = entries[4].bytes.toString('utf8').trim().split('\n');
    assert.equal(csv[0], 'date,model,jobs,usd');
    assert.match(csv[1], /^\d{4}-\d{2}-\d{2},imagen-4,3,\d+\.\d{6}$/);
    assert.deepEqual(problems, []);
  });
});
