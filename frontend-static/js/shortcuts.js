// The single-key shortcuts of the lightbox and the gallery: which key asks for what, when a key
// may fire at all (never while typing in a field, never with a modifier), the sheet that lists
// them (`?`, named in the address by `keys=1` while it is open), and copying a prompt to the
// clipboard.

import { h, announce } from './dom.js';
import { router } from './router.js';

/** Every single-key shortcut, in the order the sheet lists them. `where`: lightbox or both. */
export const SHORTCUTS = [
  { keys: ['←', '→'], what: 'Previous or next picture (loads more at the end of a page)', where: 'lightbox' },
  { keys: ['s'], what: 'Save or unsave', action: 'save', where: 'both' },
  { keys: ['Delete'], what: 'Move to the trash (Undo brings it back); ⌫ on a Mac keyboard', action: 'delete', where: 'both' },
  { keys: ['c'], what: 'Copy the prompt', action: 'copy', where: 'both' },
  { keys: ['e'], what: 'Edit this picture in the studio', action: 'edit', where: 'both' },
  { keys: ['r'], what: 'Rerun: the same model, prompt and options again, with a new seed', action: 'rerun', where: 'both' },
  { keys: ['?'], what: 'This list of shortcuts', action: 'help', where: 'both' },
  { keys: ['Esc'], what: 'Close the large view or this list', where: 'lightbox' },
];

const ACTIONS = { s: 'save', Delete: 'delete', Backspace: 'delete', c: 'copy', e: 'edit', r: 'rerun', '?': 'help' };

/** A field that takes typed text: single keys belong to it. */
export function isTyping(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable || el.closest('textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'color'].includes(el.type);
}

/** The shortcut a key press asks for, or null (typing, a modifier, or no shortcut). */
export function shortcutFor(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || e.repeat || isTyping(e.target)) return null;
  return ACTIONS[e.key] || null;
}

/** The sheet of every shortcut: a dialog of its own, above the lightbox when that is open. */
export function openShortcuts() {
  let sheet = document.getElementById('shortcuts-dialog');
  if (!sheet) {
    sheet = h(
      'dialog',
      { id: 'shortcuts-dialog', class: 'confirm-dialog shortcuts', 'aria-labelledby': 'shortcuts-title' },
      h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
      h('p', { class: 'field__hint' }, 'In the large view of a picture, and on a gallery picture that has the focus. Never while you type in a field.'),
      h('dl', { class: 'shortcuts__list' }, SHORTCUTS.map((s) => h('div', {}, h('dt', {}, s.keys.map((k) => h('kbd', {}, k))), h('dd', {}, s.what, s.where === 'lightbox' ? ' (large view)' : '')))),
      h('form', { method: 'dialog', class: 'confirm-dialog__actions' }, h('button', { class: 'btn btn--ghost' }, 'Close')),
    );
    document.body.append(sheet);
    sheet.addEventListener('close', () => {
      router.set({ keys: null });
      sheet.opener?.focus?.();
    });
  }
  if (sheet.open) return;
  sheet.opener = document.activeElement;
  sheet.showModal();
  router.set({ keys: '1' });
  sheet.querySelector('button').focus();
}

/** Opens the sheet when the address names it (a reload, a link, Back), closes it otherwise. */
export function followShortcuts() {
  if (router.param('keys')) return openShortcuts();
  const sheet = document.getElementById('shortcuts-dialog');
  if (sheet?.open) sheet.close();
}

/** Copies `text` exactly; false when the browser refused. `host` holds the fallback's field. */
export async function copyText(text, host) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (an insecure origin): a selected text area and the copy command.
    const back = document.activeElement;
    const area = h('textarea', { class: 'visually-hidden', readonly: true, tabindex: '-1', 'aria-hidden': 'true' });
    area.value = text;
    host.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    back?.focus?.();
    return ok;
  }
}

/** "Copy prompt" everywhere (the lightbox, `c`, the job cards): the exact text, then says so. */
export async function copyPrompt(text, host = document.body) {
  const ok = await copyText(text, host);
  announce(ok ? 'Prompt copied.' : 'Could not copy the prompt.');
}
