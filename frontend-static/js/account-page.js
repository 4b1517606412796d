// The Account view's markup (js/account.js gives it its behaviour), built here rather than in
// index.html, which stays readable in one sitting. Every node with h(): no HTML from strings.

import { h } from './dom.js';

const part = (id, title, ...children) =>
  h('section', { class: 'account__part', 'aria-labelledby': id }, h('h2', { id, class: 'account__heading' }, title), ...children);

const field = (id, label, attrs, ...after) =>
  h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, required: true, ...attrs }), ...after);

const alert = (id, cls = 'form-error') => h('p', { id, class: cls, role: 'alert', hidden: true });

const meter = (id, label) => h('meter', { id, class: 'account__meter', min: 0, max: 1, value: 0, 'aria-label': label });

function limits() {
  return part(
    'account-limits-title',
    'This month’s limits',
    alert('account-limits-error', 'notice notice--error'),
    h('p', { id: 'account-money' }),
    meter('account-money-meter', 'Share of the monthly spending limit used'),
    h('p', { id: 'account-storage' }),
    meter('account-storage-meter', 'Share of the storage limit used'),
  );
}

function password() {
  return part(
    'account-password-title',
    'Change password',
    h(
      'form',
      { id: 'password-form', class: 'form account__form', novalidate: true },
      field('password-current', 'Current password', { type: 'password', autocomplete: 'current-password' }),
      field(
        'password-new',
        'Choose a new password',
        { type: 'password', autocomplete: 'new-password', 'aria-describedby': 'password-rules' },
        h('p', { id: 'password-rules', class: 'field__hint' }, 'At least 12 characters, with upper- and lower-case letters, a number and a symbol.'),
      ),
      field('password-confirm', 'Type the new password again', { type: 'password', autocomplete: 'new-password' }),
      alert('password-error'),
      h('p', { id: 'password-done', class: 'notice', role: 'status', hidden: true }),
      h('div', {}, h('button', { id: 'password-submit', type: 'submit', class: 'btn btn--primary' }, 'Change password')),
    ),
  );
}

function signOut() {
  return part(
    'account-signout-title',
    'Sign out everywhere',
    h(
      'p',
      { class: 'field__hint' },
      'Ends every session of this account: every browser and device, this one included, must sign in again. ' +
        'Sign-ins already made stop working at once here: the studio refuses every token issued before this moment. ' +
        '(Cognito itself keeps such a token valid until it expires, 15 minutes at most, but it opens nothing in the studio.)',
    ),
    alert('signout-error'),
    h('div', {}, h('button', { id: 'signout-everywhere', type: 'button', class: 'btn btn--ghost' }, 'Sign out everywhere…')),
  );
}

function exportLink() {
  return part(
    'account-export-title',
    'Export',
    h('p', { class: 'field__hint' }, 'One zip of every picture and video you keep, with their prompts, settings, costs and collections.'),
    h('p', {}, h('a', { id: 'account-export', href: '?view=export' }, 'Export everything')),
  );
}

function deletion() {
  const section = part(
    'account-delete-title',
    'Delete my data',
    h(
      'p',
      { class: 'field__hint' },
      'Deletes your account and everything in it: pictures, videos, uploads, boards, collections, share links and history. ' +
        'This cannot be undone. Export first if you want to keep anything.',
    ),
    h(
      'form',
      { id: 'delete-form', class: 'form account__form', novalidate: true },
      field('delete-confirm', 'Type your username to confirm', { type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }),
      alert('delete-error'),
      h('div', {}, h('button', { id: 'delete-submit', type: 'submit', class: 'btn btn--danger' }, 'Delete my data')),
    ),
  );
  section.classList.add('account__danger');
  return section;
}

function signOutDialog() {
  return h(
    'dialog',
    { id: 'signout-dialog', class: 'confirm-dialog', 'aria-labelledby': 'signout-dialog-text' },
    h(
      'form',
      { method: 'dialog' },
      h('p', { id: 'signout-dialog-text' }, 'Sign out of every browser and device, this one included?'),
      h(
        'div',
        { class: 'confirm-dialog__actions' },
        h('button', { value: 'cancel', class: 'btn btn--ghost' }, 'Cancel'),
        h('button', { id: 'signout-dialog-ok', value: 'ok', class: 'btn btn--danger' }, 'Sign out everywhere'),
      ),
    ),
  );
}

/** The whole view, hidden: `<section id="account-view">`. */
export function accountSection() {
  return h(
    'section',
    { id: 'account-view', class: 'account', hidden: true, 'aria-labelledby': 'account-title' },
    h('h1', { id: 'account-title', class: 'panel__title', tabindex: '-1' }, 'Account'),
    h('p', { class: 'account__who' }, 'Signed in as ', h('strong', { id: 'account-username' })),
    limits(),
    password(),
    signOut(),
    exportLink(),
    deletion(),
    signOutDialog(),
  );
}
