// "Share…": makes a read-only link to one asset, comparison set, story or board (a modal
// <dialog> built here, so the views that offer it need one button each). The link is shown
// once: only its hash is stored (docs/decisions/0005-share-links.md). While it is open the
// address says so (`share=<kind>`; the thing itself is the one the address shows already:
// `asset=`, `compare=`, `story=` or `board=`), so a reload opens it again, before a link is made.

import { h, replaceChildren, announce } from './dom.js';
import { stylesheet } from './views.js';
import { router } from './router.js';

export const EXPIRY_CHOICES = [
  [1, '1 hour'],
  [24, '1 day'],
  [24 * 7, '7 days'],
  [24 * 30, '30 days'],
];

const NOUNS = { asset: 'picture', set: 'comparison', story: 'story', board: 'board' };
/** The address's parameter that names the thing of each kind. */
const NAMED_BY = { asset: 'asset', set: 'compare', story: 'story', board: 'board' };

let dialog = null;

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h('dialog', { id: 'share-dialog', class: 'confirm-dialog share-dialog', 'aria-labelledby': 'share-dialog-title' });
  document.body.append(dialog);
  return dialog;
}

/** Opens the dialog for the caller's `kind` thing `id`; `api` is the app's Api. */
export function openShareDialog(api, kind, id) {
  stylesheet('shares.css'); // with the first dialog: the studio's first load doesn't carry it
  const d = ensureDialog();
  const opener = document.activeElement;
  const noun = NOUNS[kind] || 'item';
  const expiry = h(
    'select',
    { id: 'share-expiry' },
    EXPIRY_CHOICES.map(([hours, label]) => h('option', { value: hours, selected: hours === 24 }, label)),
  );
  const prompt = h('input', { id: 'share-show-prompt', type: 'checkbox' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const result = h('div', { class: 'share-dialog__result', hidden: true });
  const create = h('button', { type: 'submit', class: 'btn btn--primary' }, 'Create link');
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'share-expiry' }, 'The link works for'), expiry),
    h('div', { class: 'field share-dialog__check' }, prompt, h('label', { for: 'share-show-prompt' }, 'Show the prompt')),
    h('p', { class: 'field__hint' }, `Anyone with the link sees this ${noun} and nothing else of yours: not your other work, your name or your costs. You can revoke it in Shares.`),
    error,
    create,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    create.disabled = true;
    error.hidden = true;
    try {
      const made = await api.request('POST', '/shares', {
        body: { kind, id, expires_in_hours: Number(expiry.value), show_prompt: prompt.checked },
      });
      const link = h('input', { id: 'share-link', type: 'text', readonly: true, value: made.url, class: 'share-dialog__link' });
      const copy = h('button', { type: 'button', class: 'btn btn--ghost' }, 'Copy link');
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(made.url);
          announce('Link copied.');
        } catch {
          link.select();
          announce('Select the link and copy it.');
        }
      });
      replaceChildren(
        result,
        h('label', { for: 'share-link' }, 'Your link'),
        link,
        copy,
        h('p', { class: 'field__hint' }, 'Copy it now: for your safety it is shown only this once.'),
      );
      form.hidden = true;
      result.hidden = false;
      link.focus();
      link.select();
      announce('Link created.');
    } catch (err) {
      error.textContent = `Could not make the link: ${err.message}`;
      error.hidden = false;
      create.disabled = false;
    }
  });
  replaceChildren(
    d,
    h(
      'div',
      { class: 'asset-dialog__head' },
      h('h2', { id: 'share-dialog-title' }, `Share this ${noun}`),
      h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => d.close() }, 'Close'),
    ),
    form,
    result,
  );
  d.onclose = () => {
    if (d.open) return; // opened again (for another thing) before this close was told
    router.set({ share: null });
    opener?.focus?.();
  };
  d.showModal();
  d.shown = { kind, id };
  router.set({ share: kind });
  expiry.focus();
}

/**
 * Follows the address once its section (and the lightbox) show what it names: opens the dialog
 * for the thing of kind `share=` the address shows, closes it when the address names none.
 */
export function followShareDialog(api) {
  const kind = router.param('share');
  const id = Object.hasOwn(NAMED_BY, kind) ? router.param(NAMED_BY[kind]) : null;
  if (!id) {
    if (dialog?.open) dialog.close();
    else if (kind) router.set({ share: null }); // nothing shown of that kind
    return;
  }
  if (dialog?.open && dialog.shown?.kind === kind && dialog.shown.id === id) return;
  if (dialog?.open) dialog.close();
  openShareDialog(api, kind, id);
}
