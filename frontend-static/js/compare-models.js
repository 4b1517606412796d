// Compare models: one prompt on 2–4 text→image models as one set (POST /api/sets). The page
// shows the estimate of the whole set, then the results side by side as they arrive, each with
// its model, time and cost. The address names the set (?compare=<id>), so a reload shows it
// again; each result can be saved or opened in the editor like any other picture.

import { byId, h, show, replaceChildren, announce, newUuid } from './dom.js';
import { formatUsd, formatDateTime } from './format.js';
import { modelsFor, estimate } from './catalog.js';
import { OwnedPage } from './owned-page.js';
import { openShareDialog } from './share-dialog.js';

const POLL_MS = 1200;
const MIN = 2;
const MAX = 4;

export class CompareView extends OwnedPage {
  /**
   * @param {import('./api.js').Api} api
   * @param {{editThis: (asset) => void, onSpend: () => void}} hooks onSpend: money was
   *   reserved or charged (the top bar's spend refreshes)
   */
  constructor(api, { editThis, onSpend }) {
    super({ param: 'compare', view: byId('compare-view'), error: byId('compare-error'), history: byId('compare-history') });
    this.api = api;
    this.editThis = editThis;
    this.onSpend = onSpend;
    this.form = byId('compare-form');
    this.prompt = byId('compare-prompt');
    this.modelBox = byId('compare-models');
    this.estimateEl = byId('compare-estimate');
    this.submit = byId('compare-submit');
    this.status = byId('compare-status');
    this.results = byId('compare-results');
    byId('compare-share').addEventListener('click', () => this.currentId && openShareDialog(this.api, 'set', this.currentId));
    this.models = [];
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    this.modelBox.addEventListener('change', () => this.#refreshEstimate());
  }

  /** The set named in the address, if any. */
  static addressed() {
    return OwnedPage.addressedAs('compare');
  }

  async open() {
    show(this.view, true);
    if (!this.models.length) {
      try {
        this.models = modelsFor((await this.api.models()).models || [], 'image');
      } catch (err) {
        this.showError(err.message);
      }
      this.#renderModels();
    }
    this.#refreshEstimate();
    const id = CompareView.addressed();
    if (id && id !== this.currentId) await this.load(id);
    this.#loadHistory();
  }

  #renderModels() {
    const boxes = this.models.map((m) => {
      const id = `cmp-model-${m.id}`;
      return h(
        'div',
        { class: 'comparev__model' },
        h('input', { type: 'checkbox', id, value: m.id, name: 'compare-model' }),
        h('label', { for: id }, `${m.name} `, h('span', { class: 'comparev__price' }, formatUsd(estimate(m, {})))),
      );
    });
    replaceChildren(this.modelBox, boxes);
  }

  #picked() {
    return [...this.modelBox.querySelectorAll('input:checked')].map((i) => i.value);
  }

  #refreshEstimate() {
    const picked = this.#picked();
    for (const box of this.modelBox.querySelectorAll('input')) box.disabled = !box.checked && picked.length >= MAX;
    const sum = picked.reduce((acc, id) => acc + Math.round((estimate(this.models.find((m) => m.id === id), {}) || 0) * 1e6), 0);
    this.estimateEl.textContent =
      picked.length < MIN
        ? `Pick ${MIN} to ${MAX} models (${picked.length} picked).`
        : `Estimate for the whole set: ${formatUsd(sum / 1e6)} (${picked.length} models).`;
    this.submit.disabled = picked.length < MIN || picked.length > MAX;
  }

  async start() {
    const prompt = this.prompt.value.trim();
    const models = this.#picked();
    this.hideError();
    if (!prompt) {
      this.showError('Write a prompt to compare the models with.');
      this.prompt.focus();
      return;
    }
    this.submit.disabled = true;
    try {
      const body = await this.api.createSet({ prompt, models }, newUuid());
      announce(`Comparison started on ${models.length} models.`);
      this.onSpend();
      await this.load(body.set.id);
      this.#loadHistory();
    } catch (err) {
      this.showError(err.message);
    } finally {
      this.#refreshEstimate();
    }
  }

  /** Shows a set and polls it until every result is in. */
  async load(id) {
    this.stop();
    this.address(id);
    let body;
    try {
      body = await this.api.set(id);
    } catch (err) {
      this.showError(err.status === 404 ? 'That comparison was not found.' : err.message);
      replaceChildren(this.results);
      return;
    }
    if (this.currentId !== id) return;
    this.#render(body);
    if (body.set.status !== 'finished') this.poll(() => this.load(id), POLL_MS);
    else {
      announce('All results of the comparison are in.');
      this.onSpend();
    }
  }

  #render({ set, jobs }) {
    const done = jobs.filter((j) => ['succeeded', 'failed', 'canceled'].includes(j.job.status)).length;
    this.status.textContent = `“${set.prompt}” on ${set.models.length} models: ${done} of ${jobs.length} done. Estimate ${formatUsd(set.estimated_cost_usd)}, charged so far ${formatUsd(set.cost_usd)}.`;
    replaceChildren(this.results, jobs.map((entry) => this.#card(entry)));
    show(byId('compare-share'), true);
  }

  #card({ job, assets, duration_s: secs }) {
    const model = this.models.find((m) => m.id === job.model);
    const name = model?.name || job.model;
    const asset = assets?.[0];
    const body = [];
    if (asset) {
      body.push(h('img', { class: 'comparev__img', src: asset.url, alt: `${name}: ${job.prompt}`, width: asset.width, height: asset.height }));
    } else {
      const text = job.status === 'failed' || job.status === 'canceled' ? job.error?.message || `The run ${job.status}.` : 'Working…';
      body.push(h('p', { class: 'comparev__wait' }, text));
    }
    const meta = h(
      'dl',
      { class: 'comparev__meta' },
      h('dt', {}, 'Time'),
      h('dd', {}, secs === null || secs === undefined ? '—' : `${secs.toFixed(1)} s`),
      h('dt', {}, 'Cost'),
      h('dd', {}, job.cost_usd === null ? `up to ${formatUsd(job.estimated_cost_usd)}` : formatUsd(job.cost_usd)),
    );
    const actions = asset
      ? h(
          'div',
          { class: 'comparev__actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn--ghost btn--small',
              'aria-pressed': asset.saved ? 'true' : 'false',
              onclick: (e) => this.#save(asset, e.currentTarget),
            },
            asset.saved ? 'Saved' : 'Save',
          ),
          h('button', { type: 'button', class: 'btn btn--ghost btn--small', onclick: () => this.editThis(asset) }, 'Open in editor'),
        )
      : null;
    return h(
      'li',
      { class: 'comparev__card', dataset: { model: job.model, status: job.status } },
      h('h2', { class: 'comparev__model-name' }, name),
      ...body,
      meta,
      actions,
    );
  }

  async #save(asset, button) {
    const next = button.getAttribute('aria-pressed') !== 'true';
    try {
      await this.api.saveAsset(asset.id, next);
      asset.saved = next;
      button.setAttribute('aria-pressed', String(next));
      button.textContent = next ? 'Saved' : 'Save';
      announce(next ? 'Saved to the gallery.' : 'Removed from the gallery.');
    } catch (err) {
      this.showError(err.message);
    }
  }

  #loadHistory() {
    return this.renderHistory(
      async () => (await this.api.sets({ limit: 10 })).sets,
      (s) => `${s.prompt} — ${s.models.length} models, ${formatDateTime(s.created_at)}`,
    );
  }
}
