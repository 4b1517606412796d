// Shared helpers of the browser tests: launching Debian's Chromium, waiting, screenshots.

import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const STATIC_DIR = path.join(REPO_ROOT, 'frontend-static');
export const SHOT_DIR = process.env.SCREENSHOT_DIR || path.join(REPO_ROOT, 'target', 'browser');

/** The running local stack (scripts/test.sh or `make dev` + BASE_URL). */
export const BASE_URL = process.env.BASE_URL;
export const SKIP = BASE_URL ? false : 'BASE_URL is not set: start the local stack (make dev) and set BASE_URL';

const VN_LOCAL = process.env.VN_LOCAL || path.join(process.env.CARGO_TARGET_DIR || path.join(REPO_ROOT, 'target'), 'debug', 'vn-local');

/** A fresh user in the running stack's Cognito (`vn-local user`); permanent unless asked. */
export async function createUser(prefix, { password = 'Browser-Test-Pass-1', permanent = true } = {}) {
  const name = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
  const args = ['user', '--name', name, '--password', password];
  if (permanent) args.push('--permanent');
  await promisify(execFile)(VN_LOCAL, args, { cwd: REPO_ROOT });
  return { name, password };
}

/** Open the page and sign in with a permanent password; resolves in the studio. */
export async function signIn(page, user) {
  await page.goto(BASE_URL);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username', { exact: true }).fill(user.name);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#studio-view:not([hidden])').waitFor();
  await page.locator('#model-list .model').first().waitFor();
}

const require = createRequire(import.meta.url);
let axeSource = null;

/**
 * axe-core's WCAG 2 A and AA rules on the page as it is now. The source goes in through the
 * DevTools protocol (page.evaluate of an expression), not a <script> tag, so the page's CSP stays
 * as strict as in production and its violations are still reported.
 */
export async function axeViolations(page, { include = null } = {}) {
  if (!axeSource) axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${axeSource}\n;void 0`);
  const results = await page.evaluate(
    (sel) =>
      window.axe.run(sel ? document.querySelector(sel) : document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        resultTypes: ['violations'],
      }),
    include,
  );
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
  }));
}

/** Switch the theme with the page's own button and wait for the colours to settle. */
export async function setTheme(page, theme) {
  const now = await page.evaluate(() => (document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'));
  // The page's own toggle; while a modal dialog is open the page behind it is inert, so the
  // click is dispatched to the button rather than made with the pointer.
  if (now !== theme) await page.locator('#theme-toggle').dispatchEvent('click');
  await page.waitForTimeout(250); // colour transitions
}

/** Axe in both themes; returns {dark: [...], light: [...]} and leaves the theme dark. */
export async function axeBothThemes(page, name) {
  const out = {};
  for (const theme of ['dark', 'light']) {
    await setTheme(page, theme);
    out[theme] = await axeViolations(page);
    await screenshot(page, `axe-${name}-${theme}.png`);
  }
  await setTheme(page, 'dark');
  return out;
}

/** Debian's Chromium (npx playwright install cannot download a browser here). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
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

/** Collect what must never happen: CSP violations, uncaught errors. */
export function watchPage(page) {
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text)) problems.push(`CSP: ${text}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

export async function screenshot(page, name, opts = {}) {
  await mkdir(SHOT_DIR, { recursive: true });
  const file = path.join(SHOT_DIR, name);
  await page.screenshot({ path: file, ...opts });
  return file;
}

/** Retry `fn` (which throws while the condition is unmet) until it passes or time runs out. */
export async function eventually(fn, { timeout = 10_000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Wait until the first <img> in `locator` has really loaded; returns its natural width. */
export async function waitForLoadedImage(locator, timeout) {
  const img = locator.locator('img').first();
  await img.waitFor({ state: 'visible', timeout });
  const handle = await img.elementHandle();
  await locator.page().waitForFunction((el) => el.complete && el.naturalWidth > 0, handle, { timeout });
  return img.evaluate((el) => el.naturalWidth);
}

/** The page may not scroll sideways. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The API as `user`, from Node (to read what the page can't show, e.g. a lineage). */
export async function apiAs(user) {
  const config = await (await fetch(new URL('/config.json', BASE_URL))).json();
  const res = await fetch(config.cognito.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: config.cognito.client_id,
      AuthParameters: { USERNAME: user.name, PASSWORD: user.password },
    }),
  });
  const token = (await res.json()).AuthenticationResult?.IdToken;
  if (!token) throw new Error(`could not sign in ${user.name} (HTTP ${res.status})`);
  return async (method, route, body) => {
    const r = await fetch(new URL(`/api${route}`, BASE_URL), {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

/** A small PNG (RGB gradient) made here, so the tests carry no binary fixture. */
export function makePng(width, height) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((255 * x) / width);
      raw[row + 2 + x * 3] = Math.round((255 * y) / height);
      raw[row + 3 + x * 3] = 160;
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
