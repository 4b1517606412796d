// Lighthouse (npm, 12.x: Node 20) on the real local stack, driving Debian's Chromium through
// puppeteer-core. The pages a daily user sees: the login page, the studio with results and the
// gallery of a full account. Mobile preset with Lighthouse's default (simulated) throttling.
// lighthouse.test.mjs checks Accessibility and Best Practices in `make test`; lighthouse-bench.mjs
// records all three scores with LCP/TBT/CLS for `make bench` (a timing never goes in a test).

import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { BASE_URL, REPO_ROOT, apiAs, createUser, eventually } from './helpers.mjs';
import path from 'node:path';

const VN_LOCAL = process.env.VN_LOCAL || path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target'), 'debug', 'vn-local');

/** How many items the measured gallery holds (the figure). */
export const GALLERY_ITEMS = 200;

/**
 * A user with what the measured pages need: two finished generations (the studio's history
 * shows their cards) and a gallery of GALLERY_ITEMS pictures (the rest seeded by `vn-local
 * seed`: real images of `size` px with their thumbnails, recorded the way an upload is).
 */
export async function fullAccount(prefix, { size = 1024 } = {}) {
  const user = await createUser(prefix);
  const api = await apiAs(user);
  for (const prompt of ['a lighthouse on a cliff at dawn', 'a paper boat on a puddle']) {
    const r = await api('POST', '/images/generate', { model: 'imagen-4', prompt });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await eventually(async () => {
      const j = (await api('GET', `/jobs/${r.body.job.id}`)).body.job;
      assert.equal(j.status, 'succeeded');
    }, { timeout: 90_000, interval: 500 });
  }
  await promisify(execFile)(VN_LOCAL, ['seed', '--name', user.name, '--assets', String(GALLERY_ITEMS - 2), '--size', String(size)], { cwd: REPO_ROOT });
  return user;
}

/** The measured pages: name, address, and whether it needs a signed-in user. */
export function pages() {
  return [
    { name: 'login', url: new URL('/', BASE_URL).href, signedIn: false },
    { name: 'studio with results', url: new URL('/', BASE_URL).href, signedIn: true, ready: '#jobs .job' },
    { name: `gallery of ${GALLERY_ITEMS}`, url: new URL('/?view=gallery', BASE_URL).href, signedIn: true, ready: '#gallery-grid .tile' },
  ];
}

async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs `user` in on `page` through the login form: the session lands in localStorage. */
async function signIn(page, user) {
  await page.goto(new URL('/', BASE_URL).href, { waitUntil: 'load' });
  await page.waitForSelector('#login-username', { visible: true });
  await page.type('#login-username', user.name);
  await page.type('#login-password', user.password);
  await Promise.all([page.waitForSelector('#studio-view:not([hidden])'), page.click('#login-submit')]);
}

/**
 * Runs Lighthouse on each page (one fresh browser each, so no page inherits another's cache)
 * and returns { name, url, scores: {category: 0..100}, failing: {category: [audit titles]},
 * metrics: {lcp_ms, tbt_ms, cls} }. The signed-in pages sign in first and keep the session
 * (disableStorageReset), as a returning user opens them.
 */
export async function audit(user, categories) {
  const out = [];
  for (const p of pages()) {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      if (p.signedIn) await signIn(page, user);
      else await page.goto('about:blank');
      const result = await lighthouse(
        p.url,
        { logLevel: 'error', output: 'json', onlyCategories: categories, disableStorageReset: !!p.signedIn },
        undefined,
        page,
      );
      const lhr = result.lhr;
      if (lhr.runtimeError) throw new Error(`Lighthouse on ${p.name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      if (p.ready) {
        // The page Lighthouse measured was the full one, not a login form or an empty view.
        const shown = await page.$(p.ready);
        assert.ok(shown, `${p.name}: ${p.ready} is not on the measured page`);
      }
      const scores = {};
      const failing = {};
      for (const c of categories) {
        const cat = lhr.categories[c];
        scores[c] = Math.round(cat.score * 100);
        failing[c] = cat.auditRefs
          .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
          .map((r) => `${r.id} (${lhr.audits[r.id].score}): ${lhr.audits[r.id].title}`);
      }
      const num = (id) => lhr.audits[id]?.numericValue;
      out.push({
        name: p.name,
        url: p.url,
        scores,
        failing,
        metrics: { lcp_ms: num('largest-contentful-paint'), tbt_ms: num('total-blocking-time'), cls: num('cumulative-layout-shift') },
      });
    } finally {
      await browser.close();
    }
  }
  return out;
}
