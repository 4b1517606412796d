// Shared helpers of the browser tests: launching Debian's Chromium, waiting, screenshots.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
export const STATIC_DIR = path.join(REPO_ROOT, 'frontend-static');
export const SHOT_DIR = path.join(REPO_ROOT, 'target', 'browser');

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
