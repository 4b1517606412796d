// Where the studio's composer says what is wrong with a request: beside the field the API (or
// the page's own check) names, with `aria-invalid` on it, and the focus moved there; or above
// the start button for what belongs to no field (a spending limit reached, too many requests).

import { byId, show } from './dom.js';

/** The request fields of a video's frames (`reference_asset_ids[1]` included). */
function isFrameField(field) {
  return /^(start_frame_asset_id|end_frame_asset_id|reference_asset_ids)/.test(field);
}

export class ComposerErrors {
  /**
   * @param {{prompt: HTMLElement, controls: import('./composer-options.js').ComposerOptions,
   *   frames: import('./frames.js').FramePicker, modelList: HTMLElement}} parts the studio,
   *   whose parts are read when a message is shown
   */
  constructor(parts) {
    this.parts = parts;
  }

  /** Shows `message` beside the field an API path names ("prompt", "options.x",
   * "source_asset_ids"); '' clears it. False when no field of the composer has that name. */
  field(field, message) {
    const { prompt, controls } = this.parts;
    let input;
    let box;
    if (field === 'prompt') {
      input = prompt;
      box = byId('prompt-error');
    } else if (field === 'model') {
      box = byId('model-error');
    } else if (field.startsWith('source_asset_ids')) {
      box = byId('sources-error');
    } else if (isFrameField(field)) {
      box = byId('frames-error');
    } else if (field.startsWith('options.')) {
      const name = field.slice('options.'.length).split('.')[0];
      input = controls.input(name);
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

  /** Moves the focus to the field an API path names. */
  focus(field) {
    const { prompt, controls, frames, modelList } = this.parts;
    if (field === 'prompt') prompt.focus();
    else if (field === 'model') modelList.querySelector('input:checked')?.focus();
    else if (field.startsWith('source_asset_ids')) byId('file-input').focus();
    else if (isFrameField(field)) frames.focus();
    else controls.input(field.slice(8).split('.')[0])?.focus();
  }

  /** The message above the start button; '' clears it. */
  form(message) {
    const el = byId('form-error');
    el.textContent = message;
    show(el, Boolean(message));
  }

  /** Clears every message. */
  clear() {
    this.form('');
    for (const f of ['prompt', 'model', 'source_asset_ids', 'start_frame_asset_id']) this.field(f, '');
    for (const name of this.parts.controls.names()) this.field(`options.${name}`, '');
  }

  /** An API error of a start: beside its field, or above the button. `onQuota` runs when the
   * spending limit was reached (the page's own figures may be stale). */
  api(err, onQuota) {
    if (err.status === 429 && err.code === 'quota_exceeded') {
      // The server's message has the figures.
      this.form(`Monthly spending limit reached: ${err.message} Nothing was charged for this request.`);
      onQuota();
      return;
    }
    if (err.status === 429) {
      // The server's message says how long; the time of day makes it plain when that is.
      const wait = err.retryAfter
        ? `You can try again at ${new Date(Date.now() + err.retryAfter * 1000).toLocaleTimeString()} (in ${err.retryAfter} s).`
        : 'Wait a moment and try again.';
      this.form(`Too many requests: ${err.message} ${wait}`);
      return;
    }
    if (err.status === 400 && err.field && this.field(err.field, err.message)) {
      this.focus(err.field);
      return;
    }
    this.form(err.message);
  }
}
