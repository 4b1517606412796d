// The large view of one picture (a modal <dialog>): the picture, its settings (model, prompt,
// options of its job), its chain of earlier steps, save/unsave, download, delete, and
// "Edit this" / "Use these settings" back into the studio.

import { h, byId, replaceChildren, announce } from './dom.js';
import { formatDateTime, formatUsd, humanize } from './format.js';
import { openShareDialog } from './share-dialog.js';

export class AssetView {
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.dialog = byId('asset-dialog');
    this.body = byId('asset-dialog-body');
    this.title = byId('asset-dialog-title');
    this.asset = null;
    this.job = null;
    this.opener = null;
    byId('asset-dialog-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => this.opener?.focus?.());
  }

  async open(asset) {
    this.opener = document.activeElement;
    this.asset = asset;
    this.job = null;
    this.lineage = null;
    this.render();
    this.body.setAttribute('aria-busy', 'true'); // until its job and chain arrive
    if (!this.dialog.open) this.dialog.showModal();
    byId('asset-dialog-close').focus();
    const [job, lineage] = await Promise.all([
      asset.job_id ? this.api.job(asset.job_id).then((a) => a.job).catch(() => null) : null,
      this.api.lineage(asset.id).catch(() => null),
    ]);
    if (this.asset !== asset) return;
    this.job = job;
    this.lineage = lineage;
    this.render();
    this.body.removeAttribute('aria-busy');
  }

  render() {
    const a = this.asset;
    const job = this.job;
    this.title.textContent = a.source === 'upload' ? 'Uploaded photo' : this.hooks.modelName(a.model) || 'Picture';
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
        h('dl', { class: 'asset-dialog__settings' }, settings.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
        h(
          'div',
          { class: 'asset-dialog__actions' },
          h('button', { type: 'button', class: 'btn btn--ghost', 'aria-pressed': String(Boolean(a.saved)), onclick: () => this.#toggleSave() }, a.saved ? 'Saved ★ (unsave)' : 'Save'),
          a.download_url ? h('a', { class: 'btn btn--ghost', href: a.download_url, download: '' }, 'Download') : null,
          a.kind !== 'video' ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.#leave(() => this.hooks.editThis(a)) }, 'Edit this') : null,
          job ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.#leave(() => this.hooks.useSettings(job)) }, 'Use these settings') : null,
          h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => openShareDialog(this.api, 'asset', a.id) }, 'Share…'),
          h('button', { type: 'button', class: 'btn btn--danger', onclick: () => this.#delete() }, 'Delete'),
        ),
        h('p', { class: 'asset-dialog__error notice notice--error', role: 'alert', hidden: true }),
        chain.length
          ? h(
              'section',
              { class: 'asset-dialog__chain', 'aria-labelledby': 'asset-chain-title' },
              h('h3', { id: 'asset-chain-title' }, 'Earlier steps'),
              h(
                'ol',
                { class: 'asset-dialog__steps' },
                chain.map((x, i) =>
                  h(
                    'li',
                    {},
                    h(
                      'button',
                      { type: 'button', class: 'asset-dialog__step', onclick: () => this.open(x) },
                      h('img', { src: x.url, alt: '', width: 64, height: 64 }),
                      h('span', {}, `Step ${i + 1}: ${x.source === 'upload' ? 'upload' : this.hooks.modelName(x.model)}`),
                    ),
                  ),
                ),
              ),
              this.lineage?.truncated ? h('p', { class: 'field__hint' }, 'Older steps are not shown.') : null,
            )
          : null,
      ),
    );
  }

  #fail(message) {
    const el = this.body.querySelector('.asset-dialog__error');
    el.textContent = message;
    el.hidden = false;
  }

  #leave(fn) {
    this.opener = null;
    this.dialog.close();
    fn();
  }

  async #toggleSave() {
    const next = !this.asset.saved;
    try {
      await this.api.saveAsset(this.asset.id, next);
      this.asset = { ...this.asset, saved: next };
      this.render();
      this.body.querySelector('[aria-pressed]')?.focus();
      this.hooks.changed(this.asset);
      announce(next ? 'Saved.' : 'No longer saved.');
    } catch (err) {
      this.#fail(`Could not ${next ? 'save' : 'unsave'}: ${err.message}`);
    }
  }

  async #delete() {
    const a = this.asset;
    try {
      await this.api.deleteAsset(a.id);
    } catch (err) {
      if (err.status !== 404) {
        this.#fail(`Could not delete: ${err.message}`);
        return;
      }
    }
    this.opener = null;
    this.dialog.close();
    this.hooks.deleted(a.id);
    announce('Picture moved to the trash.');
    byId('gallery-title').focus?.();
  }
}
