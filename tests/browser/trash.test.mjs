// The trash against the real local stack in headless Chromium: delete → Undo (from the
// keyboard) → reload: still there; delete → Trash view → delete for good → reload: gone, and
// the API agrees; axe-core on the Trash view in both themes; never a CSP violation.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, eventually, createUser, signIn, apiAs, axeBothThemes } from './helpers.mjs';

describe('the trash on the local stack', { skip: SKIP, timeout: 300_000 }, () => {
  let browser;
  let page;
  let problems;
  let api;
  const ids = [];

  before(async () => {
    const user = await createUser('trash');
    api = await apiAs(user);
    // Two pictures, made through the API (the studio's own flow is the gallery test's).
    const jobs = [];
    for (const prompt of [`A lighthouse at dusk ${Date.now()}`, `A paper boat ${Date.now()}`]) {
      const r = await api('POST', '/images/generate', { model: 'imagen-4', prompt });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      jobs.push(r.body.job.id);
    }
    for (const id of jobs) {
      await eventually(async () => assert.equal((await api('GET', `/jobs/${id}`)).body.job.status, 'succeeded'), { timeout: 60_000 });
      ids.push((await api('GET', `/jobs/${id}`)).body.job.asset_ids[0]);
    }
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
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
  const trashed = (id) => page.locator(`#trash-grid > li[data-asset-id="${id}"]`);
  const toast = () => page.getByRole('status').filter({ hasText: 'trash' });

  async function deleteFromGallery(id) {
    await nav('Gallery').click();
    await tile(id).waitFor();
    await tile(id).locator('.tile__check').focus();
    await page.keyboard.press('Space');
    await page.locator('#gallery-bar').getByRole('button', { name: 'Delete', exact: true }).click();
    await eventually(async () => assert.equal(await tile(id).count(), 0));
    assert.match(await toast().innerText(), /Picture moved to the trash\./);
  }

  test('delete, then Undo from the keyboard: the picture is back, also after a reload', async () => {
    await deleteFromGallery(ids[0]);
    assert.equal((await api('GET', `/assets/${ids[0]}`)).status, 404);
    // The toast's Undo is a button in the tab order.
    await page.getByRole('button', { name: 'Undo' }).focus();
    await page.keyboard.press('Enter');
    await tile(ids[0]).waitFor();
    assert.equal(await toast().count(), 0, 'the toast goes once it did its work');
    assert.equal((await api('GET', `/assets/${ids[0]}`)).status, 200);
    await page.reload();
    await nav('Gallery').click();
    await tile(ids[0]).waitFor();
  });

  test('delete, then delete for good from the Trash view: gone after a reload', async () => {
    await deleteFromGallery(ids[1]);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await nav('Trash').click();
    await trashed(ids[1]).waitFor();
    assert.match(await trashed(ids[1]).innerText(), /Deleted .* · gone for good /);
    assert.equal(await trashed(ids[0]).count(), 0, 'the restored picture is not in the trash');

    const axe = await axeBothThemes(page, 'trash');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 1));

    await trashed(ids[1]).locator('.tile__check').focus();
    await page.keyboard.press('Space');
    await page.locator('#trash-selected', { hasText: '1 picture selected' }).waitFor();
    await page.getByRole('button', { name: 'Delete for good…' }).click();
    const confirm = page.locator('#confirm-dialog');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /Delete 1 picture for good\?/);
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => assert.equal(await trashed(ids[1]).count(), 0));
    await page.locator('#trash-empty:not([hidden])').waitFor();

    await page.reload();
    await nav('Trash').click();
    await page.locator('#trash-empty:not([hidden])').waitFor();
    assert.equal(await trashed(ids[1]).count(), 0);
    assert.deepEqual((await api('GET', '/trash')).body.assets, []);
    assert.equal((await api('GET', `/assets/${ids[1]}`)).status, 404);
    assert.equal((await api('POST', `/trash/${ids[1]}/restore`)).status, 404, 'gone for good');
    await nav('Gallery').click();
    await tile(ids[0]).waitFor();
    assert.equal(await tile(ids[1]).count(), 0);
    assert.deepEqual(problems, []);
  });
});
