// The lightbox: one modal <dialog> (#asset-dialog) for a picture or video from anywhere (a job
// card, a gallery tile, a comparison, a story frame). It shows the picture, its prompt, model,
// options, cost, date, its earlier steps and the actions; ←/→ walk the list it was opened from
// (a LightboxSource, lightbox-source.js), loading that list's next page at its end; Esc closes
// and gives the focus back to the tile of the picture shown. Single keys (s, Delete, c, e, r, ?;
// shortcuts.js) act on it here and on a focused gallery tile (tileKey), never while typing.
// Rerun and Vary come from rerun.js and the studio. Loaded on first use through lightbox.js,
// with its stylesheet (lightbox.css).

import { h, byId, replaceChildren, announce } from './dom.js';
import { formatDateTime, formatUsd, humanize } from './format.js';
import { trashBatch } from './trash.js';
import { shortcutFor, isTyping, openShortcuts, copyPrompt } from './shortcuts.js';
import { canRerun, hasSeed } from './rerun.js';
import { lineageSteps } from './chain-strip.js';
import { router } from './router.js';

class Lightbox {
  /** @param {{modelName, editThis, vary, useSettings, rerun: (job, {sameSeed}) => Promise, trashed: (ids) => void, restored: (ids) => void}} hooks */
  configure(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.dialog = byId('asset-dialog');
    this.body = byId('asset-dialog-body');
    this.title = byId('asset-dialog-title');
    this.closeButton = byId('asset-dialog-close');
    this.asset = null;
    this.source = null;
    this.index = 0; // where the picture shown sits (or sat) in its list
    this.trashed = null; // the picture just moved to the trash from here, for Undo
    this.prev = h('button', { type: 'button', class: 'btn btn--ghost', 'aria-keyshortcuts': 'ArrowLeft', onclick: () => this.step(-1) }, '← Previous');
    this.next = h('button', { type: 'button', class: 'btn btn--ghost', 'aria-keyshortcuts': 'ArrowRight', onclick: () => this.step(1) }, 'Next →');
    this.position = h('p', { class: 'lightbox__position', role: 'status' });
    const help = h('button', { type: 'button', class: 'btn btn--ghost lightbox__help', 'aria-keyshortcuts': '?', onclick: () => this.help() }, 'Shortcuts');
    this.closeButton.before(h('div', { class: 'lightbox__nav' }, this.position, this.prev, this.next, help));
    this.closeButton.addEventListener('click', () => this.close());
    this.dialog.addEventListener('close', () => this.#closed());
    this.dialog.addEventListener('keydown', (e) => this.#key(e));
    // A phone: a sideways swipe on the picture is ← or →.
    let from = null;
    this.body.addEventListener('pointerdown', (e) => (from = e.pointerType === 'touch' && e.target.closest('.asset-dialog__media') ? e.clientX : null));
    this.body.addEventListener('pointerup', (e) => {
      const dx = from === null ? 0 : e.clientX - from;
      if (Math.abs(dx) > 60) this.step(dx < 0 ? 1 : -1);
      from = null;
    });
  }

  /** Shows `asset`, one of `source`'s items; the opener gets the focus back on close. */
  open(source, asset) {
    this.source = source;
    this.opener = document.activeElement;
    this.returnFocus = true;
    this.trashed = null;
    this.#show(asset, Math.max(0, source.indexOf(asset.id)));
    if (!this.dialog.open) this.dialog.showModal();
    this.closeButton.focus();
  }

  /** Closes it, and the address at once (its `close` event comes a task later). */
  close() {
    if (!this.dialog?.open) return;
    router.set({ asset: null });
    this.dialog.close();
  }

  /** Whether the lightbox is open on asset `id`. */
  showing(id) {
    return Boolean(this.dialog?.open && this.asset?.id === id);
  }

  async #show(asset, index) {
    const shown = (this.shown = (this.shown || 0) + 1); // a save keeps it; a step does not
    this.asset = asset;
    this.index = index;
    router.set({ asset: asset.id }); // a reload or a copied address opens it again
    this.job = this.source.job(asset);
    this.lineage = null;
    this.render();
    this.body.setAttribute('aria-busy', 'true'); // until its job and chain arrive
    const [job, lineage] = await Promise.all([
      this.job || !asset.job_id ? this.job : this.api.job(asset.job_id).then((a) => a.job).catch(() => null),
      this.api.lineage(asset.id).catch(() => null),
    ]);
    if (this.shown !== shown) return;
    this.job = job;
    this.lineage = lineage;
    this.render();
    this.body.removeAttribute('aria-busy');
    for (const n of [index - 1, index + 1]) {
      const near = this.source.items()[n];
      if (near?.kind === 'image') new Image().src = near.url; // the next step shows at once
    }
  }

  /** ←/→: the neighbour in the list, the next page loaded past its end. */
  async step(dir) {
    if (this.stepping || !this.asset) return;
    const i = this.source.indexOf(this.asset.id);
    // Not in the list (an earlier step, or just trashed): the list around where it was.
    const target = i >= 0 ? i + dir : dir > 0 ? this.index : this.index - 1;
    this.stepping = true;
    this.next.setAttribute('aria-busy', 'true');
    try {
      const asset = await this.source.at(target);
      if (!asset) {
        this.position.textContent = dir > 0 ? 'This is the last picture.' : 'This is the first picture.';
        return;
      }
      this.trashed = null;
      await this.#show(asset, target);
    } finally {
      this.stepping = false;
      this.next.removeAttribute('aria-busy');
    }
  }

  render() {
    const a = this.asset;
    const job = this.job;
    const keep = document.activeElement?.dataset?.action;
    this.title.textContent = a.source === 'upload' ? 'Uploaded photo' : this.hooks.modelName(a.model) || 'Picture';
    this.body.dataset.assetId = a.id;
    const items = this.source.items();
    const i = items.findIndex((x) => x.id === a.id);
    const more = this.source.hasMore();
    this.position.textContent = i >= 0 ? `Picture ${i + 1} of ${items.length}${more ? '+' : ''}` : '';
    this.prev.disabled = i === 0 || (i < 0 && this.index === 0);
    this.next.disabled = !more && (i >= 0 ? i === items.length - 1 : this.index >= items.length);
    const settings = [
      ['Model', a.model ? this.hooks.modelName(a.model) : 'Upload'],
      ['Prompt', a.prompt || '—'],
      ...Object.entries(job?.options || {}).map(([k, v]) => [humanize(k), String(v)]),
      a.width && a.height ? ['Size', `${a.width} × ${a.height} px`] : null,
      a.duration_s ? ['Length', `${Math.round(a.duration_s * 10) / 10} s`] : null,
      job?.cost_usd !== undefined && job?.cost_usd !== null ? ['Cost', formatUsd(job.cost_usd)] : null,
      ['Created', formatDateTime(a.created_at)],
    ].filter(Boolean);
    const chain = (this.lineage?.assets || []).filter((x) => x.id !== a.id);
    const act = (action, label, attrs = {}) => h('button', { type: 'button', class: 'btn btn--ghost', dataset: { action }, onclick: () => this.#act(action, this.asset), ...attrs }, label);
    replaceChildren(
      this.body,
      h(
        'div',
        { class: 'asset-dialog__media' },
        a.kind === 'video'
          ? h('video', { src: a.url, controls: true, playsinline: true, preload: 'metadata', class: 'asset-dialog__img', 'aria-label': a.prompt ? `Video: “${a.prompt}”` : 'The video', width: a.width, height: a.height })
          : h('img', { src: a.url, alt: a.prompt ? `“${a.prompt}”` : 'The picture', class: 'asset-dialog__img', width: a.width, height: a.height }),
      ),
      h(
        'div',
        { class: 'asset-dialog__side' },
        this.trashed
          ? h('p', { class: 'lightbox__trashed notice' }, 'The last picture went to the trash. ', h('button', { type: 'button', class: 'btn btn--link', dataset: { action: 'undo' }, onclick: () => this.#undo() }, 'Undo'))
          : null,
        h('dl', { class: 'asset-dialog__settings' }, settings.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
        h(
          'div',
          { class: 'asset-dialog__actions' },
          act('save', a.saved ? 'Saved ★ (unsave)' : 'Save', { 'aria-pressed': String(Boolean(a.saved)), 'aria-keyshortcuts': 's' }),
          a.download_url ? h('a', { class: 'btn btn--ghost', href: a.download_url, download: '' }, 'Download') : null,
          a.prompt ? act('copy', 'Copy prompt', { 'aria-keyshortcuts': 'c' }) : null,
          a.kind !== 'video' ? act('edit', 'Edit this', { 'aria-keyshortcuts': 'e' }) : null,
          a.kind !== 'video' ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.#leave(() => this.hooks.vary(a)) }, 'Vary') : null,
          canRerun(job) ? act('rerun', 'Rerun', { 'aria-keyshortcuts': 'r' }) : null,
          canRerun(job) && hasSeed(job) ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.#rerun(a, null, true) }, 'Rerun, same seed') : null,
          job ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.#leave(() => this.hooks.useSettings(job)) }, 'Use these settings') : null,
          h('button', { type: 'button', class: 'btn btn--ghost', onclick: async () => (await import('./share-dialog.js')).openShareDialog(this.api, 'asset', a.id) }, 'Share…'),
          act('delete', 'Delete', { class: 'btn btn--danger', 'aria-keyshortcuts': 'Delete' }),
        ),
        h('p', { class: 'asset-dialog__error notice notice--error', role: 'alert', hidden: true }),
        chain.length ? lineageSteps(chain, { modelName: this.hooks.modelName, truncated: this.lineage?.truncated, open: (x) => this.#show(x, this.index) }) : null,
      ),
    );
    // A rebuilt body drops the focus it held: back to the same action, else to Close.
    const lost = !document.activeElement || document.activeElement === document.body;
    if (this.dialog.open && lost) ((keep && this.body.querySelector(`[data-action="${keep}"]`)) || this.closeButton).focus();
  }

  #key(e) {
    if (e.target.closest?.('dialog') !== this.dialog) return; // the shortcut sheet or a share dialog on top
    if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
      if (isTyping(e.target) || e.target.closest('video, audio')) return; // a video seeks with them
      e.preventDefault();
      this.step(e.key === 'ArrowRight' ? 1 : -1);
      return;
    }
    const action = shortcutFor(e);
    if (!action || !this.asset) return;
    e.preventDefault();
    this.#act(action, this.asset);
  }

  /** A single key on a focused tile of `source` (the gallery), or `?` anywhere in it. */
  tileKey(e, source) {
    const action = shortcutFor(e);
    if (!action) return;
    if (action === 'help') {
      e.preventDefault();
      this.help();
      return;
    }
    const id = e.target.closest?.('[data-asset-id]')?.dataset.assetId;
    const asset = id && source.find(id);
    if (!asset) return;
    e.preventDefault();
    this.#act(action, asset, source);
  }

  /** What a button or a key asks for; `tiles` when it comes from a tile of that list. */
  async #act(action, asset, tiles = null) {
    const source = tiles || this.source;
    if (action === 'help') return this.help();
    if (action === 'copy') return this.#copy(asset);
    if (action === 'edit') {
      if (asset.kind === 'video') return announce('A video cannot be edited here.');
      return this.#leave(() => this.hooks.editThis(asset));
    }
    if (action === 'undo') return this.#undo();
    if (action === 'rerun') return this.#rerun(asset, tiles);
    const found = source.indexOf(asset.id);
    const index = found >= 0 || tiles ? found : this.index;
    const focusTile = (id) => tiles && source.tile(id)?.focus();
    try {
      if (action === 'save') {
        const next = !asset.saved;
        await this.api.saveAsset(asset.id, next);
        const changed = { ...asset, saved: next };
        source.changed(changed);
        if (this.asset?.id === asset.id) {
          this.asset = changed;
          this.render();
        }
        focusTile(asset.id);
        announce(next ? 'Saved.' : 'No longer saved.');
      } else if (action === 'delete') {
        await this.api.deleteAsset(asset.id).catch((err) => {
          if (err.status !== 404) throw err;
        });
        const after = source.items()[index + 1] || source.items()[index - 1];
        source.removed(asset.id);
        if (after) focusTile(after.id);
        this.hooks.trashed([asset.id]);
        if (!tiles) await this.#afterTrash(asset, index);
        else announce('Picture moved to the trash.');
      }
    } catch (err) {
      const text = `Could not ${action === 'save' ? (asset.saved ? 'unsave' : 'save') : 'delete'}: ${err.message}`;
      if (tiles) announce(text);
      else this.#fail(text);
    }
  }

  /** Rerun the picture's job (the same seed only when asked); the studio's jobs show it. */
  async #rerun(asset, tiles, sameSeed = false) {
    try {
      const job = (this.asset?.id === asset.id && this.job) || (asset.job_id ? (await this.api.job(asset.job_id)).job : null);
      if (!canRerun(job)) return announce('This picture cannot be rerun: it is an upload or a story frame.');
      await this.hooks.rerun(job, { sameSeed });
      if (!tiles) this.position.textContent = 'Rerun queued: it is on top of your jobs in the studio.';
    } catch (err) {
      if (tiles) announce(`Could not rerun: ${err.message}`);
      else this.#fail(`Could not rerun: ${err.message}`);
    }
  }

  /** After a delete here: the next picture of the list takes its place, with an Undo. */
  async #afterTrash(asset, index) {
    const next = (await this.source.at(Math.max(0, index))) || (index > 0 ? await this.source.at(index - 1) : null);
    announce('Picture moved to the trash.');
    if (!next) {
      this.close();
      return;
    }
    this.trashed = { asset, source: this.source };
    await this.#show(next, this.source.indexOf(next.id));
  }

  async #undo() {
    const { asset, source } = this.trashed || {};
    if (!asset) return;
    try {
      await trashBatch(this.api, 'restore', [asset.id]);
      this.trashed = null;
      this.hooks.restored([asset.id]);
      source.restored(asset.id);
      announce('Restored.');
      await this.#show(asset, this.index);
      this.closeButton.focus();
    } catch (err) {
      this.#fail(`Could not undo: ${err.message}`);
    }
  }

  async #copy(asset) {
    if (!asset.prompt) return announce('This picture has no prompt.');
    await copyPrompt(asset.prompt, this.dialog.open ? this.dialog : document.body);
  }

  help() {
    openShortcuts();
  }

  #fail(message) {
    const el = this.body.querySelector('.asset-dialog__error');
    el.textContent = message;
    el.hidden = false;
  }

  #leave(fn) {
    this.returnFocus = false;
    this.close();
    fn();
  }

  #closed() {
    this.trashed = null;
    router.set({ asset: null });
    if (!this.returnFocus) return;
    const tile = this.asset && this.source?.tile(this.asset.id);
    (tile?.isConnected ? tile : this.opener?.isConnected ? this.opener : null)?.focus();
  }
}

/** The one lightbox of the page, reached through lightbox.js. */
export const lightbox = new Lightbox();
