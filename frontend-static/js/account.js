// The Account view (?account): who is signed in, this month's limits (money and storage, from
// GET /api/me and GET /api/usage), change password (Cognito ChangePassword), sign out everywhere
// (Cognito GlobalSignOut, then the API refuses every older token), a link to the export, and
// "Delete my data" (POST /api/account/deletion, then signed out).

import { byId, show, announce } from './dom.js';
import { describeAuthError } from './auth.js';
import { formatUsd } from './format.js';
import { storageView } from './usage-data.js';
import { passwordProblem, deletionProblem } from './account-rules.js';
import { accountSection } from './account-page.js';

export class AccountView {
  /**
   * @param {import('./api.js').Api} api
   * @param {import('./auth.js').Auth} auth
   */
  constructor(api, auth) {
    this.api = api;
    this.auth = auth;
    this.view = accountSection();
    byId('main').append(this.view);
    this.passwordForm = byId('password-form');
    this.deleteForm = byId('delete-form');
    this.dialog = byId('signout-dialog');
    this.passwordForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#changePassword();
    });
    this.deleteForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#deleteData();
    });
    byId('signout-everywhere').addEventListener('click', () => this.#askSignOut());
    for (const input of this.view.querySelectorAll('input')) {
      input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
    }
  }

  open() {
    show(this.view, true);
    byId('account-username').textContent = this.auth.username;
    // Not awaited: the view (and the focus go() gives its title) comes at once, the figures
    // when they arrive.
    this.#limits();
  }

  close() {
    show(this.view, false);
    this.passwordForm.reset();
    this.deleteForm.reset();
    for (const id of ['password-error', 'password-done', 'signout-error', 'delete-error']) show(byId(id), false);
  }

  async #limits() {
    const error = byId('account-limits-error');
    show(error, false);
    try {
      const [me, usage] = await Promise.all([this.api.me(), this.api.request('GET', '/usage')]);
      const q = me.quota;
      byId('account-username').textContent = me.user?.username || this.auth.username;
      byId('account-money').textContent = `${formatUsd(q.spent_usd)} spent of your ${formatUsd(q.monthly_limit_usd)} monthly limit (${formatUsd(q.remaining_usd)} left this month).`;
      byId('account-money-meter').value = q.monthly_limit_usd > 0 ? Math.min(1, q.spent_usd / q.monthly_limit_usd) : 1;
      if (usage.storage) {
        const v = storageView(usage.storage);
        byId('account-storage').textContent = v.summary;
        byId('account-storage-meter').value = v.share;
      }
    } catch (err) {
      error.textContent = `Could not load your limits: ${err.message}`;
      show(error, true);
    }
  }

  async #changePassword() {
    const [current, next, again] = ['password-current', 'password-new', 'password-confirm'].map((id) => byId(id));
    const error = byId('password-error');
    const done = byId('password-done');
    show(error, false);
    show(done, false);
    const problem = passwordProblem(current.value, next.value, again.value);
    if (problem) return this.#fail(error, problem.message, byId(problem.field));
    const submit = byId('password-submit');
    submit.disabled = true;
    try {
      await this.auth.changePassword(current.value, next.value);
      this.passwordForm.reset();
      done.textContent = 'Your password was changed. Use the new one the next time you sign in.';
      show(done, true);
      announce(done.textContent);
    } catch (err) {
      const wrongCurrent = err?.type === 'NotAuthorizedException';
      this.#fail(error, wrongCurrent ? 'The current password is not right.' : describeAuthError(err), wrongCurrent ? current : next);
    } finally {
      submit.disabled = false;
    }
  }

  #fail(error, message, input) {
    error.textContent = message;
    show(error, true);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  #askSignOut() {
    const dialog = this.dialog;
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'ok') this.#signOutEverywhere();
        else byId('signout-everywhere').focus();
      },
      { once: true },
    );
    dialog.showModal();
    byId('signout-dialog-ok').focus();
  }

  async #signOutEverywhere() {
    const error = byId('signout-error');
    show(error, false);
    const button = byId('signout-everywhere');
    button.disabled = true;
    try {
      // Cognito first: every refresh token ends, so no browser gets a new ID token. Then the
      // API: every ID token issued until now is refused from this moment on.
      await this.auth.globalSignOut();
      await this.api.request('POST', '/account/sign-out-everywhere');
      this.auth.end('everywhere');
    } catch (err) {
      this.#fail(error, `Could not sign out everywhere: ${err.message || describeAuthError(err)} Please try again.`, null);
      button.focus();
    } finally {
      button.disabled = false;
    }
  }

  async #deleteData() {
    const input = byId('delete-confirm');
    const error = byId('delete-error');
    show(error, false);
    const problem = deletionProblem(input.value, this.auth.username);
    if (problem) return this.#fail(error, problem, input);
    const submit = byId('delete-submit');
    submit.disabled = true;
    try {
      await this.api.request('POST', '/account/deletion', { body: { confirm_username: input.value.trim() } });
      this.auth.end('deleted');
    } catch (err) {
      this.#fail(error, `Could not delete your data: ${err.message}`, input);
    } finally {
      submit.disabled = false;
    }
  }
}
