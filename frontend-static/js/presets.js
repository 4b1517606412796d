// Style presets in the composer: save the chosen model's options and an optional prompt suffix
// under a name, then apply, rename or delete them. They are the server's (GET/POST/PATCH/DELETE
// /api/presets), so they follow the person to any browser. Applying one to another model keeps
// what that model takes (preset-fit.js, the server's rule with the catalog the page has) and
// says, in visible text that is announced, what it dropped.

import { byId, h, show, replaceChildren } from './dom.js';
import { humanize, formatEnumValue } from './format.js';
import { fitOptions, withSuffix } from './preset-fit.js';

/** An option's value as the composer shows it. */
function shown(value) {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return formatEnumValue(value);
}

/** "aspect ratio 21:9, size 4K" */
function listed(entries) {
  return entries.map(([name, value]) => `${humanize(name).toLowerCase()} ${shown(value)}`).join(', ');
}

/** What applying `preset` to `model` did, in words: set, dropped and why. */
export function describeFit(preset, model, { kept, dropped }, suffixAdded) {
  const parts = [`Applied “${preset.name}” to ${model.name}.`];
  const set = Object.entries(kept);
  if (set.length) parts.push(`Set: ${listed(set)}.`);
  const notTaken = dropped.filter((d) => d.reason === 'not_taken').map((d) => [d.name, d.value]);
  const refused = dropped.filter((d) => d.reason === 'refused').map((d) => [d.name, d.value]);
  if (notTaken.length) parts.push(`Dropped, as ${model.name} does not take ${notTaken.length === 1 ? 'it' : 'them'}: ${listed(notTaken)}.`);
  if (refused.length) parts.push(`Dropped, as ${model.name} does not accept ${refused.length === 1 ? 'that value' : 'those values'}: ${listed(refused)}.`);
  if (suffixAdded) parts.push('Its prompt suffix was added to the prompt.');
  return parts.join(' ');
}

export class PresetBar {
  /**
   * @param {import('./api.js').Api} api
   * @param {{current: () => {model: object|null, options: object, errors: object[]},
   *   apply: (kept: object, suffixed: ((prompt: string) => string)|null) => boolean,
   *   models: () => Map<string, object>}} hooks
   * `current` is the composer's model and options; `apply` sets kept options on it and the
   * prompt to `suffixed(prompt)`, the prompt with the preset's suffix (true when that changed
   * it; null: no suffix); `models` the catalog by id.
   */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.presets = [];
    this.loaded = false;
    this.select = byId('preset-select');
    this.status = byId('preset-status');
    this.error = byId('preset-error');
    this.name = byId('preset-name');
    this.suffix = byId('preset-suffix');
    this.renameBox = byId('preset-rename-box');
    this.renameName = byId('preset-rename-name');
    byId('preset-apply').addEventListener('click', () => this.apply());
    byId('preset-rename').addEventListener('click', () => this.#startRename());
    byId('preset-delete').addEventListener('click', () => this.remove());
    byId('preset-save').addEventListener('click', () => this.save());
    byId('preset-rename-save').addEventListener('click', () => this.rename());
    byId('preset-rename-cancel').addEventListener('click', () => this.#endRename());
    this.select.addEventListener('change', () => this.#renderButtons());
    // Enter in a preset field acts on the preset, never starts a job (the composer's form).
    const onEnter = (fn) => (e) => {
      if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        e.stopPropagation();
        fn();
      }
    };
    this.name.addEventListener('keydown', onEnter(() => this.save()));
    this.suffix.addEventListener('keydown', onEnter(() => this.save()));
    this.renameName.addEventListener('keydown', onEnter(() => this.rename()));
    this.renameName.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.#endRename();
    });
    this.#render();
  }

  /** After sign-in: the person's presets. */
  async load() {
    try {
      const { presets } = await this.api.presets();
      this.presets = presets || [];
      this.loaded = true;
      this.#render();
    } catch (err) {
      this.#fail(`Could not load your presets: ${err.message}`);
    }
  }

  /** On sign-out. */
  reset() {
    this.presets = [];
    this.loaded = false;
    this.#endRename();
    this.#say('');
    this.#fail('');
    this.#render();
  }

  #chosen() {
    return this.presets.find((p) => p.id === this.select.value) || null;
  }

  #render(keep = this.select.value) {
    replaceChildren(
      this.select,
      h('option', { value: '' }, this.presets.length ? 'Choose a preset' : 'No presets yet'),
      this.presets.map((p) => h('option', { value: p.id }, `${p.name} (${this.hooks.models().get(p.model)?.name || p.model})`)),
    );
    this.select.value = this.presets.some((p) => p.id === keep) ? keep : '';
    this.#renderButtons();
  }

  #renderButtons() {
    const none = !this.#chosen();
    for (const id of ['preset-apply', 'preset-rename', 'preset-delete']) byId(id).disabled = none;
  }

  #say(message) {
    this.status.textContent = message;
    show(this.status, Boolean(message));
  }

  #fail(message) {
    this.error.textContent = message;
    show(this.error, Boolean(message));
  }

  /** Apply the chosen preset to the composer's model; say what was set and what was dropped. */
  apply() {
    const preset = this.#chosen();
    const { model } = this.hooks.current();
    if (!preset || !model) return;
    this.#fail('');
    const fit = fitOptions(model, preset.options);
    const suffix = preset.prompt_suffix || '';
    const suffixAdded = this.hooks.apply(fit.kept, suffix ? (prompt) => withSuffix(prompt, suffix) : null);
    this.#say(describeFit(preset, model, fit, suffixAdded));
  }

  /** Save the composer's model and options (and the suffix) under the name typed. */
  async save() {
    const { model, options, errors } = this.hooks.current();
    this.#fail('');
    if (!model) return;
    const name = this.name.value.trim();
    if (!name) {
      this.#fail('Name the preset first.');
      this.name.focus();
      return;
    }
    if (errors.length) {
      this.#fail(`Fix the options first: ${errors[0].message}`);
      return;
    }
    try {
      const { preset } = await this.api.createPreset({ name, model: model.id, options, promptSuffix: this.suffix.value });
      this.presets = [preset, ...this.presets];
      this.#render(preset.id);
      this.name.value = '';
      this.suffix.value = '';
      this.#say(`Saved “${preset.name}”: the options of ${model.name}${preset.prompt_suffix ? ' and a prompt suffix' : ''}.`);
    } catch (err) {
      this.#fail(err.message);
      (err.field === 'prompt_suffix' ? this.suffix : this.name).focus();
    }
  }

  #startRename() {
    const preset = this.#chosen();
    if (!preset) return;
    byId('preset-rename-label').textContent = `New name for “${preset.name}”`;
    this.renameName.value = preset.name;
    show(this.renameBox, true);
    this.renameName.focus();
    this.renameName.select();
  }

  #endRename() {
    const was = !this.renameBox.hidden;
    show(this.renameBox, false);
    if (was) byId('preset-rename').focus();
  }

  async rename() {
    const preset = this.#chosen();
    if (!preset) return;
    this.#fail('');
    try {
      const { preset: renamed } = await this.api.renamePreset(preset.id, this.renameName.value);
      this.presets = this.presets.map((p) => (p.id === renamed.id ? renamed : p));
      this.#render(renamed.id);
      this.#endRename();
      this.#say(`Renamed to “${renamed.name}”.`);
    } catch (err) {
      this.#fail(err.message);
      this.renameName.focus();
    }
  }

  async remove() {
    const preset = this.#chosen();
    if (!preset || !window.confirm(`Delete the preset “${preset.name}”?`)) return;
    this.#fail('');
    try {
      await this.api.deletePreset(preset.id);
    } catch (err) {
      if (err.status !== 404) {
        this.#fail(`Could not delete “${preset.name}”: ${err.message}`);
        return;
      }
    }
    this.presets = this.presets.filter((p) => p.id !== preset.id);
    this.#render('');
    this.select.focus();
    this.#say(`Deleted “${preset.name}”.`);
  }
}
