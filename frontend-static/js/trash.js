// The trash: what the gallery deleted waits here until its date, then it is gone for good
// (with every earlier version of the file). The Trash view lists it, most recently deleted
// first, and restores or purges a selection or everything; the undo toast offers to bring
// back what was just deleted, at once.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { truncate } from './format.js';

const PAGE_SIZE = 30;

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '');

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

/** The Trash view: a page of trashed pictures at a time, a selection to restore or purge. */
export class TrashView {
  /** @param {{modelName: (id) => string, confirm: (text, ok?) => Promise<boolean>, onRestored: () => void}} hooks */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.view = byId('trash-view');
    this.grid = byId('trash-grid');
    this.more = byId('trash-more');
    this.error = byId('trash-error');
    this.empty = byId('trash-empty');
    this.count = byId('trash-selected');
    this.items = new Map();
    this.selected = new Set();
    this.cursor = null;
    this.generation = 0;
    this.more.addEventListener('click', () => this.#load(this.cursor));
    byId('trash-sel-all').addEventListener('click', () => {
      for (const id of this.items.keys()) this.selected.add(id);
      for (const box of this.grid.querySelectorAll('.tile__check')) box.checked = true;
      this.#renderSelection();
    });
    byId('trash-restore').addEventListener('click', () => this.#batch('restore'));
    byId('trash-purge').addEventListener('click', () => this.#batch('purge'));
    byId('trash-empty-all').addEventListener('click', () => this.#emptyAll());
  }

  open() {
    show(this.view, true);
    this.reload();
  }

  close() {
    show(this.view, false);
  }

  reload() {
    this.generation += 1;
    this.items.clear();
    this.selected.clear();
    this.cursor = null;
    replaceChildren(this.grid);
    this.#renderSelection();
    return this.#load(null);
  }

  async #load(cursor) {
    const gen = this.generation;
    this.more.disabled = true;
    show(this.error, false);
    try {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) q.set('cursor', cursor);
      const page = await this.api.request('GET', `/trash?${q}`);
      if (gen !== this.generation) return;
      for (const item of page.assets || []) {
        if (this.items.has(item.id)) continue;
        this.items.set(item.id, item);
        this.grid.append(this.#tile(item));
      }
      this.cursor = page.next_cursor || null;
    } catch (err) {
      if (gen !== this.generation || err.status === 401) return;
      this.error.textContent = `Could not load the trash: ${err.message}`;
      show(this.error, true);
    } finally {
      if (gen === this.generation) {
        this.more.disabled = false;
        show(this.more, Boolean(this.cursor));
        show(this.empty, this.items.size === 0 && this.error.hidden);
        byId('trash-empty-all').disabled = this.items.size === 0;
      }
    }
  }

  #tile(item) {
    const what = item.source === 'upload' ? 'Uploaded photo' : this.hooks.modelName(item.model) || 'Picture';
    const label = item.prompt ? `${what}: “${truncate(item.prompt, 60)}”` : what;
    const box = h('input', { type: 'checkbox', class: 'tile__check', 'aria-label': `Select ${label}` });
    box.addEventListener('change', () => {
      if (box.checked) this.selected.add(item.id);
      else this.selected.delete(item.id);
      this.#renderSelection();
    });
    const media =
      item.kind === 'video'
        ? h('span', { class: 'tile__img trash__video' }, '▶ Video')
        : h('img', { class: 'tile__img', src: item.url, alt: label, loading: 'lazy', width: item.width, height: item.height });
    return h(
      'li',
      { class: 'tile trash__tile', dataset: { assetId: item.id } },
      box,
      media,
      h('p', { class: 'trash__when' }, `Deleted ${day(item.trashed_at)} · gone for good ${day(item.purge_at)}`),
    );
  }

  #renderSelection() {
    const n = this.selected.size;
    this.count.textContent = n === 0 ? 'Nothing selected' : `${plural(n, 'picture')} selected`;
    for (const id of ['trash-restore', 'trash-purge']) byId(id).disabled = n === 0;
  }

  #removeAll(ids) {
    for (const id of ids) {
      this.items.delete(id);
      this.selected.delete(id);
      this.grid.querySelector(`[data-asset-id="${CSS.escape(id)}"]`)?.remove();
    }
    show(this.empty, this.items.size === 0);
    byId('trash-empty-all').disabled = this.items.size === 0;
    this.#renderSelection();
    if (!this.view.contains(document.activeElement)) byId('trash-title').focus();
  }

  async #batch(action) {
    const ids = [...this.selected];
    if (!ids.length) return;
    const text = `Delete ${plural(ids.length, 'picture')} for good? They and every earlier version of their files are removed now; this cannot be undone.`;
    if (action === 'purge' && !(await this.hooks.confirm(text))) return;
    show(this.error, false);
    try {
      const answer = await trashBatch(this.api, action, ids);
      const ok = (answer.results || []).filter((r) => r.status === 'ok').map((r) => r.id);
      this.#removeAll(ids);
      announce(`${action === 'restore' ? 'Restored' : 'Deleted for good'}: ${plural(ok.length, 'picture')}.`);
      if (action === 'restore') this.hooks.onRestored();
    } catch (err) {
      this.error.textContent = `Could not ${action === 'restore' ? 'restore' : 'delete'}: ${err.message}`;
      show(this.error, true);
    }
  }

  async #emptyAll() {
    if (!(await this.hooks.confirm('Empty the trash? Every picture in it, and every earlier version of its file, is removed now; this cannot be undone.'))) return;
    show(this.error, false);
    let purged = 0;
    try {
      for (;;) {
        const r = await this.api.request('POST', '/trash/empty');
        purged += r.purged || 0;
        if (!r.more) break;
      }
      announce(`Trash emptied: ${plural(purged, 'picture')} deleted for good.`);
    } catch (err) {
      this.error.textContent = `Could not empty the trash: ${err.message}`;
      show(this.error, true);
    }
    await this.reload();
    byId('trash-title').focus();
  }
}
