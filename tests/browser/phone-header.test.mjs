// The top bar on a phone against the real local stack in headless Chromium: one row (the name,
// the spend meter, Menu) instead of a quarter of the screen; Menu opens the sections and the
// account controls, by mouse or keyboard; choosing a section or Esc closes it; nothing scrolls
// sideways; axe-core clean with the menu open in both themes; a wide screen has no Menu.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test phone-header.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, axeBothThemes, horizontalOverflow } from './helpers.mjs';

describe('the top bar on a phone', { skip: SKIP, timeout: 180_000 }, () => {
  let browser;
  let page;
  let problems;
  let user;

  before(async () => {
    user = await createUser('phone');
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
  });

  after(async () => {
    await browser?.close();
  });

  const menu = () => page.getByRole('button', { name: 'Menu' });
  const nav = () => page.getByRole('navigation', { name: 'Sections' });
  const middle = async (locator) => {
    const b = await locator.boundingBox();
    return b.y + b.height / 2;
  };

  test('one row: the name, the spend meter and Menu; the sections are behind Menu', async () => {
    await page.locator('#budget-meter:not([hidden])').waitFor();
    const row = await middle(menu());
    for (const [what, el] of [['name', page.locator('.topbar__name')], ['spend meter', page.locator('#budget-meter')]]) {
      assert.equal(await el.isVisible(), true, `${what} is visible`);
      assert.ok(Math.abs((await middle(el)) - row) < 8, `${what} is on Menu's row`);
    }
    const header = await page.locator('header').boundingBox();
    assert.ok(header.height < 80, `the top bar is one row (${header.height} px high)`);
    assert.equal(await nav().isVisible(), false);
    assert.equal(await menu().getAttribute('aria-expanded'), 'false');
    assert.equal(await horizontalOverflow(page), 0);
  });

  test('Menu opens the sections and the account controls; a section closes it', async () => {
    await menu().click();
    assert.equal(await menu().getAttribute('aria-expanded'), 'true');
    await nav().getByRole('button', { name: 'Gallery', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log out' }).isVisible(), true);
    assert.equal(await page.locator('#budget-meter').isVisible(), true, 'the meter stays in sight');
    assert.equal(await horizontalOverflow(page), 0);
    await nav().getByRole('button', { name: 'Gallery', exact: true }).click();
    await page.locator('#gallery-view:not([hidden])').waitFor();
    assert.equal(await menu().getAttribute('aria-expanded'), 'false');
    assert.equal(await nav().isVisible(), false);
  });

  test('by keyboard: Enter opens, Tab reaches the sections, Esc closes and gives the focus back', async () => {
    await menu().focus();
    await page.keyboard.press('Enter');
    await nav().waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.view), 'studio');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await nav().isVisible(), false));
    assert.equal(await menu().evaluate((el) => el === document.activeElement), true);
  });

  test('axe is clean with the menu open, in both themes', async () => {
    await menu().click();
    await nav().waitFor();
    const axe = await axeBothThemes(page, 'phone-menu');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));
    await page.keyboard.press('Escape');
  });

  test('a wide screen shows the sections and no Menu', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await nav().waitFor();
    assert.equal(await menu().isVisible(), false);
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
