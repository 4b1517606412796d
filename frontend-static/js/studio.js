// The studio's composer: mode (Generate / Edit / Restore / Video), the models of that kind from
// the catalog and their options (composer-options.js), sources (the current step of the picture,
// plus extra images a model may take) or a video's frames (frames.js), prompt, the estimate and
// the start button. The picture's chain (chain.js), the uploads (upload.js) and the job history
// (jobs.js) are wired here.

import { h, byId, show, replaceChildren, newUuid, announce } from './dom.js';
import { formatUsd } from './format.js';
import { MODES, modelsFor, defaultModel, sourceRange, takesPrompt, estimate, kindsOf, pinnedOptions } from './catalog.js';
import { FramePicker } from './frames.js';
import { ComposerOptions } from './composer-options.js';
import { JobList } from './jobs.js';
import { Chain } from './chain.js';
import { Uploader } from './upload.js';
import { rerunJob } from './rerun.js';
import { ComposerErrors } from './composer-errors.js';

const PROMPT_MAX = 2000;

export class Studio {
  /**
   * @param {import('./api.js').Api} api
   * @param {{models: import('./models.js').Models, budget: import('./budget.js').Budget}} shared
   *   the page's catalog and top-bar budget (main.js)
   */
  constructor(api, { models, budget }) {
    this.api = api;
    this.models = models;
    this.budget = budget;
    this.view = byId('studio-view');
    this.form = byId('generate-form');
    this.title = byId('create-title');
    this.modeList = byId('mode-list');
    this.modelList = byId('model-list');
    this.errors = new ComposerErrors(this); // reads the parts below when it shows a message
    this.promptField = byId('prompt-field');
    this.prompt = byId('prompt');
    this.counter = byId('prompt-counter');
    this.controls = new ComposerOptions({
      modelList: this.modelList,
      optionsBox: byId('options'),
      optionsList: byId('options-list'),
      onPick: (id) => this.#select(id),
      onInput: (name) => {
        this.errors.field(`options.${name}`, '');
        this.#updateCost();
      },
    });
    this.sourcesField = byId('sources-field');
    this.sourcesList = byId('sources');
    this.sourcesHint = byId('sources-hint');
    this.button = byId('generate');
    this.buttonText = byId('generate-text');
    this.costLabel = byId('generate-cost');
    this.kind = 'image';
    this.selectedByKind = new Map(); // kind → model id the person chose
    this.extraSources = []; // asset ids after the current step (models taking several images)
    this.knownAssets = new Map(); // id → Asset, for the thumbnails of extra sources
    this.submitting = false;
    this.started = false;

    const modelName = (id) => models.name(id);
    this.chain = new Chain(api, {
      modelName,
      isRestore: (id) => {
        const kinds = kindsOf(this.allModels.get(id));
        return kinds.includes('restore') && !kinds.includes('edit');
      },
      onChange: () => this.#renderSources(),
      useSettings: (job) => this.useSettings(job),
      editThis: (asset) => this.editAsset(asset, 'edit'),
      restoreThis: (asset) => this.editAsset(asset, 'restore'),
      cancelJob: (id) => this.jobs.cancel(id),
      rerun: (job) => this.rerun(job).catch((err) => this.#notice(`Could not rerun: ${err.message}`)),
      vary: (asset) => this.vary(asset),
    });
    this.jobs = new JobList(api, {
      modelName,
      sourceThumb: (id) => (this.chain.has(id) ? this.chain.nodes.get(id).asset : this.knownAssets.get(id)),
      onSettled: (job, assets) => {
        this.chain.settle(job, assets);
        budget.refresh();
      },
      editThis: (asset) => this.editAsset(asset, 'edit'),
      addSource: (asset) => this.addSource(asset),
      canEdit: () => modelsFor(this.catalog, 'edit').length > 0,
      useSettings: (job) => this.useSettings(job),
      rerun: (job) => this.rerun(job),
      vary: (asset) => this.vary(asset),
    });
    this.presets = null; // these three are made on the first open (#openExtras)
    this.ideas = null;
    this.history = null;
    this.frames = new FramePicker(api, {
      onChange: () => {
        this.#applyPins();
        this.errors.field('start_frame_asset_id', '');
      },
    });
    this.uploader = new Uploader(api, {
      dropTarget: this.view,
      canPaste: () => !this.view.hidden,
      // A photo brought in is a photo to work on: show the Edit mode, where its progress is.
      onStart: () => {
        if (this.kind === 'image') this.setMode('edit');
      },
      onUploaded: (asset) => {
        if (this.kind === 'video') {
          this.frames.takeUpload(asset);
          return;
        }
        this.chain.startWith(asset);
        this.extraSources = [];
        this.#renderSources();
      },
    });

    byId('shortcut-mod').textContent = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? '⌘' : 'Ctrl';
    this.#renderModes();
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      }
    });
    budget.addEventListener('change', () => this.#renderGuard());
    this.prompt.addEventListener('input', () => {
      this.#updateCounter();
      this.errors.field('prompt', '');
    });
    this.#updateCounter();
  }

  /** Called after sign-in: load the catalog, the history and the picture (main.js reads the
   * account's budget). */
  async open() {
    this.wanted = true;
    if (this.started) return show(this.view, true);
    this.started = true;
    const run = (this.openRun = (this.openRun || 0) + 1);
    this.#notice('');
    const models = this.#loadModels(); // never rejects: a failure is a notice with Retry
    const rest = [
      this.jobs.loadInitial(),
      this.chain.restoreFromAddress().catch((err) => this.#notice(`Could not reload your picture: ${err.message}`)),
    ];
    // The studio appears once its modes and models are drawn: drawn after it, they pushed the
    // prompt down as the page settled (a layout shift of 0.2, measured by Lighthouse).
    await models;
    if (run !== this.openRun) return; // signed out meanwhile
    show(this.view, this.wanted); // unless another section was opened meanwhile
    performance.mark('studio-interactive'); // what the first-load budget counts up to
    await Promise.all(rest);
    await this.#openExtras(); // after what the studio shows first (the first-load budget)
  }

  /** What the composer adds once it is shown, its code fetched now: the prompt's ideas
   * (prompt-ideas.js) and history (prompt-history.js), the preset bar and the person's presets. */
  async #openExtras() {
    try {
      const [{ PromptIdeas }, { PromptHistory }, { PresetBar }] = await Promise.all([
        import('./prompt-ideas.js'),
        import('./prompt-history.js'),
        import('./presets.js'),
      ]);
      this.ideas ||= new PromptIdeas(this.api, { onSpend: () => this.budget.refresh() });
      this.history ||= new PromptHistory(this.api);
      this.presets ||= new PresetBar(this.api, {
        current: () => {
          const { values, errors } = this.controls.read();
          return { model: this.selected, options: values, errors };
        },
        apply: (kept, suffixed) => this.#applyPreset(kept, suffixed),
        models: () => this.allModels,
      });
    } catch {
      return this.#notice('Could not load the presets and the prompt’s history: check the connection, then reload the page.');
    }
    await this.presets.load();
  }

  /** The catalog's entries, in its order (models.js). */
  get catalog() {
    return this.models.list;
  }

  /** id → catalog entry. */
  get allModels() {
    return this.models.byId;
  }

  /** Another section opens: the studio keeps its state. */
  close() {
    this.wanted = false;
    show(this.view, false);
  }

  /** Called on sign-out. */
  reset() {
    this.close();
    this.started = false;
    this.openRun = (this.openRun || 0) + 1;
    this.jobs.reset();
    this.chain.reset();
    this.presets?.reset();
    this.uploader.reset();
    this.extraSources = [];
    this.frames.reset();
    this.prompt.value = '';
    this.#updateCounter();
    this.errors.clear();
  }

  async #loadModels() {
    try {
      const models = await this.models.load();
      if (!modelsFor(models, 'image').length) throw new Error('The catalog has no image models.');
      this.#renderModes();
      this.setMode(this.kind);
      this.jobs.rerenderNames();
      this.chain.render();
    } catch (err) {
      this.#notice(`Could not load the models: ${err.message}`, () => this.#loadModels());
    }
  }

  #renderModes() {
    replaceChildren(
      this.modeList,
      MODES.filter((m) => !this.catalog.length || modelsFor(this.catalog, m.kind).length).map((m) => {
        const input = h('input', { type: 'radio', name: 'mode', id: `mode-${m.kind}`, value: m.kind, class: 'mode__radio' });
        input.checked = m.kind === this.kind;
        input.addEventListener('change', () => this.setMode(m.kind));
        return h('div', { class: 'mode' }, input, h('label', { for: `mode-${m.kind}`, class: 'mode__label' }, m.label));
      }),
    );
  }

  /** Switch the composer to a kind of job: its models, its sources, its button. */
  setMode(kind) {
    const mode = MODES.find((m) => m.kind === kind) || MODES[0];
    this.kind = mode.kind;
    for (const radio of this.modeList.querySelectorAll('input[name="mode"]')) radio.checked = radio.value === mode.kind;
    this.title.textContent = mode.title;
    this.buttonText.textContent = mode.action;
    byId('shortcut-action').textContent = mode.action.toLowerCase();
    show(this.promptField, takesPrompt(mode.kind));
    show(this.sourcesField, mode.kind !== 'image');
    const video = mode.kind === 'video';
    show(this.sourcesList, !video);
    show(this.sourcesHint, !video);
    show(byId('frames'), video);
    byId('sources-title').textContent = video ? 'Frames' : 'Image to work on';
    this.errors.clear();
    const list = modelsFor(this.catalog, mode.kind);
    this.controls.renderModels(list);
    const keep = this.selectedByKind.get(mode.kind);
    const model = list.find((m) => m.id === keep) || defaultModel(list, mode.kind);
    if (model) this.#select(model.id);
    else {
      this.controls.clear();
      this.#updateCost();
    }
    this.#renderSources();
  }

  /** The chosen model (a catalog entry), or null. */
  get selected() {
    return this.controls.selected;
  }

  #select(modelId) {
    const model = this.allModels.get(modelId);
    if (!model) return;
    this.controls.select(model);
    this.selectedByKind.set(this.kind, model.id);
    this.errors.field('model', '');
    if (this.kind === 'video') this.frames.setModel(model);
    this.#applyPins();
    this.#renderSources();
    this.#updateCost();
  }

  /** A preset's kept options set on the chosen model (others keep theirs), its suffix added
   * (`suffixed`: the prompt with it; null without one). */
  #applyPreset(kept, suffixed) {
    const id = this.selected.id;
    this.controls.remember(id, { ...this.controls.read().values, ...kept });
    this.controls.forget();
    this.#select(id);
    if (!suffixed || !takesPrompt(this.kind)) return false;
    const before = this.prompt.value;
    this.prompt.value = suffixed(before);
    this.#updateCounter();
    return this.prompt.value !== before;
  }

  /**
   * The frames in use pin some options (reference mode: 16:9 and 8 s; an end frame: 8 s) and
   * refuse others (reference mode: no negative prompt): show them set (or empty) and locked,
   * and say why.
   */
  #applyPins() {
    this.controls.applyPins(this.kind === 'video' ? pinnedOptions(this.selected, this.frames.roles()) : {});
    this.#updateCost();
  }

  #updateCost() {
    const cost = this.selected ? estimate(this.selected, this.controls.read().values) : null;
    this.costLabel.textContent = cost === null ? '' : `· ${formatUsd(cost)}`;
    this.#renderGuard();
  }

  /** The source images of the next edit: the current step, then any extra images. */
  #sources() {
    const current = this.chain.currentAsset;
    return current ? [current.id, ...this.extraSources.filter((id) => id !== current.id)] : [...this.extraSources];
  }

  #renderSources() {
    if (this.kind === 'image' || this.kind === 'video') return;
    const ids = this.#sources();
    const [min, max] = sourceRange(this.selected, this.kind);
    const name = this.selected?.name || 'This model';
    this.sourcesHint.textContent =
      min === max ? `${name} takes ${min === 1 ? 'one image' : `${min} images`}.` : `${name} takes ${min} to ${max} images.`;
    const current = this.chain.currentAsset;
    replaceChildren(
      this.sourcesList,
      ids.length
        ? ids.map((id, i) => {
            const asset = this.chain.has(id) ? this.chain.nodes.get(id).asset : this.knownAssets.get(id);
            const isCurrent = current && id === current.id;
            const label = isCurrent ? 'The current step' : `Extra image ${i}`;
            return h(
              'li',
              { class: 'source' },
              asset?.url ? h('img', { class: 'source__thumb', src: asset.thumb_url || asset.url, alt: '', width: 48, height: 48 }) : h('span', { class: 'source__thumb source__thumb--empty', 'aria-hidden': 'true' }),
              h('span', { class: 'source__label' }, label),
              isCurrent
                ? null
                : h('button', { type: 'button', class: 'btn btn--link', onclick: () => this.#removeSource(id) }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${label}`)),
            );
          })
        : h('li', { class: 'source source--none' }, 'No image yet: upload a photo, or choose “Edit this” on a result.'),
    );
    this.errors.field('source_asset_ids', '');
  }

  /** "Add to sources": one more image for a model that takes several (the first becomes the current step). */
  async addSource(asset) {
    if (this.kind !== 'edit') this.setMode('edit');
    if (!this.chain.currentAsset) {
      await this.editAsset(asset, 'edit');
      return;
    }
    if (asset.id !== this.chain.currentAsset.id && !this.extraSources.includes(asset.id)) {
      this.knownAssets.set(asset.id, asset);
      this.extraSources.push(asset.id);
    }
    this.#renderSources();
    announce(`Added as a source: ${this.#sources().length} images.`);
  }

  #removeSource(id) {
    this.extraSources = this.extraSources.filter((x) => x !== id);
    this.#renderSources();
  }

  /** "Edit this" / "Restore this" on any result: it becomes the current step. */
  async editAsset(asset, kind) {
    try {
      await this.chain.open(asset.id, asset);
    } catch (err) {
      this.#notice(`Could not open that picture: ${err.message}`);
      return;
    }
    this.extraSources = [];
    this.setMode(kind);
    (takesPrompt(kind) ? this.prompt : this.modelList.querySelector('input:checked'))?.focus();
    this.form.scrollIntoView({ block: 'nearest' });
    announce(kind === 'restore' ? 'Ready to restore this picture: choose a model.' : 'Ready to edit this picture: describe the change.');
  }

  /** Rerun: the job queued again (rerun.js), the composer untouched; its card goes on top. */
  async rerun(job, opts) {
    const next = await rerunJob(this.api, job, opts);
    if (next.kind !== 'image' && next.kind !== 'video') this.chain.expect(next);
    this.jobs.addNew(next);
    this.budget.refresh();
    announce(`Rerun queued: ${this.models.name(next.model)}.`);
    return next;
  }

  /** Vary: an edit of `asset` with the edit model of the newest edit in the history. */
  vary(asset) {
    const last = [...this.jobs.list.children].map((li) => this.jobs.entries.get(li.dataset.jobId)?.job).find((j) => j?.kind === 'edit');
    if (last) this.selectedByKind.set('edit', last.model);
    return this.editAsset(asset, 'edit');
  }

  /** Load a job's kind, model, prompt, options and sources back into the composer. */
  async useSettings(job) {
    const kind = MODES.some((m) => m.kind === job.kind) ? job.kind : 'image';
    const sources = job.source_asset_ids || [];
    if (sources.length && kind !== 'video') {
      try {
        await this.chain.open(sources[0]);
      } catch (err) {
        this.#notice(`The source image of that job is no longer available: ${err.message}`);
      }
    }
    if (job.model) {
      this.selectedByKind.set(kind, job.model);
      this.controls.remember(job.model, job.options || {});
    }
    this.controls.forget(); // don't save the old model's inputs over the loaded ones
    this.setMode(kind);
    this.extraSources = kind === 'video' ? [] : sources.slice(1);
    if (kind === 'video') await this.frames.load(job);
    this.#applyPins();
    this.#renderSources();
    this.prompt.value = job.prompt || '';
    this.#updateCounter();
    this.#updateCost();
    (takesPrompt(kind) ? this.prompt : this.button).focus();
    announce(`Loaded the settings of that ${kind === 'image' ? 'generation' : kind}: ${this.models.name(job.model)}.`);
  }

  async submit() {
    if (this.submitting || !this.selected || this.overBudget) return;
    this.errors.clear();
    const kind = this.kind;
    const model = this.selected;
    const prompt = takesPrompt(kind) ? this.prompt.value.trim() : '';
    const { values: options, errors } = this.controls.read();
    if (takesPrompt(kind) && !prompt) errors.unshift({ field: 'prompt', message: 'Write a prompt first.', input: this.prompt });
    if (prompt.length > PROMPT_MAX) {
      errors.unshift({ field: 'prompt', message: `The prompt is too long (${prompt.length} of ${PROMPT_MAX} characters).`, input: this.prompt });
    }
    const sources = kind === 'image' || kind === 'video' ? [] : this.#sources();
    if (kind === 'video') {
      for (const p of this.frames.problems()) errors.unshift({ ...p, input: null });
    } else if (kind !== 'image') {
      const [min, max] = sourceRange(model, kind);
      const upload = byId('file-input');
      if (sources.length < min) {
        errors.unshift({ field: 'source_asset_ids', message: 'Upload a photo or choose “Edit this” on a result first.', input: upload });
      } else if (sources.length > max) {
        errors.unshift({ field: 'source_asset_ids', message: `${model.name} takes at most ${max} image${max === 1 ? '' : 's'}: remove ${sources.length - max}.`, input: upload });
      }
    }
    if (errors.length) {
      for (const e of errors) this.errors.field(e.field, e.message);
      if (errors[0].input) errors[0].input.focus();
      else this.errors.focus(errors[0].field);
      return;
    }

    this.submitting = true;
    this.button.disabled = true;
    this.button.setAttribute('aria-busy', 'true');
    // A fresh key per click: a retry of this request (network, 401) reuses it, a new click does not.
    const key = newUuid();
    // The studio's "add new results to…" (collections.js fills the list).
    const collectionId = byId('studio-collection').value || null;
    try {
      const { job } =
        kind === 'image'
          ? await this.api.generateImage({ model: model.id, prompt, options, collectionId }, key)
          : kind === 'video'
            ? await this.api.generateVideo({ model: model.id, prompt, options, frames: this.frames.request(), collectionId }, key)
            : await this.api.editImage({ model: model.id, prompt, sourceAssetIds: sources, options, collectionId }, key);
      if (kind !== 'image' && kind !== 'video') this.chain.expect(job);
      this.jobs.addNew(job);
      const next = kind === 'image' ? '' : kind === 'video' ? '; a video takes a few minutes' : ' and as the next step';
      announce(`Started ${model.name}. The result will appear in your jobs${next}.`);
      this.budget.refresh();
    } catch (err) {
      this.errors.api(err, () => this.budget.refresh());
    } finally {
      this.submitting = false;
      this.button.removeAttribute('aria-busy');
      this.#renderGuard();
    }
  }

  #notice(message, retry = null) {
    const el = byId('studio-error');
    replaceChildren(
      el,
      message,
      retry ? [' ', h('button', { type: 'button', class: 'btn btn--link', onclick: () => { show(el, false); retry(); } }, 'Try again')] : null,
    );
    show(el, Boolean(message));
  }

  #updateCounter() {
    const n = this.prompt.value.length;
    this.counter.textContent = `${n} / ${PROMPT_MAX}`;
    this.counter.classList.toggle('counter--near', n >= PROMPT_MAX * 0.9);
    this.counter.classList.toggle('counter--full', n >= PROMPT_MAX);
  }

  /** The over-budget guard: the start button and a message, when the estimate is more than
   * what is left this month (budget.js draws the top bar's meter). */
  #renderGuard() {
    const q = this.budget.quota;
    const message = byId('budget-message');
    const cost = this.selected ? estimate(this.selected, this.controls.read().values) : null;
    const over = Boolean(q) && cost !== null && q.remaining_usd < cost;
    this.overBudget = over;
    this.button.disabled = over || this.submitting;
    byId('quota-summary').classList.toggle('topbar__quota--low', over);
    message.textContent = over
      ? `Not enough budget left: this would cost about ${formatUsd(cost)}, and only ${formatUsd(q.remaining_usd)} of your monthly ${formatUsd(q.monthly_limit_usd)} is left for ${q.period}. Choose a cheaper model or options, or ask your administrator to raise the limit.`
      : '';
    show(message, over);
  }
}
