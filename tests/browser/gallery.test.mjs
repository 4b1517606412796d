// Gallery, usage, budget and cancel against the real local stack in headless Chromium:
// generate → save → filter → download (the file name from Content-Disposition) → delete (to the
// trash) → gone;
// the usage chart and totals of that run, its CSV; the budget guard and the API's
// quota_exceeded; canceling a stalled job (the simulator's `[sim:stall]`); axe-core on Gallery
// and Usage in both themes; never a CSP violation; the vendored chart library's checksums.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import {
  BASE_URL, SKIP, REPO_ROOT, STATIC_DIR, launchBrowser, watchPage, screenshot, eventually, createUser, signIn, apiAs,
  axeBothThemes, axeViolations,
} from './helpers.mjs';

const VN_LOCAL = process.env.VN_LOCAL || path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target'), 'debug', 'vn-local');
const setLimit = (name, usd) => promisify(execFile)(VN_LOCAL, ['user', '--name', name, '--limit', String(usd)], { cwd: REPO_ROOT });

describe('the vendored chart library', () => {
  test('uPlot matches its pinned SHA-256 checksums and carries its MIT licence', async () => {
    const dir = path.join(STATIC_DIR, 'vendor', 'uplot');
    const pinned = {
      'uPlot.esm.js': '5dd9b3281aa64b461b42d9945f6adb2649d346502b12281a9ae0d46599a80eba',
      'uPlot.min.css': 'df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04',
    };
    for (const [file, sum] of Object.entries(pinned)) {
      const actual = createHash('sha256').update(await readFile(path.join(dir, file))).digest('hex');
      assert.equal(actual, sum, `${file} (uplot 1.6.32 from npm) was changed`);
    }
    const sums = await readFile(path.join(dir, 'SHA256SUMS'), 'utf8');
    for (const [file, sum] of Object.entries(pinned)) assert.match(sums, new RegExp(`^${sum}  ${file.replace('.', '\\.')}$`, 'm'));
    assert.match(await readFile(path.join(dir, 'LICENSE'), 'utf8'), /MIT License/);
  });
});

describe('gallery, usage, budget and cancel on the local stack', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;
  const stamp = Date.now();
  const prompt = `A red fox in the snow ${stamp}`;
  let job;
  let asset;

  before(async () => {
    user = await createUser('gallery');
    api = await apiAs(user);
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

  const nav = (name) => page.locator('#app-nav').getByRole('button', { name, exact: true });
  const tile = (id) => page.locator(`#gallery-grid > li[data-asset-id="${id}"]`);
  const card = (text) => page.locator('#jobs > li').filter({ has: page.locator('.job__prompt', { hasText: text }) });

  test('a generated picture can be saved, filtered, downloaded under its own name, and deleted', async () => {
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: /Generate/ }).click();
    await eventually(async () => assert.equal(await card(prompt).getAttribute('data-status'), 'succeeded'), { timeout: 60_000 });
    const jobs = (await api('GET', '/jobs?limit=5')).body.jobs;
    job = jobs.find((j) => j.prompt === prompt);
    const answer = (await api('GET', `/jobs/${job.id}`)).body;
    job = answer.job;
    asset = answer.assets[0];
    // The budget meter in the top bar shows what was spent.
    await eventually(async () => assert.match(await page.locator('#quota-summary').innerText(), /spent · \$[\d.]+ left of \$/));

    await nav('Gallery').click();
    assert.equal(await nav('Gallery').getAttribute('aria-current'), 'page');
    await tile(asset.id).waitFor();
    assert.equal(await tile(asset.id).getAttribute('data-saved'), 'false');

    // The large view: settings, save.
    await tile(asset.id).locator('.tile__open').click();
    const dialog = page.locator('#asset-dialog');
    await dialog.waitFor();
    await page.locator('#asset-dialog-body:not([aria-busy])').waitFor();
    await eventually(async () => assert.match(await dialog.innerText(), new RegExp(`Prompt\\s+${prompt}`)));
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByRole('button', { name: /Saved/ }).waitFor();
    assert.equal((await api('GET', `/assets/${asset.id}`)).body.asset?.saved ?? (await api('GET', `/assets/${asset.id}`)).body.saved, true);
    await screenshot(page, 'gallery-detail.png');
    // axe on the open large view (the rest of the page is inert behind the modal), both themes.
    for (const theme of ['dark', 'light']) {
      await page.evaluate((t) => (t === 'light' ? (document.documentElement.dataset.theme = 'light') : delete document.documentElement.dataset.theme), theme);
      await page.waitForTimeout(250);
      const v = await axeViolations(page);
      assert.deepEqual(v, [], `${theme}: ${JSON.stringify(v, null, 1)}`);
    }
    await page.evaluate(() => delete document.documentElement.dataset.theme);

    // Download: the browser's file name comes from the server's Content-Disposition.
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download' }).click()]);
    const file = download.suggestedFilename();
    const ext = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' }[asset.content_type];
    assert.ok(file.includes(asset.id), `${file} names the asset ${asset.id}`);
    assert.ok(file.endsWith(`.${ext}`), `${file} ends in .${ext} (${asset.content_type})`);
    assert.ok((await readFile(await download.path())).length > 0);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Filters: saved only shows it, "not saved" doesn't; the model filter keeps it.
    await page.getByLabel('Saved', { exact: true }).selectOption('true');
    await tile(asset.id).waitFor();
    assert.equal(await tile(asset.id).getAttribute('data-saved'), 'true');
    await page.getByLabel('Saved', { exact: true }).selectOption('false');
    await page.locator('#gallery-empty:not([hidden])').waitFor();
    assert.equal(await tile(asset.id).count(), 0);
    await page.getByLabel('Saved', { exact: true }).selectOption('');
    await page.getByLabel('Model', { exact: true }).selectOption(asset.model);
    await tile(asset.id).waitFor();
    await page.getByLabel('Kind', { exact: true }).selectOption('video');
    await page.locator('#gallery-empty:not([hidden])').waitFor();
    await page.getByLabel('Kind', { exact: true }).selectOption('');
    await page.getByLabel('Model', { exact: true }).selectOption('');
    await tile(asset.id).waitFor();

    // axe on the gallery and its large view, both themes.
    const axe = await axeBothThemes(page, 'gallery');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    // Select with the keyboard, then delete: it goes to the trash, with an undo offered
    // (tests/browser/trash.test.mjs takes the undo); dismissed here.
    await tile(asset.id).locator('.tile__check').focus();
    await page.keyboard.press('Space');
    await page.locator('#gallery-selected', { hasText: '1 selected' }).waitFor();
    await page.locator('#gallery-bar').getByRole('button', { name: 'Delete', exact: true }).click();
    await eventually(async () => assert.equal(await tile(asset.id).count(), 0));
    assert.match(await page.getByRole('status').filter({ hasText: 'trash' }).innerText(), /Picture moved to the trash\./);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal((await api('GET', `/assets/${asset.id}`)).status, 404);
    // Reloaded, still gone; the job says its result was deleted.
    await nav('Studio').click();
    await nav('Gallery').click();
    await page.locator('#gallery-grid, #gallery-empty').first().waitFor();
    assert.equal(await tile(asset.id).count(), 0);
    // The address keeps the gallery (?view=gallery): a reload reopens it, still without the picture.
    await page.reload();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    await page.locator('#gallery-grid, #gallery-empty').first().waitFor();
    assert.equal(await tile(asset.id).count(), 0);
    await nav('Studio').click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    await card(prompt).locator('.job__missing', { hasText: 'You deleted the result of this job' }).waitFor({ timeout: 20_000 });
  });

  test('the usage view charts the run, its totals match the job’s cost, and the CSV has the exact figures', async () => {
    await nav('Usage').click();
    await page.locator('#usage-chart canvas').waitFor();
    const row = page.locator(`#usage-rows tr[data-model="${job.model}"]`);
    await row.waitFor();
    const usage = (await api('GET', `/usage?from=${job.created_at.slice(0, 10)}&to=${job.created_at.slice(0, 10)}`)).body;
    assert.equal(usage.total_usd, job.cost_usd, 'one job: the total is its cost');
    const money = (v) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(v);
    assert.equal(await row.locator('td').nth(0).innerText(), '1');
    assert.equal(await row.locator('td').nth(1).innerText(), money(job.cost_usd));
    assert.equal(await page.locator('#usage-total-usd').innerText(), money(job.cost_usd));
    assert.match(await page.locator('#usage-chart').getAttribute('aria-label'), /stacked by model/);
    // The chart drew something: the canvas is not blank.
    const painted = await page.locator('#usage-chart canvas').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
      return n;
    });
    assert.ok(painted > 100, `the chart painted ${painted} pixels`);
    await screenshot(page, 'usage.png');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    assert.match(csv, /^date,model,jobs,usd\r\n/);
    assert.ok(csv.includes(`,${job.model},1,${job.cost_usd}\r\n`), csv);
    assert.match(csv, new RegExp(`,total,1,${String(job.cost_usd).replace('.', '\\.')}\\r\\n$`));

    for (const period of ['last-month', 'last-7', 'last-30']) {
      await page.getByLabel('Period').selectOption(period);
      await page.locator('#usage-summary', { hasText: /spent on/ }).waitFor();
    }
    await page.getByLabel('Period').selectOption('custom');
    await page.locator('#usage-view').getByLabel('From', { exact: true }).fill(job.created_at.slice(0, 10));
    await page.locator('#usage-view').getByLabel('To', { exact: true }).fill(job.created_at.slice(0, 10));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#usage-summary', { hasText: `${money(job.cost_usd)} spent on 1 job from` }).waitFor();
    // A one-day range ticks that day (a date, as on every range), never hours.
    const ticks = async () => (await page.locator('#usage-chart').getAttribute('data-day-ticks')).split('|');
    const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(job.created_at));
    // uPlot draws its axes on the next frame: wait for this range's labels, then compare.
    await page
      .waitForFunction((d) => document.querySelector('#usage-chart')?.dataset.dayTicks === d, day, { timeout: 5_000 })
      .catch(() => {});
    assert.deepEqual(await ticks(), [day], 'a one-day range has that one day tick');
    await page.getByLabel('Period').selectOption('last-30');
    await page.waitForFunction(() => (document.querySelector('#usage-chart')?.dataset.dayTicks || '').includes('|'));
    const month = await ticks();
    assert.ok(month.length >= 2 && month.every((t) => /^[A-Z][a-z]{2} \d{1,2}$/.test(t)), `day ticks: ${month}`);

    const axe = await axeBothThemes(page, 'usage');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
  });

  test('from the large view, “Use these settings” and “Edit this” go back to the studio; a step being made can be canceled on the stage', async () => {
    await nav('Studio').click();
    const second = `A blue heron at dusk ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(second);
    await page.getByRole('button', { name: /Generate/ }).click();
    await eventually(async () => assert.equal(await card(second).getAttribute('data-status'), 'succeeded'), { timeout: 60_000 });
    await page.getByLabel('Prompt', { exact: true }).fill('');

    await nav('Gallery').click();
    const first = page.locator('#gallery-grid > li').first();
    await first.waitFor();
    // The selection's Download: one file per picture, named by the server.
    const heron = await first.getAttribute('data-asset-id');
    await first.locator('.tile__check').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download', exact: true }).click()]);
    assert.ok(download.suggestedFilename().includes(heron), download.suggestedFilename());
    await first.locator('.tile__check').uncheck();
    await first.locator('.tile__open').click();
    const dialog = page.locator('#asset-dialog');
    const loaded = () => page.locator('#asset-dialog-body:not([aria-busy])').waitFor();
    await loaded();
    await dialog.getByRole('button', { name: 'Use these settings' }).click();
    await page.locator('#studio-view:not([hidden])').waitFor();
    assert.equal(await page.locator('#gallery-view').isHidden(), true);
    assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), second);

    await nav('Gallery').click();
    await first.locator('.tile__open').click();
    await loaded();
    await dialog.getByRole('button', { name: 'Edit this' }).click();
    await page.getByRole('heading', { name: 'Edit an image' }).waitFor();
    await page.locator('#stage:not([hidden])').waitFor();

    const stalled = `[sim:stall] add a hat ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(stalled);
    await page.locator('#generate').click();
    const pending = page.locator('#chain-strip .chain__pending');
    await pending.getByRole('button', { name: /Cancel/ }).click();
    await eventually(async () => assert.equal(await card(stalled).getAttribute('data-status'), 'canceled'), { timeout: 20_000 });
    await eventually(async () => assert.equal(await pending.count(), 0));
    await screenshot(page, 'stage-canceled.png');
  });

  test('a queued or running job can be canceled from its card', async () => {
    await nav('Studio').click();
    await page.locator('label[for="mode-image"]').click();
    const stalled = `[sim:stall] a slow lighthouse ${stamp}`;
    await page.getByLabel('Prompt', { exact: true }).fill(stalled);
    await page.getByRole('button', { name: /Generate/ }).click();
    const c = card(stalled);
    await c.getByRole('button', { name: /^Cancel/ }).click();
    await eventually(async () => assert.equal(await c.getAttribute('data-status'), 'canceled'), { timeout: 20_000 });
    await c.locator('.job__error', { hasText: 'This job was canceled.' }).waitFor();
    assert.equal(await c.getByRole('button', { name: /^Cancel/ }).count(), 0);
    const id = await c.getAttribute('data-job-id');
    assert.equal((await api('GET', `/jobs/${id}`)).body.job.status, 'canceled');
  });

  test('the budget: Generate is disabled when the estimate exceeds what remains, and the API’s quota_exceeded reads plainly', async () => {
    // The limit drops below the estimate while the page still believes there is room: the API refuses.
    await setLimit(user.name, 0);
    await page.getByLabel('Prompt', { exact: true }).fill(`Over the limit ${stamp}`);
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#form-error', { hasText: /Monthly spending limit reached/ }).waitFor();
    assert.equal(await card(`Over the limit ${stamp}`).count(), 0);
    // The page now knows: the button is disabled and says why.
    await page.locator('#budget-message:not([hidden])').waitFor();
    assert.match(await page.locator('#budget-message').innerText(), /Not enough budget left: this would cost about \$[\d.]+, and only \$0\.00 of your monthly \$0\.00 is left/);
    assert.equal(await page.locator('#generate').isDisabled(), true);
    await screenshot(page, 'budget-exceeded.png');

    // A low limit on a fresh session: disabled from the start.
    const low = await createUser('budget');
    await setLimit(low.name, 0.001);
    await page.getByRole('button', { name: 'Log out' }).click();
    await signIn(page, low);
    await page.locator('#budget-message:not([hidden])').waitFor();
    assert.equal(await page.locator('#generate').isDisabled(), true);
    assert.match(await page.locator('#quota-summary').innerText(), /\$0\.00 spent · \$0\.001 left of \$0\.001/);
    assert.deepEqual(problems, []);
  });
});

describe('the gallery pages with “Load more”, and the API’s rate_limited says when to retry', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;
  let api;

  before(async () => {
    user = await createUser('paging');
    api = await apiAs(user);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' })).newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
  });

  after(async () => {
    await browser?.close();
  });

  test('30 job starts in a minute (JOB_STARTS_PER_MINUTE), then the page’s Generate is refused with the time to retry; once the minute is over a 31st job starts, and the gallery pages its 31 pictures', async () => {
    const model = (await api('GET', '/models')).body.models.find((m) => (m.default_for || []).includes('image')) ||
      (await api('GET', '/models')).body.models[0];
    const ids = [];
    await signIn(page, user);
    await page.getByLabel('Prompt', { exact: true }).fill('one too many');
    // The limit counts per clock minute (a fixed window): the 30 starts and the page's 31st try
    // must fall in one minute, or a slow machine crossing into the next lets the 31st through.
    // So they start at the top of a minute, with the page already signed in.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 10_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 250));
    for (let i = 0; i < 30; i++) {
      const r = await api('POST', '/images/generate', { model: model.id, prompt: `tile ${i}`, options: {} });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.job.id);
    }
    await page.getByRole('button', { name: /Generate/ }).click();
    await page.locator('#form-error', { hasText: /^Too many requests: .+ You can try again at \d{1,2}:\d{2}:\d{2}( [AP]M)? \(in \d+ s\)\.$/ }).waitFor();
    await screenshot(page, 'rate-limited.png');

    // After the minute, starting works again.
    await eventually(async () => {
      const r = await api('POST', '/images/generate', { model: model.id, prompt: 'tile 30', options: {} });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.job.id);
    }, { timeout: 90_000, interval: 3000 });
    await eventually(async () => {
      for (const id of ids) assert.equal((await api('GET', `/jobs/${id}`)).body.job.status, 'succeeded');
    }, { timeout: 180_000, interval: 1000 });
    const total = (await Promise.all(ids.map(async (id) => (await api('GET', `/jobs/${id}`)).body.assets.length))).reduce((a, b) => a + b, 0);
    assert.equal(total, 31, 'one picture per job');

    await page.locator('#app-nav').getByRole('button', { name: 'Gallery' }).click();
    const tiles = page.locator('#gallery-grid > li');
    await eventually(async () => assert.equal(await tiles.count(), 30));
    const more = page.getByRole('button', { name: 'Load more' }).and(page.locator('#gallery-more'));
    while (await more.isVisible()) {
      const before = await tiles.count();
      await more.click();
      await eventually(async () => assert.ok((await tiles.count()) > before));
    }
    assert.equal(await tiles.count(), total);
    const seen = await tiles.evaluateAll((els) => els.map((e) => e.dataset.assetId));
    assert.equal(new Set(seen).size, total, 'no picture twice');
    assert.deepEqual(problems, []);
  });
});
