// The gallery's file-manager selection and "Compare two" against the real local stack in
// headless Chromium: Shift-click selects a range (on tiles and on checkboxes, either way),
// Ctrl-click toggles one without opening it, the bar counts the selection and keeps every batch
// action; with exactly two pictures selected, Compare two opens an A/B slider dialog that the
// keyboard drives (←/→ move the divider), Esc gives the focus back, and whose pair is in the
// address (`&pair=`, so a link or a reload opens it again); axe-core clean on the dialog in both
// themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test gallery-select.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('file-manager selection and Compare two in the gallery', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  const stamp = Date.now();

  before(async () => {
    const user = await createUser('select');
    const api = await apiAs(user);
    // One story of 8 frames: 8 pictures from one job start.
    const r = await api('POST', '/stories', { prompt: `a paper boat sails down a gutter ${stamp}`, frames: 8 });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await eventually(async () => assert.equal((await api('GET', `/stories/${r.body.story.id}`)).body.story.status, 'succeeded'), { timeout: 120_000, interval: 1000 });

    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    problems = watchPage(page);
    await signIn(page, user);
    await page.locator('#app-nav').getByRole('button', { name: 'Gallery', exact: true }).click();
    await eventually(async () => assert.equal(await tiles().count(), 8));
  });

  after(async () => {
    await browser?.close();
  });

  const tiles = () => page.locator('#gallery-grid > li');
  const open = (i) => tiles().nth(i).locator('.tile__open');
  const box = (i) => tiles().nth(i).locator('.tile__check');
  const checked = () => page.locator('#gallery-grid .tile__check').evaluateAll((els) => els.map((e) => (e.checked ? 1 : 0)).join(''));
  const count = () => page.locator('#gallery-selected').innerText();
  const bar = () => page.locator('#gallery-bar');
  const lightboxOpen = () => page.locator('#asset-dialog').isVisible();
  const compareButton = () => bar().getByRole('button', { name: 'Compare two' });
  const selectNone = async () => {
    const all = bar().getByRole('button', { name: /^Select (all shown|none)$/ });
    while ((await count()) !== 'Nothing selected') await all.click();
  };

  test('Shift-click selects a range, from the last picture clicked, on tiles and on checkboxes', async () => {
    await box(1).click();
    await open(4).click({ modifiers: ['Shift'] });
    assert.equal(await checked(), '01111000');
    assert.equal(await count(), '4 selected');
    assert.equal(await lightboxOpen(), false, 'a Shift-click selects, it does not open the picture');

    // Backwards, on checkboxes: clicking box 6 then Shift-clicking box 2 selects 2..6.
    await selectNone();
    await box(6).click();
    await box(2).click({ modifiers: ['Shift'] });
    assert.equal(await checked(), '00111110');
    assert.equal(await count(), '5 selected');
    // Shift-clicking a checked box clears the range from the last click.
    await box(4).click({ modifiers: ['Shift'] });
    assert.equal(await checked(), '00000110');
    assert.equal(await count(), '2 selected');
  });

  test('Ctrl-click toggles one picture without opening it; the bar keeps every batch action', async () => {
    await selectNone();
    await open(0).click({ modifiers: ['Control'] });
    await open(5).click({ modifiers: ['Control'] });
    await open(7).click({ modifiers: ['Control'] });
    assert.equal(await checked(), '10000101');
    await open(5).click({ modifiers: ['Control'] });
    assert.equal(await checked(), '10000001');
    assert.equal(await count(), '2 selected');
    assert.equal(await lightboxOpen(), false);
    for (const name of ['Save', 'Unsave', 'Download', 'Add to collection…', 'Delete', 'Compare two']) {
      assert.equal(await bar().getByRole('button', { name, exact: true }).isEnabled(), true, `${name} is offered`);
    }
    await open(3).click({ modifiers: ['Control'] });
    assert.equal(await count(), '3 selected');
    assert.equal(await compareButton().isEnabled(), false, 'Compare two wants exactly two');
    // A plain click still opens the picture.
    await open(3).click();
    await page.locator('#asset-dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await lightboxOpen(), false));
  });

  test('Compare two opens an A/B slider that ←/→ move; Esc gives the focus back; axe is clean in both themes', async () => {
    await selectNone();
    await open(1).click({ modifiers: ['Control'] });
    await open(6).click({ modifiers: ['Control'] });
    const ids = await tiles().evaluateAll((els) => els.map((e) => e.dataset.assetId));
    await compareButton().click();
    const dialog = page.getByRole('dialog', { name: 'Compare two pictures' });
    await dialog.waitFor();
    // The files themselves, not the grid's thumbnails.
    const file = (id) => new RegExp(`/assets/${id}\\.png\\?`);
    assert.match(await dialog.locator('.compare__before img').getAttribute('src'), file(ids[1]), 'A is the first in the grid');
    assert.match(await dialog.locator('img.compare__after').getAttribute('src'), file(ids[6]));

    const slider = dialog.getByRole('slider', { name: 'Divider between A and B' });
    assert.equal(await slider.evaluate((el) => el === document.activeElement), true, 'the slider has the focus');
    const handleX = async () => (await dialog.locator('.compare__handle').boundingBox()).x;
    const start = await handleX();
    assert.match(await slider.ariaSnapshot(), /slider "Divider between A and B": "?50"?/);
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    assert.match(await slider.ariaSnapshot(), /slider "Divider between A and B": "?60"?/);
    assert.equal(await slider.getAttribute('aria-valuetext'), '60% A, 40% B');
    const moved = await handleX();
    assert.ok(moved > start + 20, `the divider moved right (${start} → ${moved})`);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await slider.inputValue(), '59');
    await page.keyboard.press('Home');
    assert.equal(await slider.inputValue(), '0');
    assert.ok((await handleX()) < start - 20, 'Home moved the divider to the left edge');

    const axe = await axeBothThemes(page, 'compare-two');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    const named = () => new URL(page.url()).searchParams.get('pair');
    assert.equal(named(), `${ids[1]},${ids[6]}`, 'the address names the pair');
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(await dialog.isVisible(), false));
    assert.equal(await compareButton().evaluate((el) => el === document.activeElement), true, 'the focus is back on Compare two');
    await eventually(async () => assert.equal(named(), null));

    // A link to the pair (or a reload while it is open) opens it again; an unknown one doesn't.
    await page.goto(new URL(`/?view=gallery&pair=${ids[1]},${ids[6]}`, BASE_URL).href);
    await dialog.waitFor();
    assert.match(await dialog.locator('.compare__before img').getAttribute('src'), file(ids[1]));
    assert.match(await dialog.locator('img.compare__after').getAttribute('src'), file(ids[6]));
    await page.keyboard.press('Escape');
    await eventually(async () => assert.equal(named(), null));
    await page.goto(new URL(`/?view=gallery&pair=${ids[1]},01JZZZZZZZZZZZZZZZZZZZZZZZ`, BASE_URL).href);
    await eventually(async () => assert.equal(named(), null));
    assert.equal(await dialog.isVisible(), false);
  });

  test('no CSP violation or script error happened', () => {
    assert.deepEqual(problems, []);
  });
});
