// The gallery: every picture of the account, newest first, with filters (kind, model, saved),
// "Load more", a selection (checkboxes) that can be saved, unsaved, downloaded or deleted, the
// lightbox (lightbox.js) walking the grid, and single-key triage on a focused tile.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { truncate } from './format.js';
import { lightbox } from './lightbox.js';
import { afterFirstPictures } from './views.js';
import { LightboxSource } from './lightbox-source.js';
import { GallerySearch } from './search.js';
import { router } from './router.js';

const PAGE_SIZE = 30;
/** The first tiles (on a phone, the first row): fetched at once, first, not lazily (one of them is
 * the page's largest paint, and a lazy image is requested only after layout). */
const EAGER_TILES = 2;

export class Gallery {
  /**
   * @param {import('./api.js').Api} api
   * @param {{modelName, models: () => object[], modelsReady: () => Promise<void>, parts: Promise<void>, trashed, collection}} hooks
   *   modelsReady: the catalog came (or failed; never rejects): the captions need its names;
   *   parts: the selection bar is wired (main.js; never rejects); tiles are drawn after both
   */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.view = byId('gallery-view');
    this.grid = byId('gallery-grid');
    this.more = byId('gallery-more');
    this.error = byId('gallery-error');
    this.empty = byId('gallery-empty');
    this.count = byId('gallery-selected');
    this.kind = byId('filter-kind');
    this.model = byId('filter-model');
    this.saved = byId('filter-saved');
    this.assets = new Map(); // id → Asset, in grid order
    this.selected = new Set();
    this.cursor = null;
    this.generation = 0;
    this.turn = 0; // of open() and close()
    this.confirmDialog = byId('confirm-dialog');
    this.parts = Promise.resolve(hooks.parts);
    this.source = new LightboxSource({
      items: () => [...this.assets.values()],
      more: async () => {
        const cursor = this.cursor;
        if (cursor) await this.#load(cursor);
        return Boolean(cursor) && this.cursor !== cursor;
      },
      hasMore: () => Boolean(this.cursor),
      tile: (id) => this.grid.querySelector(`[data-asset-id="${CSS.escape(id)}"] .tile__open`),
      changed: (asset) => {
        this.#replace(asset);
        // A picture that no longer matches the "saved" filter leaves the grid.
        if (this.saved.value && String(asset.saved) !== this.saved.value) this.#removeAll([asset.id]);
      },
      removed: (id) => this.#removeAll([id]),
      restored: () => this.reload(),
    });
    this.view.addEventListener('keydown', (e) => lightbox.tileKey(e, this.source));

    this.search = new GallerySearch(() => this.reload());
    for (const sel of [this.kind, this.model, this.saved]) sel.addEventListener('change', () => this.reload());
    byId('gallery-filters').addEventListener('submit', (e) => e.preventDefault());
    this.more.addEventListener('click', () => this.#load(this.cursor));
    byId('sel-all').addEventListener('click', () => this.#selectAll());
    byId('sel-save').addEventListener('click', () => this.#batch('save'));
    byId('sel-unsave').addEventListener('click', () => this.#batch('unsave'));
    byId('sel-delete').addEventListener('click', () => this.#batch('delete'));
    byId('sel-download').addEventListener('click', () => this.#downloadSelection());
  }

  open() {
    show(this.view, true);
    // The address's model is an option before the catalog has come (named once it has).
    this.#renderModelFilter(router.param('model'));
    this.search.restore(this.#filters());
    this.ready = this.reload(); // the first page (main.js reopens the address's picture from it)
    // So that a key on a tile acts at once; after the first pictures, which it would only slow.
    this.ready.finally(() => afterFirstPictures(() => lightbox.preload()));
    const turn = ++this.turn;
    this.hooks.modelsReady().then(() => turn === this.turn && this.#renderModelFilter());
  }

  close() {
    this.turn += 1;
    show(this.view, false);
    this.search.forget();
  }

  #filters() {
    return { kind: this.kind, model: this.model, saved: this.saved };
  }

  reset() {
    this.generation += 1;
    this.assets.clear();
    this.selected.clear();
    this.grid.replaceChildren();
    this.cursor = null;
    show(this.more, false);
    show(this.empty, false);
    show(this.error, false);
    this.#renderSelection();
  }

  reload() {
    this.reset();
    this.search.remember(this.#filters());
    this.grid.setAttribute('aria-label', this.search.describe());
    return this.#load(null);
  }

  /** The model filter's options, from the catalog; `want` (the address's) or the choice kept
   * stays chosen, an option of its own when the catalog doesn't list it (or hasn't come). */
  #renderModelFilter(want = null) {
    const keep = want || this.model.value;
    const models = this.hooks.models();
    replaceChildren(
      this.model,
      h('option', { value: '' }, 'All models'),
      models.map((m) => h('option', { value: m.id }, m.name)),
      keep && !models.some((m) => m.id === keep) ? h('option', { value: keep }, keep) : null,
    );
    this.model.value = [...this.model.options].some((o) => o.value === keep) ? keep : '';
  }

  async #load(cursor) {
    const gen = this.generation;
    this.more.disabled = true;
    show(this.error, false);
    try {
      // Asked for at once; drawn once the captions have their model names and the selection
      // bar listens (a Shift-click on a tile selects a range then).
      const [page] = await Promise.all([this.api.assets({
        kind: this.kind.value || null,
        model: this.model.value || null,
        saved: this.saved.value || null,
        collection: this.hooks.collection?.() || null,
        ...this.search.params(),
        limit: PAGE_SIZE,
        cursor,
      }), this.hooks.modelsReady(), this.parts]);
      if (gen !== this.generation) return;
      for (const asset of page.assets || []) {
        if (this.assets.has(asset.id)) continue;
        this.assets.set(asset.id, asset);
        this.grid.append(this.#tile(asset, this.assets.size <= EAGER_TILES));
      }
      this.cursor = page.next_cursor || null;
    } catch (err) {
      if (gen !== this.generation || err.status === 401) return;
      this.error.textContent = `Could not load your pictures: ${err.message}`;
      show(this.error, true);
    } finally {
      if (gen === this.generation) {
        this.more.disabled = false;
        show(this.more, Boolean(this.cursor));
        // A search page can come back empty with more to look at ("Load more"): not "no match".
        show(this.empty, this.assets.size === 0 && !this.cursor && this.error.hidden);
      }
    }
  }

  #label(asset) {
    const what = asset.source === 'upload' ? 'Uploaded photo' : this.hooks.modelName(asset.model) || 'Picture';
    return asset.prompt ? `${what}: “${truncate(asset.prompt, 60)}”` : what;
  }

  #tile(asset, eager = false) {
    const label = this.#label(asset);
    const box = h('input', { type: 'checkbox', class: 'tile__check', 'aria-label': `Select ${label}` });
    box.checked = this.selected.has(asset.id);
    box.addEventListener('change', () => {
      if (box.checked) this.selected.add(asset.id);
      else this.selected.delete(asset.id);
      this.#renderSelection();
    });
    // The thumbnail (made by the worker after the asset is recorded) until then the file itself;
    // width/height are the asset's own, so the tile's box is the same either way (no shift).
    const media = asset.kind === 'video' ? videoTile(asset) : h('img', { class: 'tile__img', src: asset.thumb_url || asset.url, alt: '', loading: eager ? 'eager' : 'lazy', fetchpriority: eager ? 'high' : null, decoding: 'async', width: asset.width, height: asset.height });
    return h(
      'li',
      { class: 'tile', dataset: { assetId: asset.id, saved: String(Boolean(asset.saved)) } },
      box,
      h('button', { type: 'button', class: 'tile__open', onclick: () => lightbox.open(this.source, asset) }, media, h('span', { class: 'visually-hidden' }, `Open ${label}`)),
      asset.kind === 'video' ? h('span', { class: 'tile__badge', 'aria-hidden': 'true' }, asset.duration_s ? `▶ ${Math.round(asset.duration_s)} s` : '▶ Video') : null,
      asset.saved ? h('span', { class: 'tile__saved' }, '★ Saved') : null,
    );
  }

  #replace(asset) {
    if (!this.assets.has(asset.id)) return;
    this.assets.set(asset.id, asset);
    const old = this.grid.querySelector(`[data-asset-id="${CSS.escape(asset.id)}"]`);
    old?.replaceWith(this.#tile(asset));
  }

  #removeAll(ids) {
    for (const id of ids) {
      this.assets.delete(id);
      this.selected.delete(id);
      this.grid.querySelector(`[data-asset-id="${CSS.escape(id)}"]`)?.remove();
    }
    show(this.empty, this.assets.size === 0);
    this.#renderSelection();
  }

  #selectAll() {
    const all = this.selected.size < this.assets.size;
    this.selected = all ? new Set(this.assets.keys()) : new Set();
    for (const box of this.grid.querySelectorAll('.tile__check')) box.checked = all;
    this.#renderSelection();
  }

  #renderSelection() {
    const n = this.selected.size;
    this.count.textContent = n ? `${n} selected` : 'Nothing selected';
    byId('sel-all').textContent = n && n === this.assets.size ? 'Select none' : 'Select all shown';
    for (const id of ['sel-save', 'sel-unsave', 'sel-delete', 'sel-download']) byId(id).disabled = n === 0;
    this.view.dispatchEvent(new CustomEvent('gallery-selection', { detail: { count: n } }));
  }

  /** Ask before something that cannot be undone; resolves true on "Delete". */
  confirm(text) {
    byId('confirm-text').textContent = text;
    const dialog = this.confirmDialog;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
      byId('confirm-ok').focus();
    });
  }

  async #batch(action) {
    const ids = [...this.selected];
    if (!ids.length) return;
    show(this.error, false);
    try {
      const answer = await this.api.batchAssets(action, ids);
      const ok = (answer.results || []).filter((r) => r.status === 'ok').map((r) => r.id);
      const missing = ids.length - ok.length;
      if (action === 'delete') {
        this.#removeAll(ids);
        this.hooks.trashed?.(ok);
        byId('gallery-title').focus(); // the Delete button just became disabled
      }
      else {
        for (const id of ok) {
          const a = this.assets.get(id);
          if (a) this.#replace({ ...a, saved: action === 'save' });
        }
        // A picture that no longer matches the "saved" filter leaves the grid.
        const want = this.saved.value;
        if (want) this.#removeAll(ok.filter(() => String(action === 'save') !== want));
      }
      // A delete is announced by the undo toast (trash.js).
      if (action !== 'delete') announce(`${action === 'save' ? 'Saved' : 'Unsaved'} ${ok.length} picture${ok.length === 1 ? '' : 's'}${missing ? `; ${missing} no longer existed` : ''}.`);
    } catch (err) {
      this.error.textContent = `Could not ${action} the selection: ${err.message}`;
      show(this.error, true);
    }
  }

  /** One download per selected picture (the server names each file). */
  async #downloadSelection() {
    for (const id of this.selected) {
      const a = this.assets.get(id);
      if (!a?.download_url) continue;
      const link = h('a', { href: a.download_url, download: '', class: 'visually-hidden' }, 'download');
      document.body.append(link);
      link.click();
      link.remove();
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * A video in the grid: its first frame as the poster (`#t=0.1` with preload=metadata), muted
 * playback while the pointer or focus is on the tile. The controls are in the large view: a
 * tile is one button, and a button may not hold other controls.
 */
function videoTile(asset) {
  const video = h('video', {
    class: 'tile__player',
    src: `${asset.url}#t=0.1`,
    muted: true,
    loop: true,
    playsinline: true,
    preload: 'metadata',
    'aria-hidden': 'true',
    tabindex: '-1',
    width: asset.width,
    height: asset.height,
  });
  video.muted = true; // the attribute alone does not mute in every browser
  const play = () => video.play().catch(() => {});
  const stop = () => video.pause();
  queueMicrotask(() => {
    const tile = video.closest('.tile__open');
    if (!tile) return;
    tile.addEventListener('pointerenter', play);
    tile.addEventListener('pointerleave', stop);
    tile.addEventListener('focus', play);
    tile.addEventListener('blur', stop);
  });
  return video;
}
