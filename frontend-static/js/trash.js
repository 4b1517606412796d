// The trash: what the gallery deleted waits here until its date, then it is gone for good
// (with every earlier version of the file). The Trash view lists it, most recently deleted
// first, and restores or purges a selection or everything (trash-view.js, loaded when first
// opened); the undo toast (here) offers to bring back what was just deleted, at once.

import { byId, show, announce } from './dom.js';

/** POST /trash/batch {action: restore|purge, asset_ids} → {action, results: [{id, status}]}. */
export function trashBatch(api, action, ids) {
  return api.request('POST', '/trash/batch', { body: { action, asset_ids: ids } });
}

/**
 * The toast shown after a delete: a polite live region that says what went to the trash, with
 * an Undo button (a real button in the tab order; it takes the focus only when the deleted
 * tile held it). It stays until dismissed or replaced by the next delete: no time limit.
 */
export class UndoToast {
  /** @param {{onRestored: (ids: string[]) => void}} hooks */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.el = byId('undo-toast');
    this.text = byId('undo-text');
    this.undo = byId('undo-button');
    this.ids = [];
    this.undo.addEventListener('click', () => this.#undo());
    byId('undo-dismiss').addEventListener('click', () => this.hide());
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.hide();
    });
  }

  /** Offers to restore `ids` (just moved to the trash). */
  show(ids) {
    if (!ids.length) return;
    this.ids = [...ids];
    this.text.textContent = `${ids.length === 1 ? 'Picture' : plural(ids.length, 'picture')} moved to the trash.`;
    this.undo.disabled = false;
    show(this.el, true);
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost) this.undo.focus();
  }

  hide() {
    show(this.el, false);
    this.ids = [];
  }

  async #undo() {
    const ids = this.ids;
    this.undo.disabled = true;
    try {
      const answer = await trashBatch(this.api, 'restore', ids);
      const back = (answer.results || []).filter((r) => r.status === 'ok').map((r) => r.id);
      this.hide();
      announce(back.length === ids.length ? 'Restored.' : `Restored ${back.length} of ${ids.length}; the rest is no longer in the trash.`);
      this.hooks.onRestored(back);
    } catch (err) {
      this.undo.disabled = false;
      this.text.textContent = `Could not undo: ${err.message}`;
    }
  }
}
