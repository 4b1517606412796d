// Visual story: one prompt told as 2–8 consistent frames (POST /api/stories, one Seedream 4
// sequential run). The page shows the exact estimate, then a strip that reads left to right,
// each frame with its caption (text, never markup), frames filled in as they arrive. The address
// names the story (?story=<id>), so a reload shows it again. "Save story" saves every frame to
// the gallery (the batch save); "Export sheet" downloads one PNG, "Export zip" the frames.

import { byId, h, show, replaceChildren, announce, newUuid } from './dom.js';
import { formatUsd, formatDateTime } from './format.js';
import { storyEstimate } from './catalog.js';
import { drawSheet, zipFrames, download, slug } from './story-sheet.js';
import { OwnedPage } from './owned-page.js';
import { openShareDialog } from './share-dialog.js';

const POLL_MS = 1200;
const MODEL = 'seedream-4';
const RUNNING = ['queued', 'running'];

export class StoryView extends OwnedPage {
  /**
   * @param {import('./api.js').Api} api
   * @param {{onSpend: () => void}} hooks onSpend: money was reserved or charged (the top bar's
   *   spend refreshes)
   */
  constructor(api, { onSpend }) {
    super({ param: 'story', view: byId('story-view'), error: byId('story-error'), history: byId('story-history') });
    this.api = api;
    this.onSpend = onSpend;
    this.form = byId('story-form');
    this.prompt = byId('story-prompt');
    this.frames = byId('story-frames');
    this.estimateEl = byId('story-estimate');
    this.submit = byId('story-submit');
    this.status = byId('story-status');
    this.strip = byId('story-strip');
    this.actions = byId('story-actions');
    this.model = null;
    this.current = null;
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.start();
    });
    this.frames.addEventListener('input', () => this.#refreshEstimate());
    byId('story-save').addEventListener('click', () => this.#saveAll());
    byId('story-share').addEventListener('click', () => this.currentId && openShareDialog(this.api, 'story', this.currentId));
    byId('story-sheet').addEventListener('click', () => this.#export('sheet'));
    byId('story-zip').addEventListener('click', () => this.#export('zip'));
  }

  /** The story named in the address, if any. */
  static addressed() {
    return OwnedPage.addressedAs('story');
  }

  async open() {
    show(this.view, true);
    if (!this.model) {
      try {
        this.model = ((await this.api.models()).models || []).find((m) => m.id === MODEL) || null;
      } catch (err) {
        this.showError(err.message);
      }
    }
    this.#refreshEstimate();
    const id = StoryView.addressed();
    if (id && id !== this.currentId) await this.load(id);
    this.#loadHistory();
  }

  #count() {
    const n = Number(this.frames.value);
    return Number.isInteger(n) && n >= 2 && n <= 8 ? n : null;
  }

  #refreshEstimate() {
    const n = this.#count();
    const usd = n && this.model ? storyEstimate(this.model, n) : null;
    this.estimateEl.textContent =
      n === null
        ? 'A story has 2 to 8 frames.'
        : usd === null
          ? `${n} frames.`
          : `Estimate: ${formatUsd(usd)} (${n} frames × ${formatUsd(usd / n)}); only the frames returned are charged.`;
    this.submit.disabled = n === null;
  }

  async start() {
    const prompt = this.prompt.value.trim();
    const frames = this.#count();
    this.hideError();
    if (!prompt) {
      this.showError('Write the story to tell.');
      this.prompt.focus();
      return;
    }
    if (frames === null) {
      this.showError('Pick 2 to 8 frames.');
      this.frames.focus();
      return;
    }
    this.submit.disabled = true;
    try {
      const body = await this.api.createStory({ prompt, frames }, newUuid());
      announce(`Story of ${frames} frames started.`);
      this.onSpend();
      await this.load(body.story.id);
      this.#loadHistory();
    } catch (err) {
      this.showError(err.message);
    } finally {
      this.#refreshEstimate();
    }
  }

  /** Shows a story and polls it until its frames are in. */
  async load(id) {
    this.stop();
    this.address(id);
    let body;
    try {
      body = await this.api.story(id);
    } catch (err) {
      this.showError(err.status === 404 ? 'That story was not found.' : err.message);
      this.current = null;
      replaceChildren(this.strip);
      show(this.actions, false);
      return;
    }
    if (this.currentId !== id) return;
    this.current = body;
    this.#render(body);
    if (RUNNING.includes(body.story.status)) this.poll(() => this.load(id), POLL_MS);
    else {
      announce(body.story.status === 'succeeded' ? 'The story is ready.' : `The story ${body.story.status}.`);
      this.onSpend();
    }
  }

  #render({ story, job, frames }) {
    const arrived = frames.filter((f) => f.asset).length;
    const cost = RUNNING.includes(story.status) ? `up to ${formatUsd(story.estimated_cost_usd)}` : formatUsd(story.cost_usd);
    this.status.textContent = `“${story.prompt}”: ${arrived} of ${frames.length} frames. Cost ${cost}.`;
    const failed = !RUNNING.includes(story.status) && story.status !== 'succeeded';
    replaceChildren(this.strip, frames.map((f) => this.#frame(f, frames.length, story.status, failed ? job?.error?.message : null)));
    show(this.actions, arrived > 0);
    const save = byId('story-save');
    const allSaved = frames.every((f) => !f.asset || f.asset.saved);
    save.textContent = allSaved ? 'Story saved' : 'Save story';
    save.setAttribute('aria-pressed', String(allSaved));
  }

  #frame({ index, caption, asset }, total, status, failure) {
    let body;
    if (asset) {
      body = h('img', { class: 'storyv__img', src: asset.url, alt: `Frame ${index + 1} of ${total}: ${caption}`, width: asset.width, height: asset.height });
    } else {
      const text = RUNNING.includes(status) ? 'Drawing…' : failure || 'Not drawn (not charged).';
      body = h('p', { class: 'storyv__wait' }, text);
    }
    return h(
      'li',
      { class: 'storyv__frame', dataset: { index: String(index), arrived: asset ? 'true' : 'false' } },
      body,
      h('p', { class: 'storyv__caption' }, h('span', { class: 'storyv__num' }, `${index + 1}. `), caption),
    );
  }

  #drawn() {
    return (this.current?.frames || []).filter((f) => f.asset);
  }

  async #saveAll() {
    const ids = this.#drawn().map((f) => f.asset.id);
    if (!ids.length) return;
    try {
      const { results } = await this.api.batchAssets('save', ids);
      const bad = (results || []).filter((r) => r.status !== 'ok' && r.status !== 'saved');
      if (bad.length) this.showError(`${bad.length} frame(s) could not be saved.`);
      for (const f of this.#drawn()) f.asset.saved = true;
      this.#render(this.current);
      announce('The story is saved to the gallery.');
    } catch (err) {
      this.showError(err.message);
    }
  }

  async #export(kind) {
    const story = this.current?.story;
    if (!story) return;
    const frames = this.current.frames.map((f) => ({ url: f.asset?.url || null, caption: f.caption }));
    const name = `story-${slug(story.prompt)}`;
    this.hideError();
    try {
      if (kind === 'sheet') download(await drawSheet(frames, story.prompt), `${name}.png`);
      else download(await zipFrames(frames), `${name}.zip`);
      announce(kind === 'sheet' ? 'The sheet is downloading.' : 'The zip is downloading.');
    } catch (err) {
      this.showError(err.message);
    }
  }

  #loadHistory() {
    return this.renderHistory(
      async () => (await this.api.stories({ limit: 10 })).stories,
      (s) => `${s.prompt} — ${s.frames} frames, ${formatDateTime(s.created_at)}`,
    );
  }
}
