// The light/dark switch sits with the account controls, against the real local stack in
// headless Chromium: on the sign-in page it is in the top bar by itself; signed in on a wide
// screen it is on the row of Account, Export and Log out, right after Log out; on a phone it is
// hidden with them behind Menu and opens with them, and switching the theme there leaves the
// menu open; axe-core clean with the menu open in both themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test theme-toggle.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, BASE_URL, launchBrowser, watchPage, createUser, signIn, axeBothThemes, horizontalOverflow } from './helpers.mjs';

describe('the theme switch sits with the account controls', { skip: SKIP, timeout: 180_000 }, () => {
  let browser;
  let user;
  const problems = [];

  before(async () => {
    user = await createUser('theme');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function open(viewport, extra = {}) {
    const context = await browser.newContext({ viewport, colorScheme: 'dark', ...extra });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems.push(...watchPage(page));
    return page;
  }
  const toggle = (page) => page.locator('#theme-toggle');
  const box = (locator) => locator.boundingBox();
  const middle = (b) => b.y + b.height / 2;
  const theme = (page) => page.evaluate(() => document.documentElement.dataset.theme || 'dark');

  test('on the sign-in page it is in the top bar, by itself, and works', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
      const page = await open(viewport);
      await page.goto(BASE_URL);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await toggle(page).isVisible(), true, `visible at ${viewport.width} px`);
      assert.equal(await page.locator('#logout').isVisible(), false);
      assert.equal(await toggle(page).evaluate((el) => Boolean(el.closest('header .topbar__user'))), true);
      await toggle(page).click();
      assert.equal(await theme(page), 'light');
      assert.equal(await toggle(page).getAttribute('aria-pressed'), 'true');
      await page.context().close();
    }
  });

  test('signed in on a wide screen: right after Log out, on its row', async () => {
    const page = await open({ width: 1280, height: 800 });
    await signIn(page, user);
    const logout = await box(page.getByRole('button', { name: 'Log out' }));
    const account = await box(page.getByRole('button', { name: 'Account', exact: true }));
    const t = await box(toggle(page));
    assert.ok(Math.abs(middle(t) - middle(logout)) < 4, `one row: ${JSON.stringify({ t, logout })}`);
    assert.ok(Math.abs(middle(account) - middle(logout)) < 4);
    const gap = t.x - (logout.x + logout.width);
    assert.ok(gap >= 0 && gap < 32, `right after Log out (${gap} px)`);
    // Nothing of the sections sits between them: the next focusable after Log out is the switch.
    await page.getByRole('button', { name: 'Log out' }).focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'theme-toggle');
    assert.equal(await horizontalOverflow(page), 0);
    await page.context().close();
  });

  test('on a phone: behind Menu with the account controls; switching keeps the menu open', async () => {
    const page = await open({ width: 360, height: 740 }, { isMobile: true, hasTouch: true });
    await signIn(page, user);
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await toggle(page).isVisible(), false, 'hidden while the menu is closed');
    await menu.click();
    await toggle(page).waitFor();
    const logout = await box(page.getByRole('button', { name: 'Log out' }));
    const nav = await box(page.getByRole('navigation', { name: 'Sections' }));
    const t = await box(toggle(page));
    assert.ok(t.y >= nav.y + nav.height - 1, 'below the sections, with the account controls');
    assert.ok(Math.abs(middle(t) - middle(logout)) < 4 || t.y >= logout.y + logout.height - 1, 'on the row of Log out or just after it');
    assert.equal(await horizontalOverflow(page), 0);
    const before = await theme(page);
    await toggle(page).click();
    assert.notEqual(await theme(page), before);
    assert.equal(await menu.getAttribute('aria-expanded'), 'true', 'the menu stays open');
    const axe = await axeBothThemes(page, 'theme-menu');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await page.context().close();
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
