// The Trash view (?view=trash): what the gallery deleted, most recently deleted first, restored
// or purged a selection or everything at a time. Loaded when first opened; the undo toast and
// the batch call are in trash.js.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { truncate } from './format.js';
import { trashBatch } from './trash.js';

const PAGE_SIZE = 30;

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const day = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }) : '');

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
