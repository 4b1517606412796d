// Boards (the canvas): several boards per user, each a plane of tiles (results and uploads)
// that can be dragged, resized, duplicated, deleted, varied and edited in place. The board is
// saved to the API 500 ms after the last change with the version it was read at; a 409 means
// another tab or device saved first: the board is reloaded and the user told. The address
// names the open board (?board=<id>), and "Add from gallery" while it is open (&pick=1), so a
// reload shows them again.

import { byId, h, show, replaceChildren, announce, newUuid } from './dom.js';
import { modelsFor, defaultModel } from './catalog.js';
import { prepareImage, UploadRefused } from './upload.js';
import { BoardCanvas } from './board-canvas.js';
import { duplicate, remove, placeBeside, savedTiles, newTileId, topZ, LIMITS } from './board-tiles.js';
import { openShareDialog } from './share-dialog.js';
import { nextSteps } from './empty-views.js';
import { router } from './router.js';

const SAVE_DELAY_MS = 500;
const POLL_MS = 1000;
const TILE = 240;

/** The prompt of "Vary": an edit of the picture itself, so the variation keeps *that* image. */
export function varyPrompt(asset) {
  const base = 'Make a variation of this image: keep its subject, composition and style, change the details.';
  return asset?.prompt ? `${base} It was made from: ${asset.prompt}`.slice(0, 2000) : base;
}

export class BoardsView {
  /**
   * @param {import('./api.js').Api} api
   * @param {{onSpend: () => void}} hooks onSpend: a vary or edit was started or settled (the
   *   top bar's spend refreshes)
   */
  constructor(api, { onSpend }) {
    this.api = api;
    this.onSpend = onSpend;
    this.view = byId('boards-view');
    this.list = byId('board-list');
    this.bar = byId('board-bar');
    this.nameInput = byId('board-name');
    this.saveStatus = byId('board-save-status');
    this.error = byId('board-error');
    this.editBox = byId('board-edit');
    this.editPrompt = byId('board-edit-prompt');
    this.fileInput = byId('board-file');
    this.picker = byId('board-pick');
    this.pickList = byId('board-pick-list');
    this.board = null;
    this.assets = new Map();
    this.saveTimer = null;
    this.saving = null;
    this.changed = false;
    this.editing = null;
    this.editModel = null;
    this.canvas = new BoardCanvas(byId('board-canvas'), {
      assetOf: (id) => this.assets.get(id) || null,
      onChange: () => this.#changed(),
      onAction: (action, tile) => this.#action(action, tile),
    });
    byId('board-new-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#create(byId('board-new-name'));
    });
    byId('board-rename-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#rename();
    });
    byId('board-delete').addEventListener('click', () => this.#deleteBoard());
    byId('board-share').addEventListener('click', () => this.board && openShareDialog(this.api, 'board', this.board.id));
    byId('board-add-gallery').addEventListener('click', () => this.#openPicker());
    byId('board-add-upload').addEventListener('click', () => this.fileInput.click());
    byId('board-pick-close').addEventListener('click', () => this.picker.close());
    this.picker.addEventListener('close', () => router.set({ pick: null }));
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (file) this.#upload(file);
    });
    byId('board-edit-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submitEdit();
    });
    byId('board-edit-cancel').addEventListener('click', () => this.#closeEdit());
    this.list.addEventListener('click', (e) => {
      const b = e.target.closest('[data-board]');
      if (b) this.load(b.dataset.board);
    });
  }

  /** The board the address names, if any. */
  static addressed() {
    return router.param('board');
  }

  async open() {
    show(this.view, true);
    await this.#loadList();
    const id = BoardsView.addressed();
    if (id && id !== this.board?.id) await this.load(id);
    // "Add from gallery" open on the board the address names (`pick=1`): a reload keeps it.
    if (router.param('pick')) {
      if (this.board && !this.view.hidden) this.#openPicker();
      else router.set({ pick: null });
    }
  }

  close() {
    if (this.picker.open) this.picker.close();
    show(this.view, false);
    this.#flush();
    this.#address(null);
  }

  reset() {
    this.board = null;
    this.assets.clear();
    show(this.bar, false);
    this.canvas.render([]);
  }

  #address(id) {
    router.set({ board: id });
  }

  #error(message) {
    this.error.textContent = message || '';
    show(this.error, Boolean(message));
  }

  async #loadList() {
    try {
      const { boards } = await this.api.boards({ limit: 100 });
      this.boards = boards;
      replaceChildren(
        this.list,
        boards.length
          ? boards.map((b) =>
              h(
                'li',
                {},
                h(
                  'button',
                  { type: 'button', class: 'boards__item', dataset: { board: b.id }, 'aria-current': b.id === this.board?.id ? 'true' : null },
                  h('span', { class: 'boards__item-name' }, b.name),
                  h('span', { class: 'boards__item-count' }, `${b.tile_count} tile${b.tile_count === 1 ? '' : 's'}`),
                ),
              ),
            )
          : h('li', { class: 'boards__empty' }, 'No boards yet.', nextSteps('boards')),
      );
    } catch (err) {
      this.#error(`Your boards could not be loaded: ${err.message}`);
    }
  }

  async #create(input) {
    const name = input.value.trim();
    if (!name) {
      this.#error('Give the new board a name.');
      input.focus();
      return;
    }
    try {
      const { board } = await this.api.createBoard(name);
      input.value = '';
      await this.load(board.id);
      announce(`Board ${board.name} created.`);
    } catch (err) {
      this.#error(err.message);
    }
  }

  /** Loads a board (and its assets) and shows it. */
  async load(id) {
    await this.#flush();
    this.#error('');
    let data;
    try {
      data = await this.api.board(id);
    } catch (err) {
      this.#error(err.status === 404 ? 'That board does not exist (any more).' : `The board could not be loaded: ${err.message}`);
      this.#address(null);
      return;
    }
    this.#show(data);
    this.#address(id);
    await this.#loadList();
  }

  #show({ board, assets }) {
    this.board = board;
    for (const a of assets || []) this.assets.set(a.id, a);
    this.tiles = board.tiles.map((t) => ({ ...t }));
    this.nameInput.value = board.name;
    show(this.bar, true);
    this.saveStatus.textContent = `Saved (${this.tiles.length} tiles)`;
    this.canvas.render(this.tiles);
  }

  #changed() {
    this.changed = true;
    this.saveStatus.textContent = 'Unsaved changes…';
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.#save(), SAVE_DELAY_MS);
  }

  /** Saves now if anything is waiting (leaving the view, switching boards). */
  async #flush() {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
      if (this.changed) await this.#save();
    }
    if (this.saving) await this.saving;
  }

  async #save(extra = {}) {
    if (!this.board) return;
    if (this.saving) {
      // One save at a time: the next goes with the version this one returns.
      await this.saving;
      if (!this.changed && !extra.name) return;
    }
    this.changed = false;
    this.saveTimer = null;
    const body = { version: this.board.version, tiles: savedTiles(this.tiles), ...extra };
    this.saveStatus.textContent = 'Saving…';
    this.saving = (async () => {
      try {
        const { board } = await this.api.saveBoard(this.board.id, body);
        this.board.version = board.version;
        this.board.name = board.name;
        this.saveStatus.textContent = `Saved (${board.tiles.length} tiles)`;
        this.view.dataset.savedVersion = String(board.version);
        const count = this.list.querySelector(`[data-board="${CSS.escape(board.id)}"] .boards__item-count`);
        if (count) count.textContent = `${board.tiles.length} tile${board.tiles.length === 1 ? '' : 's'}`;
        return true;
      } catch (err) {
        if (err.status === 409) {
          const id = this.board.id;
          this.saving = null;
          await this.load(id);
          this.#error('This board was changed in another tab or on another device, so your last change was not saved. The board has been reloaded: make the change again.');
          return false;
        }
        this.saveStatus.textContent = 'Not saved';
        this.#error(`The board could not be saved: ${err.message}`);
        return false;
      } finally {
        this.saving = null;
      }
    })();
    return this.saving;
  }

  async #rename() {
    const name = this.nameInput.value.trim();
    if (!this.board || !name || name === this.board.name) return;
    clearTimeout(this.saveTimer);
    if (await this.#save({ name })) {
      announce(`Board renamed to ${name}.`);
      await this.#loadList();
    }
  }

  async #deleteBoard() {
    if (!this.board) return;
    if (!window.confirm(`Delete the board “${this.board.name}”? Its pictures stay in your gallery.`)) return;
    clearTimeout(this.saveTimer);
    this.changed = false;
    try {
      await this.api.deleteBoard(this.board.id);
      announce(`Board ${this.board.name} deleted.`);
      this.reset();
      this.#address(null);
      await this.#loadList();
    } catch (err) {
      this.#error(err.message);
    }
  }

  /** A new tile for an asset, right of the last one. */
  #addAsset(asset) {
    if (!this.board) return;
    if (this.tiles.length >= LIMITS.tiles) {
      this.#error(`A board holds at most ${LIMITS.tiles} tiles.`);
      return;
    }
    this.assets.set(asset.id, asset);
    const ratio = asset.width && asset.height ? asset.height / asset.width : 1;
    const right = this.tiles.reduce((x, t) => Math.max(x, t.x + t.w), 0);
    const tile = { id: newTileId(), asset_id: asset.id, x: this.tiles.length ? right + 24 : 0, y: 0, w: TILE, h: Math.max(LIMITS.minSize, Math.round(TILE * ratio)), z: topZ(this.tiles) };
    this.tiles.push(tile);
    this.canvas.render(this.tiles);
    this.canvas.focus(tile);
    this.#changed();
  }

  async #openPicker() {
    replaceChildren(this.pickList, h('li', {}, 'Loading…'));
    if (!this.picker.open) this.picker.showModal();
    router.set({ pick: '1' });
    try {
      const { assets } = await this.api.assets({ limit: 30 });
      replaceChildren(
        this.pickList,
        assets.length
          ? assets.map((a) =>
              h(
                'li',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'boards__pick',
                    onclick: () => {
                      this.picker.close();
                      this.#addAsset(a);
                    },
                  },
                  a.kind === 'video'
                    ? h('span', { class: 'boards__pick-video' }, 'Video')
                    : h('img', { src: a.thumb_url || a.url, alt: '', loading: 'lazy', width: 96, height: 96 }),
                  h('span', { class: 'visually-hidden' }, `Add ${a.prompt || 'this picture'}`),
                ),
              ),
            )
          : h('li', {}, 'Your gallery is empty.'),
      );
    } catch (err) {
      replaceChildren(this.pickList, h('li', { role: 'alert' }, err.message));
    }
  }

  async #upload(file) {
    this.#error('');
    this.saveStatus.textContent = `Uploading ${file.name}…`;
    try {
      const ready = await prepareImage(file);
      const { asset_id: id, upload } = await this.api.createUpload({ content_type: ready.contentType, bytes: ready.blob.size, filename: ready.filename });
      await this.api.sendUpload(upload, ready.blob, ready.filename, () => {});
      const { asset } = await this.api.completeUpload(id);
      this.#addAsset(asset);
    } catch (err) {
      this.saveStatus.textContent = '';
      this.#error(err instanceof UploadRefused ? err.message : `The upload failed: ${err.message}`);
    }
  }

  #action(action, tile) {
    if (action === 'duplicate') {
      const copy = duplicate(this.tiles, tile);
      if (!copy) return this.#error(`A board holds at most ${LIMITS.tiles} tiles.`);
      this.canvas.render(this.tiles);
      this.canvas.focus(copy);
    } else if (action === 'delete') {
      remove(this.tiles, tile);
      this.canvas.render(this.tiles);
      announce('Tile deleted.');
    } else if (action === 'vary') {
      this.#startEdit(tile, varyPrompt(this.assets.get(tile.asset_id)), 'Varying');
      return;
    } else if (action === 'edit') {
      this.editing = tile;
      show(this.editBox, true);
      this.editPrompt.value = '';
      this.editPrompt.focus();
      return;
    }
    this.#changed();
  }

  #closeEdit() {
    show(this.editBox, false);
    const t = this.editing;
    this.editing = null;
    if (t) this.canvas.focus(t);
  }

  #submitEdit() {
    const prompt = this.editPrompt.value.trim();
    if (!prompt) {
      this.editPrompt.focus();
      return;
    }
    const tile = this.editing;
    this.#closeEdit();
    if (tile) this.#startEdit(tile, prompt, 'Editing');
  }

  async #editModel() {
    if (!this.editModel) {
      const { models } = await this.api.models();
      const list = modelsFor(models || [], 'edit');
      this.editModel = defaultModel(list, 'edit');
    }
    if (!this.editModel) throw new Error('No model can edit pictures right now.');
    return this.editModel;
  }

  /** An edit of the tile's picture whose result lands beside it, linked, pending until done. */
  async #startEdit(source, prompt, verb) {
    this.#error('');
    const pending = placeBeside(this.tiles, source, { pending: `${verb}… queued` });
    if (!pending) return this.#error(`A board holds at most ${LIMITS.tiles} tiles.`);
    this.canvas.render(this.tiles);
    let job;
    try {
      const model = await this.#editModel();
      ({ job } = await this.api.editImage({ model: model.id, prompt, sourceAssetIds: [source.asset_id], options: {} }, newUuid()));
    } catch (err) {
      remove(this.tiles, pending);
      this.canvas.render(this.tiles);
      return this.#error(`${verb} failed: ${err.message}`);
    }
    announce(`${verb} the picture; the result will appear beside it.`);
    this.onSpend();
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      let data;
      try {
        data = await this.api.job(job.id);
      } catch {
        continue;
      }
      const { status } = data.job;
      if (['failed', 'canceled', 'succeeded'].includes(status)) this.onSpend();
      if (!this.tiles.includes(pending)) return; // deleted or the board was left meanwhile
      if (status === 'succeeded' && data.assets?.length) {
        const asset = data.assets[0];
        this.assets.set(asset.id, asset);
        pending.asset_id = asset.id;
        delete pending.pending;
        this.canvas.render(this.tiles);
        announce('The new picture is on the board, beside its source.');
        this.#changed();
        return;
      }
      if (['failed', 'canceled', 'succeeded'].includes(status)) {
        remove(this.tiles, pending);
        this.canvas.render(this.tiles);
        return this.#error(`${verb} failed: ${data.job.error?.message || status}`);
      }
      pending.pending = `${verb}… ${status}`;
      const el = this.canvas.els.get(pending.id)?.querySelector('.btile__pending');
      if (el) el.textContent = pending.pending;
    }
  }
}
