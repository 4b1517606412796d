// The composer's model and option controls: the models of the current mode (radio list), one
// input per option of the chosen model (options.js), the values typed for each model kept across
// switches, and the options a video's frames pin (shown set and locked, with why).

import { h, show, replaceChildren } from './dom.js';
import { formatPrice } from './format.js';
import { optionField, readOptions } from './options.js';

export class ComposerOptions {
  /**
   * @param {{modelList: HTMLElement, optionsBox: HTMLElement, optionsList: HTMLElement,
   *   onPick: (id: string) => void, onInput: (name: string) => void}} parts
   * `onPick` runs when the person picks a model in the list, `onInput` when an option changes.
   */
  constructor({ modelList, optionsBox, optionsList, onPick, onInput }) {
    this.modelList = modelList;
    this.optionsBox = optionsBox;
    this.optionsList = optionsList;
    this.onPick = onPick;
    this.onInput = onInput;
    /** The chosen model (a catalog entry), or null. */
    this.selected = null;
    this.values = new Map(); // model id → {name: value}, kept across switches
  }

  /** The models to choose from (one mode's). */
  renderModels(list) {
    replaceChildren(
      this.modelList,
      list.map((m) => {
        const id = `model-${m.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        const input = h('input', { type: 'radio', name: 'model', id, value: m.id, class: 'model__radio', 'aria-describedby': `${id}-price` });
        input.addEventListener('change', () => this.onPick(m.id));
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

  /** Choose `model`: the values of the one before are kept for when it comes back. */
  select(model) {
    if (this.selected) this.values.set(this.selected.id, this.read().values);
    this.selected = model;
    for (const radio of this.modelList.querySelectorAll('input[name="model"]')) radio.checked = radio.value === model.id;
    this.#render(model);
  }

  /** No model (a mode without any): no options shown. */
  clear() {
    this.selected = null;
    this.#render(null);
  }

  /** Drop the choice without keeping its values (settings loaded over them come next). */
  forget() {
    this.selected = null;
  }

  /** The values a model's inputs get when it is next chosen. */
  remember(modelId, values) {
    this.values.set(modelId, { ...values });
  }

  /** The chosen model's options as typed: {values, errors} (options.js). */
  read() {
    return readOptions(this.selected, this.optionsList);
  }

  /** The input of one option, or null. */
  input(name) {
    return this.optionsList.querySelector(`[data-option="${CSS.escape(name)}"]`);
  }

  /** The names of the options shown. */
  names() {
    return [...this.optionsList.querySelectorAll('[data-option]')].map((i) => i.dataset.option);
  }

  #render(model) {
    const saved = (model && this.values.get(model.id)) || {};
    const entries = Object.entries(model?.options || {});
    show(this.optionsBox, entries.length > 0);
    replaceChildren(
      this.optionsList,
      entries.map(([name, spec]) => optionField(name, spec, saved[name], () => this.onInput(name))),
    );
  }

  /**
   * `pins`: {name: value} the frames in use need, `null` for an option they refuse (options.js
   * has no part in it: catalog.js pinnedOptions). Pinned inputs show the value (or empty) and are
   * locked; unpinned ones get back what they had.
   */
  applyPins(pins) {
    for (const input of this.optionsList.querySelectorAll('[data-option]')) {
      const name = input.dataset.option;
      if (Object.hasOwn(pins, name)) {
        if (!input.dataset.pinned) input.dataset.before = input.value;
        input.value = pins[name] === null ? '' : String(pins[name]);
        input.disabled = true;
        input.dataset.pinned = 'true';
        input.title = pins[name] === null ? 'Not with the chosen frames' : 'The chosen frames need this value';
      } else if (input.dataset.pinned) {
        input.disabled = false;
        input.value = input.dataset.before ?? input.value;
        delete input.dataset.pinned;
        input.removeAttribute('title');
      }
    }
  }
}
