// The Video mode's frames: a start frame, an end frame, or reference images, each one of the
// person's own images (uploads, gallery items, earlier results), chosen in a dialog or uploaded.
// What a model takes comes from its catalog entry (`frames`); nothing here names a model.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { frameInputs } from './catalog.js';
import { truncate } from './format.js';

const PAGE_SIZE = 24;
const SLOT_TEXT = {
  start_frame: 'Start frame',
  end_frame: 'End frame',
  references: 'Reference image',
};

export class FramePicker {
  /**
   * @param {import('./api.js').Api} api
   * @param {{onChange: () => void}} hooks
   */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.box = byId('frames');
    this.modeBox = byId('frame-mode');
    this.slots = byId('frame-slots');
    this.hint = byId('frames-hint');
    this.error = byId('frames-error');
    this.dialog = byId('frame-dialog');
    this.choices = byId('frame-choices');
    this.more = byId('frame-more');
    this.model = null;
    this.mode = 'frames'; // or 'references'
    this.start = null;
    this.end = null;
    this.refs = [];
    this.target = null; // the slot the dialog fills
    this.cursor = null;
    this.generation = 0;
    for (const radio of this.modeBox.querySelectorAll('input[name="frame-mode"]')) {
      radio.addEventListener('change', () => this.setMode(radio.value));
    }
    byId('frame-dialog-close').addEventListener('click', () => this.dialog.close());
    this.more.addEventListener('click', () => this.#loadChoices(this.cursor));
  }

  get inputs() {
    return frameInputs(this.model);
  }

  /** The model changed: keep what it still takes. */
  setModel(model) {
    this.model = model;
    if (!this.inputs.references) this.mode = 'frames';
    if (!this.inputs.end_frame) this.end = null;
    if (!this.inputs.start_frame) this.start = null;
    this.render();
  }

  setMode(mode) {
    this.mode = mode === 'references' && this.inputs.references ? 'references' : 'frames';
    this.render();
    this.hooks.onChange();
  }

  reset() {
    this.start = null;
    this.end = null;
    this.refs = [];
    this.mode = 'frames';
    this.render();
  }

  /** A photo just uploaded in Video mode fills the first empty slot of the current mode. */
  takeUpload(asset) {
    if (this.mode === 'references') {
      const max = this.inputs.references?.max ?? 3;
      if (this.refs.length < max) this.refs.push(asset);
      else this.refs[this.refs.length - 1] = asset;
    } else if (!this.start || !this.inputs.end_frame) this.start = asset;
    else this.end = asset;
    this.render();
    this.hooks.onChange();
    announce(`Uploaded photo set as the ${this.mode === 'references' ? 'reference image' : this.end === asset ? 'end frame' : 'start frame'}.`);
  }

  /** A job's frames back into the picker ("Use these settings"). */
  async load(job) {
    const get = async (id) => (id ? (await this.api.asset(id)).asset : null);
    this.mode = (job.reference_asset_ids || []).length ? 'references' : 'frames';
    try {
      this.start = await get(job.start_frame_asset_id);
      this.end = await get(job.end_frame_asset_id);
      this.refs = (await Promise.all((job.reference_asset_ids || []).map(get))).filter(Boolean);
    } catch {
      this.start = this.end = null;
      this.refs = [];
      this.showError('Some frames of that job are no longer available.');
    }
    this.render();
  }

  /** The frame inputs in use: reference mode, or the start and end frames chosen. */
  roles() {
    if (this.mode === 'references') return ['references'];
    return [this.start && 'start_frame', this.end && 'end_frame'].filter(Boolean);
  }

  /** The frame fields of `POST /api/videos/generate`. */
  request() {
    if (this.mode === 'references') return this.refs.length ? { reference_asset_ids: this.refs.map((a) => a.id) } : {};
    const out = {};
    if (this.start) out.start_frame_asset_id = this.start.id;
    if (this.end) out.end_frame_asset_id = this.end.id;
    return out;
  }

  /** The checks the server makes, before sending: [{field, message}]. */
  problems() {
    const out = [];
    if (this.mode === 'references') {
      const spec = this.inputs.references;
      if (spec && this.refs.length < (spec.min ?? 1)) out.push({ field: 'reference_asset_ids', message: 'Choose at least one reference image, or switch to start and end frames.' });
    } else if (this.end && !this.start) {
      out.push({ field: 'end_frame_asset_id', message: 'An end frame needs a start frame: choose a start frame too.' });
    }
    return out;
  }

  showError(message) {
    this.error.textContent = message;
    show(this.error, Boolean(message));
  }

  focus() {
    this.slots.querySelector('button')?.focus();
  }

  render() {
    const inputs = this.inputs;
    show(this.modeBox, Boolean(inputs.references));
    for (const radio of this.modeBox.querySelectorAll('input[name="frame-mode"]')) radio.checked = radio.value === this.mode;
    const name = this.model?.name || 'This model';
    const rows = [];
    if (this.mode === 'references') {
      const spec = inputs.references || { max: 3 };
      this.refs.forEach((asset, i) => rows.push(this.#slot(`${SLOT_TEXT.references} ${i + 1}`, asset, () => this.#pick({ ref: i }), () => this.#removeRef(i))));
      if (this.refs.length < spec.max) rows.push(this.#addRow(`Add a reference image (${this.refs.length} of ${spec.max})`, () => this.#pick({ ref: this.refs.length })));
      const refused = (spec.excludes_options || []).map((k) => `, no ${k.replace(/_/g, ' ')}`).join('');
      this.hint.textContent = `${name} keeps the people, objects or style of 1 to ${spec.max} reference images. Reference mode has no start or end frame${refused}${pins(spec)}.`;
    } else {
      if (inputs.start_frame) rows.push(this.#slot(`${SLOT_TEXT.start_frame} (optional)`, this.start, () => this.#pick('start'), () => this.#clear('start')));
      if (inputs.end_frame) rows.push(this.#slot(`${SLOT_TEXT.end_frame} (optional, needs a start frame${pins(inputs.end_frame, ' and ')})`, this.end, () => this.#pick('end'), () => this.#clear('end')));
      this.hint.textContent = inputs.start_frame
        ? `Without frames, ${name} makes the video from the prompt alone. Upload a photo or choose one of yours.`
        : `${name} makes the video from the prompt alone.`;
    }
    replaceChildren(this.slots, rows);
    this.showError('');
  }

  #slot(label, asset, choose, remove) {
    return h(
      'li',
      { class: 'source frame' },
      asset?.url
        ? h('img', { class: 'source__thumb', src: asset.thumb_url || asset.url, alt: '', width: 48, height: 48 })
        : h('span', { class: 'source__thumb source__thumb--empty', 'aria-hidden': 'true' }),
      h('span', { class: 'source__label' }, label, h('span', { class: 'frame__state' }, asset ? `: ${describe(asset)}` : ': none')),
      h('button', { type: 'button', class: 'btn btn--link', onclick: choose }, asset ? 'Change' : 'Choose…', h('span', { class: 'visually-hidden' }, ` ${label}`)),
      asset ? h('button', { type: 'button', class: 'btn btn--link', onclick: remove }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${label}`)) : null,
    );
  }

  #addRow(label, choose) {
    return h('li', { class: 'source frame' }, h('button', { type: 'button', class: 'btn btn--ghost btn--small', onclick: choose }, label));
  }

  #clear(which) {
    this[which] = null;
    if (which === 'start') this.end = null; // an end frame alone is not allowed
    this.render();
    this.hooks.onChange();
    this.focus();
  }

  #removeRef(i) {
    this.refs.splice(i, 1);
    this.render();
    this.hooks.onChange();
    this.focus();
  }

  #pick(target) {
    this.target = target;
    this.dialog.showModal();
    this.#loadChoices(null);
  }

  #choose(asset) {
    const t = this.target;
    if (t === 'start') this.start = asset;
    else if (t === 'end') this.end = asset;
    else if (t && Number.isInteger(t.ref)) {
      if (this.refs.some((a) => a.id === asset.id)) {
        this.dialog.close();
        this.showError('That image is already a reference.');
        return;
      }
      this.refs[t.ref] = asset;
    }
    this.dialog.close();
    this.render();
    this.hooks.onChange();
    this.focus();
    announce(`Chose ${describe(asset)}.`);
  }

  async #loadChoices(cursor) {
    const gen = ++this.generation;
    if (!cursor) replaceChildren(this.choices, h('li', { class: 'frames__loading' }, 'Loading your images…'));
    this.more.disabled = true;
    try {
      const page = await this.api.assets({ kind: 'image', limit: PAGE_SIZE, cursor });
      if (gen !== this.generation) return;
      if (!cursor) this.choices.replaceChildren();
      for (const asset of page.assets || []) {
        this.choices.append(
          h(
            'li',
            { class: 'frames__choice' },
            h(
              'button',
              { type: 'button', class: 'tile__open', onclick: () => this.#choose(asset), dataset: { assetId: asset.id } },
              h('img', { class: 'tile__img', src: asset.url, alt: '', loading: 'lazy', width: asset.width, height: asset.height }),
              h('span', { class: 'visually-hidden' }, `Use ${describe(asset)}`),
            ),
          ),
        );
      }
      if (!this.choices.children.length) {
        this.choices.append(h('li', { class: 'empty' }, 'No images yet: close this and upload a photo.'));
      }
      this.cursor = page.next_cursor || null;
    } catch (err) {
      if (gen !== this.generation) return;
      replaceChildren(this.choices, h('li', { class: 'notice notice--error' }, `Could not load your images: ${err.message}`));
      this.cursor = null;
    } finally {
      this.more.disabled = false;
      show(this.more, Boolean(this.cursor));
    }
  }
}

/** ` and needs duration 8 s`: the option values a frame input pins, in words, after `lead`. */
function pins(spec, lead = ' and needs ') {
  const pinned = Object.entries(spec?.options || {}).map(([k, v]) => `${k.replace(/_/g, ' ')} ${k === 'duration' ? `${v} s` : v}`);
  return pinned.length ? `${lead}${pinned.join(' and ')}` : '';
}

function describe(asset) {
  const what = asset.source === 'upload' ? 'uploaded photo' : 'result';
  return asset.prompt ? `${what} “${truncate(asset.prompt, 40)}”` : `${what} …${String(asset.id).slice(-6)}`;
}
