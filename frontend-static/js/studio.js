// The studio: model picker, prompt, model options from the catalog, Generate, and the
// job history beside it.

import { h, byId, show, replaceChildren, newUuid, announce } from './dom.js';
import { formatPrice, formatUsd, humanize, formatEnumValue } from './format.js';
import { JobList } from './jobs.js';

const PROMPT_MAX = 2000;
/** Kinds of model this page can start: text → image. Editing and video come later. */
const KINDS = new Set(['image']);

export class Studio {
  /** @param {import('./api.js').Api} api */
  constructor(api) {
    this.api = api;
    this.view = byId('studio-view');
    this.form = byId('generate-form');
    this.modelList = byId('model-list');
    this.prompt = byId('prompt');
    this.counter = byId('prompt-counter');
    this.optionsBox = byId('options');
    this.optionsList = byId('options-list');
    this.button = byId('generate');
    this.costLabel = byId('generate-cost');
    this.models = [];
    this.allModels = new Map();
    this.selected = null;
    this.optionValues = new Map(); // model id → {name: value} the user chose, kept across switches
    this.quota = null;
    this.submitting = false;
    this.started = false;
    this.jobs = new JobList(api, {
      modelName: (id) => this.allModels.get(id)?.name || id,
      onSettled: () => this.refreshQuota(),
    });

    byId('shortcut-mod').textContent = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? '⌘' : 'Ctrl';
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.generate();
    });
    this.form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.generate();
      }
    });
    this.prompt.addEventListener('input', () => {
      this.#updateCounter();
      this.#fieldError('prompt', '');
    });
    this.#updateCounter();
  }

  /** Called after sign-in: load the catalog, the account and the history. */
  async open() {
    show(this.view, true);
    if (this.started) return;
    this.started = true;
    this.#notice('');
    await Promise.all([this.#loadModels(), this.refreshQuota(), this.jobs.loadInitial()]);
  }

  /** Called on sign-out. */
  close() {
    show(this.view, false);
    this.started = false;
    this.jobs.reset();
    this.prompt.value = '';
    this.#updateCounter();
    this.#clearErrors();
  }

  async #loadModels() {
    try {
      const { models } = await this.api.models();
      this.allModels = new Map(models.map((m) => [m.id, m]));
      this.models = models.filter((m) => (m.kinds || []).some((k) => KINDS.has(k)));
      if (!this.models.length) throw new Error('The catalog has no image models.');
      this.#renderModels();
      const preferred = this.models.find((m) => (m.default_for || []).includes("image")) || this.models[0];
      this.#select(this.selected && this.allModels.get(this.selected.id) ? this.selected.id : preferred.id);
      this.jobs.rerenderNames();
    } catch (err) {
      this.#notice(`Could not load the models: ${err.message}`, () => this.#loadModels());
    }
  }

  async refreshQuota() {
    try {
      const me = await this.api.me();
      this.quota = me.quota || null;
      byId('username').textContent = me.user?.username || byId('username').textContent;
      this.#renderQuota();
    } catch {
      /* the quota is informative; generation still reports quota errors */
    }
  }

  #renderModels() {
    replaceChildren(
      this.modelList,
      this.models.map((m) => {
        const id = `model-${m.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        const input = h('input', {
          type: 'radio',
          name: 'model',
          id,
          value: m.id,
          class: 'model__radio',
          'aria-describedby': `${id}-price`,
        });
        input.addEventListener('change', () => this.#select(m.id));
        return h(
          'div',
          { class: 'model' },
          input,
          h(
            'label',
            { for: id, class: 'model__label' },
            h('span', { class: 'model__name' }, m.name),
            h('span', { class: 'model__price', id: `${id}-price` }, formatPrice(m.price)),
          ),
        );
      }),
    );
  }

  #select(modelId) {
    if (this.selected) this.optionValues.set(this.selected.id, this.#readOptions().values);
    const model = this.models.find((m) => m.id === modelId) || this.models[0];
    this.selected = model;
    for (const radio of this.modelList.querySelectorAll('input[name="model"]')) {
      radio.checked = radio.value === model.id;
    }
    this.#fieldError('model', '');
    this.#renderOptions(model);
    this.costLabel.textContent = model.price ? `· ${formatUsd(model.price.usd)}` : '';
    this.#renderQuota();
  }

  #renderOptions(model) {
    const saved = this.optionValues.get(model.id) || {};
    const entries = Object.entries(model.options || {});
    show(this.optionsBox, entries.length > 0);
    replaceChildren(
      this.optionsList,
      entries.map(([name, spec]) => optionField(name, spec, saved[name], () => this.#fieldError(`options.${name}`, ''))),
    );
  }

  /** Read the option inputs: {values, errors: [{field, message, input}]}. */
  #readOptions() {
    const values = {};
    const errors = [];
    if (!this.selected) return { values, errors };
    for (const [name, spec] of Object.entries(this.selected.options || {})) {
      const input = this.optionsList.querySelector(`[data-option="${CSS.escape(name)}"]`);
      if (!input) continue;
      const field = `options.${name}`;
      switch (spec.type) {
        case 'boolean':
          values[name] = input.checked;
          break;
        case 'integer':
        case 'number': {
          if (input.value.trim() === '') {
            if (input.validity.badInput) errors.push({ field, message: 'Enter a number.', input });
            break; // empty → the server's default
          }
          const n = Number(input.value);
          if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
            errors.push({ field, message: spec.type === 'integer' ? 'Enter a whole number.' : 'Enter a number.', input });
          } else if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
            errors.push({ field, message: `Enter a value from ${spec.min ?? '−∞'} to ${spec.max ?? '∞'}.`, input });
          } else values[name] = n;
          break;
        }
        case 'enum': {
          // Keep the catalog's value type (a number enum stays a number).
          const match = (spec.values || []).find((v) => String(v) === input.value);
          values[name] = match === undefined ? input.value : match;
          break;
        }
        default:
          if (input.value !== '') values[name] = input.value;
      }
    }
    return { values, errors };
  }

  async generate() {
    if (this.submitting || !this.selected) return;
    this.#clearErrors();
    const prompt = this.prompt.value.trim();
    const { values: options, errors } = this.#readOptions();
    if (!prompt) errors.unshift({ field: 'prompt', message: 'Write a prompt first.', input: this.prompt });
    if (prompt.length > PROMPT_MAX) {
      errors.unshift({ field: 'prompt', message: `The prompt is too long (${prompt.length} of ${PROMPT_MAX} characters).`, input: this.prompt });
    }
    if (errors.length) {
      for (const e of errors) this.#fieldError(e.field, e.message);
      errors[0].input.focus();
      return;
    }

    this.submitting = true;
    this.button.disabled = true;
    this.button.setAttribute('aria-busy', 'true');
    // A fresh key per click: a retry of this request (network, 401) reuses it, a new click does not.
    const key = newUuid();
    try {
      const { job } = await this.api.generateImage({ model: this.selected.id, prompt, options }, key);
      this.jobs.addNew(job);
      announce(`Started ${this.selected.name}. The result will appear in your jobs.`);
      this.refreshQuota();
    } catch (err) {
      this.#showApiError(err);
    } finally {
      this.submitting = false;
      this.button.disabled = false;
      this.button.removeAttribute('aria-busy');
    }
  }

  #showApiError(err) {
    if (err.status === 429 && err.code === 'quota_exceeded') {
      const q = this.quota;
      const detail = q ? ` You have ${formatUsd(q.remaining_usd)} of ${formatUsd(q.monthly_limit_usd)} left for ${q.period}.` : '';
      this.#formError(`Monthly spending limit reached: ${err.message}${detail}`);
      this.refreshQuota();
      return;
    }
    if (err.status === 429) {
      this.#formError(`Too many requests: ${err.message} Wait a moment and try again.`);
      return;
    }
    if (err.status === 400 && err.field && this.#fieldError(err.field, err.message)) {
      this.#focusField(err.field);
      return;
    }
    this.#formError(err.message);
  }

  /** Show `message` beside the field named by an API path ("prompt", "options.x"). */
  #fieldError(field, message) {
    let input;
    let box;
    if (field === 'prompt') {
      input = this.prompt;
      box = byId('prompt-error');
    } else if (field === 'model') {
      box = byId('model-error');
    } else if (field.startsWith('options.')) {
      const name = field.slice('options.'.length).split('.')[0];
      input = this.optionsList.querySelector(`[data-option="${CSS.escape(name)}"]`);
      box = input && byId(`${input.id}-error`);
    }
    if (!box) return false;
    box.textContent = message;
    show(box, Boolean(message));
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    return true;
  }

  #focusField(field) {
    if (field === 'prompt') this.prompt.focus();
    else if (field === 'model') this.modelList.querySelector('input:checked')?.focus();
    else this.optionsList.querySelector(`[data-option="${CSS.escape(field.slice(8).split('.')[0])}"]`)?.focus();
  }

  #formError(message) {
    const el = byId('form-error');
    el.textContent = message;
    show(el, Boolean(message));
  }

  #clearErrors() {
    this.#formError('');
    this.#fieldError('prompt', '');
    this.#fieldError('model', '');
    for (const input of this.optionsList.querySelectorAll('[data-option]')) {
      this.#fieldError(`options.${input.dataset.option}`, '');
    }
  }

  #notice(message, retry = null) {
    const el = byId('studio-error');
    replaceChildren(el, message, retry ? [' ', h('button', { type: 'button', class: 'btn btn--link', onclick: () => { show(el, false); retry(); } }, 'Try again')] : null);
    show(el, Boolean(message));
  }

  #updateCounter() {
    const n = this.prompt.value.length;
    this.counter.textContent = `${n} / ${PROMPT_MAX}`;
    this.counter.classList.toggle('counter--near', n >= PROMPT_MAX * 0.9);
    this.counter.classList.toggle('counter--full', n >= PROMPT_MAX);
  }

  #renderQuota() {
    const q = this.quota;
    const el = byId('quota-summary');
    if (!q) {
      el.textContent = '';
      return;
    }
    el.textContent = `${formatUsd(q.remaining_usd)} left`;
    el.title = `${formatUsd(q.spent_usd)} of ${formatUsd(q.monthly_limit_usd)} spent in ${q.period}`;
    const price = this.selected?.price?.usd;
    el.classList.toggle('topbar__quota--low', price !== undefined && q.remaining_usd < price);
  }
}

/** One option input from its catalog spec. */
function optionField(name, spec, savedValue, onInput) {
  const id = `opt-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const value = savedValue !== undefined ? savedValue : spec.default;
  const errorId = `${id}-error`;
  const common = { id, name, 'data-option': name, 'aria-describedby': errorId };
  let input;
  let hint = null;
  switch (spec.type) {
    case 'enum': {
      input = h(
        'select',
        common,
        (spec.values || []).map((v) => h('option', { value: String(v) }, formatEnumValue(v))),
      );
      if (value !== undefined) input.value = String(value);
      break;
    }
    case 'integer':
    case 'number': {
      input = h('input', {
        ...common,
        type: 'number',
        inputmode: spec.type === 'integer' ? 'numeric' : 'decimal',
        step: spec.type === 'integer' ? '1' : 'any',
        min: spec.min,
        max: spec.max,
        placeholder: spec.default === undefined ? 'default' : null,
      });
      if (value !== undefined && value !== null) input.value = String(value);
      if (spec.min !== undefined || spec.max !== undefined) {
        hint = `${spec.min ?? ''}–${spec.max ?? ''}`;
      }
      break;
    }
    case 'boolean': {
      input = h('input', { ...common, type: 'checkbox' });
      input.checked = Boolean(value);
      input.addEventListener('change', onInput);
      return h(
        'div',
        { class: 'option option--check' },
        input,
        h('label', { for: id }, humanize(name)),
        h('p', { id: errorId, class: 'field__error', hidden: true }),
      );
    }
    default:
      input = h('input', { ...common, type: 'text', autocomplete: 'off' });
      if (value !== undefined && value !== null) input.value = String(value);
  }
  input.addEventListener('input', onInput);
  input.addEventListener('change', onInput);
  return h(
    'div',
    { class: 'option' },
    h('label', { for: id }, humanize(name), hint ? h('span', { class: 'option__range' }, ` (${hint})`) : null),
    input,
    h('p', { id: errorId, class: 'field__error', hidden: true }),
  );
}
