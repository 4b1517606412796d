// "Delete my data" against the real local stack, in headless Chromium: a wrong confirmation
// deletes nothing; the right one signs the user out at once with the reason on the login page;
// signing in again fails (the account gate refuses every token of a deleted account, and the
// erasure then removes the Cognito user: local/tests/erase.rs holds that part and the scan of
// every table and object version). A second user is untouched.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test account-delete.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, createUser, signIn, apiAs, eventually } from './helpers.mjs';

describe('delete my data on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test('delete the account: signed out at once with the reason, and signing in again fails', async () => {
    const user = await createUser('acct-del');
    const other = await createUser('acct-keep');
    const asOther = await apiAs(other);
    const otherBefore = await asOther('GET', '/me');
    assert.equal(otherBefore.status, 200);
    const asUser = await apiAs(user);
    assert.equal((await asUser('GET', '/me')).status, 200);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watchPage(page);
    await signIn(page, user);
    await page.locator('#account-link').click();
    await page.locator('#account-view:not([hidden])').waitFor();

    // A wrong confirmation says so, and the account still works.
    const confirm = page.getByLabel('Type your username to confirm');
    await confirm.fill(`${user.name}-not`);
    await page.getByRole('button', { name: 'Delete my data' }).click();
    await page.locator('#delete-error:not([hidden])').waitFor();
    assert.ok((await page.locator('#delete-error').textContent()).trim().length > 0, 'the mistake is explained');
    assert.equal((await asUser('GET', '/me')).status, 200, 'a wrong confirmation deletes nothing');

    // The right one: signed out at once, and the login page says why.
    await confirm.fill(user.name);
    await page.getByRole('button', { name: 'Delete my data' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('#auth-notice', { hasText: 'Your account and its data are being deleted.' }).waitFor();

    // The token issued before the delete is refused everywhere, reads and creates alike.
    const read = await asUser('GET', '/me');
    assert.equal(read.status, 401);
    assert.equal(read.body?.error?.code, 'account_deleted');
    const create = await asUser('POST', '/collections', { name: 'after the delete' });
    assert.equal(create.status, 401, 'nothing can be created with a token of a deleted account');

    // Signing in again fails: the page comes back to the sign-in with the reason, never to the studio.
    await page.getByLabel('Username', { exact: true }).fill(user.name);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#auth-notice', { hasText: 'Your account and its data are being deleted.' }).waitFor();
    await eventually(async () => assert.equal(await page.locator('#studio-view').isVisible(), false));

    // The other user is untouched.
    assert.deepEqual((await asOther('GET', '/me')).body, otherBefore.body);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
