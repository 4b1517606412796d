// The Account view against the real local stack, in headless Chromium: the limits shown, a
// password changed by keyboard (then the new one signs in and the old one fails), sign out
// everywhere in one browser while another is signed in (that one's next API call is refused by
// the account gate and it lands on the login page), axe-core clean in both themes.
//
// scripts/test.sh starts the stack and sets BASE_URL; by hand:
//   make dev PORT=3300 &  cd tests/browser && BASE_URL=http://127.0.0.1:3300 node --test account.test.mjs

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP, launchBrowser, watchPage, createUser, signIn, axeBothThemes, apiAs, eventually } from './helpers.mjs';

describe('the account page on the local stack', { skip: SKIP, timeout: 240_000 }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function signedInPage(user) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watchPage(page);
    await signIn(page, user);
    return { page, context, problems };
  }

  async function openAccount(page) {
    await page.locator('#account-link').click();
    await page.locator('#account-view:not([hidden])').waitFor();
    await eventually(async () => assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-title'));
    await eventually(async () => assert.match(await page.locator('#account-money').textContent(), /spent of your/));
    await eventually(async () => assert.equal(new URL(page.url()).searchParams.get('view'), 'account'));
  }

  test('the view shows the user, the month’s limits and the export link, and passes axe in both themes', async () => {
    const user = await createUser('acct-view');
    const { page, context, problems } = await signedInPage(user);
    await openAccount(page);
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    assert.equal(await page.locator('#account-username').textContent(), user.name);
    await eventually(async () => assert.match(await page.locator('#account-money').textContent(), /spent of your \$[\d.]+ monthly limit/));
    assert.match(await page.locator('#account-storage').textContent(), /storage in use/);
    assert.equal(await page.getByRole('link', { name: 'Export everything' }).getAttribute('href'), '?view=export');

    // A reload keeps the view (the address names it), and so does a sign-in from the address.
    await page.reload();
    await page.locator('#account-view:not([hidden])').waitFor();
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const visitor = await fresh.newPage();
    await visitor.goto(`${page.url()}`);
    await visitor.getByRole('heading', { name: 'Sign in' }).waitFor();
    await visitor.getByLabel('Username', { exact: true }).fill(user.name);
    await visitor.getByLabel('Password', { exact: true }).fill(user.password);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.locator('#account-view:not([hidden])').waitFor();
    await fresh.close();

    const axe = await axeBothThemes(page, 'account');
    assert.deepEqual(axe, { dark: [], light: [] }, JSON.stringify(axe, null, 2));
    // The sign-out confirmation, open, in both themes too.
    await page.locator('#signout-everywhere').click();
    await page.locator('#signout-dialog[open]').waitFor();
    const dialogAxe = await axeBothThemes(page, 'account-signout-dialog');
    assert.deepEqual(dialogAxe, { dark: [], light: [] }, JSON.stringify(dialogAxe, null, 2));
    await page.keyboard.press('Escape');
    await page.locator('#signout-dialog:not([open])').waitFor({ state: 'attached' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'signout-everywhere', 'focus returns to the button');
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('change the password by keyboard: the new one signs in, the old one no longer does', async () => {
    const user = await createUser('acct-pass');
    const { page, context, problems } = await signedInPage(user);
    await openAccount(page);
    const fresh = 'Changed-Password-42';
    const form = page.locator('#password-form');
    const field = (label) => form.getByLabel(label, { exact: true });

    // Mistakes are said before anything is sent, and Cognito's refusals readably.
    await field('Current password').fill(user.password);
    await field('Choose a new password').fill(fresh);
    await field('Type the new password again').fill(`${fresh}x`);
    await field('Type the new password again').press('Enter');
    await page.locator('#password-error:not([hidden])').waitFor();
    assert.match(await page.locator('#password-error').textContent(), /not the same/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password-confirm');

    await field('Current password').fill('Not-The-Password-1');
    await field('Type the new password again').fill(fresh);
    await field('Type the new password again').press('Enter');
    await eventually(async () => assert.match(await page.locator('#password-error').textContent(), /current password is not right/));

    await field('Current password').fill(user.password);
    await field('Choose a new password').fill('alllowercase-and-long');
    await field('Type the new password again').fill('alllowercase-and-long');
    await field('Type the new password again').press('Enter');
    await eventually(async () => assert.match(await page.locator('#password-error').textContent(), /password is not accepted/i));

    await field('Current password').fill(user.password);
    await field('Choose a new password').fill(fresh);
    await field('Type the new password again').fill(fresh);
    await field('Type the new password again').press('Enter');
    await page.locator('#password-done:not([hidden])').waitFor();
    assert.match(await page.locator('#password-done').textContent(), /password was changed/);
    assert.deepEqual(problems, []);
    await context.close();

    await assert.rejects(apiAs(user), /could not sign in/, 'the old password fails');
    const api = await apiAs({ ...user, password: fresh });
    assert.equal((await api('GET', '/me')).status, 200);
    const again = await signedInPage({ ...user, password: fresh });
    await again.context.close();
  });

  test('sign out everywhere: this browser goes to the login page, another one is refused on its next call', async () => {
    const user = await createUser('acct-out');
    const other = await signedInPage(user);
    const api = await apiAs(user);
    assert.equal((await api('GET', '/me')).status, 200);
    // The ID tokens above were issued in an earlier second than the sign-out below (the gate
    // refuses tokens issued up to and including the sign-out's second).
    await new Promise((r) => setTimeout(r, 1100));

    const { page, context, problems } = await signedInPage(user);
    await openAccount(page);
    await page.locator('#signout-everywhere').focus();
    await page.keyboard.press('Enter');
    await page.locator('#signout-dialog[open]').waitFor();
    await page.keyboard.press('Enter'); // the dialog's focused "Sign out everywhere"
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await page.locator('#auth-notice').textContent(), /signed out everywhere/);
    assert.equal(await page.evaluate(() => localStorage.getItem('vn.refresh.v2')), null);

    // A token issued before it is refused by the API, read or write.
    const read = await api('GET', '/me');
    assert.equal(read.status, 401);
    assert.equal(read.body.error.code, 'token_revoked');
    const write = await api('POST', '/boards', { name: 'after the sign-out' });
    assert.equal(write.body.error.code, 'token_revoked');

    // The other browser's next call: refused, its refresh token revoked too, so it lands on
    // the login page with the reason.
    const answers = [];
    other.page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) answers.push(r.status());
    });
    await other.page.locator('#app-nav [data-view="gallery"]').click();
    await other.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.ok(answers.includes(401), `the API refused the old token: ${answers}`);
    assert.match(await other.page.locator('#auth-notice').textContent(), /signed out everywhere/);

    // Signing in again works (a new token, issued after the sign-out).
    await new Promise((r) => setTimeout(r, 1100));
    const back = await apiAs(user);
    assert.equal((await back('GET', '/me')).status, 200);
    assert.deepEqual(problems, []);
    assert.deepEqual(other.problems, []);
    await context.close();
    await other.context.close();
  });
});
