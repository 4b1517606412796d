// The sign-in view: username/password, then (for a user an admin created) the
// NEW_PASSWORD_REQUIRED step, all in the page.

import { byId, show } from './dom.js';
import { describeAuthError } from './auth.js';

const NOTICES = {
  expired: 'Your session has ended. Please sign in again.',
  elsewhere: 'You signed out in another tab.',
  user: 'You are signed out.',
  everywhere: 'You signed out everywhere: every browser and device must sign in again.',
  revoked: 'This session was signed out everywhere. Please sign in again.',
  deleted: 'Your account and its data are being deleted.',
};

export class LoginView {
  /** @param {import('./auth.js').Auth} auth */
  constructor(auth) {
    this.auth = auth;
    this.view = byId('login-view');
    this.title = byId('auth-title');
    this.subtitle = byId('auth-subtitle');
    this.notice = byId('auth-notice');
    this.loginForm = byId('login-form');
    this.newForm = byId('newpass-form');
    this.challenge = null;

    this.loginForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#signIn();
    });
    this.newForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#setNewPassword();
    });
    byId('newpass-cancel').addEventListener('click', () => this.#showStep('login'));
    for (const input of this.view.querySelectorAll('input')) {
      input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
    }
  }

  /** Show the sign-in form; `reason` explains why (session expired, ...). */
  open(reason = null) {
    show(this.view, true);
    this.notice.textContent = (reason && NOTICES[reason]) || '';
    show(this.notice, Boolean(this.notice.textContent));
    byId('login-password').value = '';
    this.#showStep('login');
  }

  close() {
    show(this.view, false);
    this.challenge = null;
    byId('newpass-password').value = '';
    byId('newpass-confirm').value = '';
  }

  #showStep(step) {
    const isLogin = step === 'login';
    show(this.loginForm, isLogin);
    show(this.newForm, !isLogin);
    this.#error('login-error', '');
    this.#error('newpass-error', '');
    this.title.textContent = isLogin ? 'Sign in' : 'Choose a new password';
    this.subtitle.textContent = isLogin ? 'Welcome to the studio.' : `Account: ${this.challenge?.username || ''}`;
    if (isLogin) this.challenge = null;
    byId('newpass-username').value = this.challenge?.username || '';
    const first = isLogin
      ? byId('login-username').value
        ? byId('login-password')
        : byId('login-username')
      : byId('newpass-password');
    first.focus();
  }

  async #signIn() {
    const userInput = byId('login-username');
    const passInput = byId('login-password');
    const username = userInput.value.trim();
    const password = passInput.value;
    if (!username || !password) {
      const missing = !username ? userInput : passInput;
      missing.setAttribute('aria-invalid', 'true');
      this.#error('login-error', !username ? 'Enter your username.' : 'Enter your password.');
      missing.focus();
      return;
    }
    await this.#busy('login-submit', 'Signing in…', async () => {
      try {
        const result = await this.auth.signIn(username, password);
        if (result.status === 'new-password') {
          this.challenge = result.challenge;
          this.#showStep('new-password');
        }
        // 'signed-in' → the app hears the auth 'signedin' event and opens the studio.
      } catch (err) {
        this.#error('login-error', describeAuthError(err));
        passInput.select();
        passInput.focus();
      }
    });
  }

  async #setNewPassword() {
    const pass = byId('newpass-password');
    const confirm = byId('newpass-confirm');
    if (pass.value.length < 8) {
      pass.setAttribute('aria-invalid', 'true');
      this.#error('newpass-error', 'The new password needs at least 8 characters.');
      pass.focus();
      return;
    }
    if (pass.value !== confirm.value) {
      confirm.setAttribute('aria-invalid', 'true');
      this.#error('newpass-error', 'The two passwords are not the same.');
      confirm.focus();
      return;
    }
    await this.#busy('newpass-submit', 'Saving…', async () => {
      try {
        const result = await this.auth.completeNewPassword(this.challenge, pass.value);
        if (result.status === 'new-password') {
          this.challenge = result.challenge;
          this.#error('newpass-error', 'Please choose a different password.');
        }
      } catch (err) {
        if (err.type === 'NotAuthorizedException' && /session/i.test(err.message)) {
          // The challenge session lasts a few minutes: start over.
          this.#showStep('login');
          this.#error('login-error', 'That took too long. Sign in again with your temporary password.');
          return;
        }
        pass.setAttribute('aria-invalid', 'true');
        this.#error('newpass-error', describeAuthError(err));
        pass.focus();
      }
    });
  }

  async #busy(buttonId, label, fn) {
    const button = byId(buttonId);
    const original = button.textContent;
    button.disabled = true;
    button.textContent = label;
    try {
      await fn();
    } finally {
      button.disabled = false;
      button.textContent = original;
    }
  }

  #error(id, message) {
    const el = byId(id);
    el.textContent = message;
    show(el, Boolean(message));
  }
}
