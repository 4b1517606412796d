// The job history: cards (job-card.js) newest first, polling of unfinished jobs, lazy loading of the
// signed image URLs of finished ones, and "Load more". A result opens in the lightbox, which
// walks every loaded result of the history (and loads more of it past the end).

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { truncate } from './format.js';
import { LightboxSource } from './lightbox-source.js';
import { renderCard, tickCard, ACTIVE, STATUS_TEXT } from './job-card.js';

const PAGE_SIZE = 24;
const FAST_POLL_MS = 1000;
const SLOW_POLL_MS = 3000;
const FAST_PHASE_MS = 30_000;

export class JobList {
  /**
   * @param {import('./api.js').Api} api
   * @param {{modelName: (id: string) => string, onSettled?: (job) => void}} hooks
   */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.list = byId('jobs');
    this.empty = byId('jobs-empty');
    this.error = byId('jobs-error');
    this.count = byId('results-count');
    this.more = byId('load-more');
    this.entries = new Map(); // id → {job, assets, el, timer, ...}
    this.cursor = null;
    this.generation = 0; // bumps on reset, so late answers of an old session are dropped
    this.observer =
      'IntersectionObserver' in window
        ? new IntersectionObserver((items) => this.#onVisible(items), { rootMargin: '300px' })
        : null;
    this.more.addEventListener('click', () => this.loadMore());
    this.source = this.#source();
    this.card = {
      hooks,
      source: this.source,
      cancel: (id) => this.cancel(id),
      rerun: (entry) => this.#rerun(entry),
      imageFailed: (entry, el) => this.#imageFailed(entry, el),
      typicalSeconds: (model) => this.#typicalSeconds(model),
    };
    this.typical = null; // model id → measured typical seconds, once asked for (a running video)
    this.clock = setInterval(() => this.#tick(), 1000);
  }

  /** Forget everything (sign-out). */
  reset() {
    this.generation += 1;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.observer?.disconnect();
    this.entries.clear();
    this.typical = null;
    this.list.replaceChildren();
    this.cursor = null;
    show(this.more, false);
    show(this.empty, false);
    show(this.error, false);
    this.count.textContent = '';
  }

  /** First page of the history. */
  async loadInitial() {
    this.reset();
    await this.#loadPage(null);
  }

  async loadMore() {
    if (!this.cursor) return;
    await this.#loadPage(this.cursor);
  }

  async #loadPage(cursor) {
    const gen = this.generation;
    this.more.disabled = true;
    this.more.textContent = 'Loading…';
    show(this.error, false);
    try {
      const page = await this.api.jobs({ limit: PAGE_SIZE, cursor });
      if (gen !== this.generation) return;
      for (const job of page.jobs || []) {
        // Prompt rewrites (kind text) make no picture: the composer shows them, not this list.
        if (job.kind === 'text') continue;
        if (!this.entries.has(job.id)) this.#append(job);
      }
      this.cursor = page.next_cursor || null;
    } catch (err) {
      if (gen !== this.generation) return;
      this.error.textContent = `Could not load your jobs: ${err.message}`;
      show(this.error, true);
    } finally {
      this.more.disabled = false;
      this.more.textContent = 'Load more';
      show(this.more, Boolean(this.cursor));
      this.#updateCount();
    }
  }

  /** The lightbox's list: the results of the cards, in order; past the end, more of them. */
  #source() {
    const waiting = () => [...this.list.children].map((li) => this.entries.get(li.dataset.jobId)).find((e) => e?.job.status === 'succeeded' && !e.assets);
    const entryOf = (id) => [...this.entries.values()].find((e) => e.assets?.some((a) => a.id === id));
    return new LightboxSource({
      items: () => [...this.list.children].flatMap((li) => this.entries.get(li.dataset.jobId)?.assets || []),
      more: async () => {
        const entry = waiting();
        if (entry) return this.#loadAssets(entry).then(() => Boolean(entry.assets));
        const cursor = this.cursor;
        if (cursor) await this.loadMore();
        return Boolean(cursor) && this.cursor !== cursor;
      },
      hasMore: () => Boolean(this.cursor || waiting()),
      tile: (id) => this.list.querySelector(`[data-open-id="${CSS.escape(id)}"]`),
      job: (asset) => this.entries.get(asset.job_id)?.job || null,
      changed: (asset) => {
        const entry = entryOf(asset.id);
        if (entry) entry.assets = entry.assets.map((a) => (a.id === asset.id ? asset : a));
      },
      removed: (id) => {
        const entry = entryOf(id);
        if (!entry) return;
        entry.assets = entry.assets.filter((a) => a.id !== id);
        entry.deleted = [...(entry.deleted || []), id];
        this.#render(entry);
      },
      restored: (id) => {
        const entry = [...this.entries.values()].find((e) => e.deleted?.includes(id));
        if (entry) this.#loadAssets(entry);
      },
    });
  }

  /**
   * A model's typical run time (`typical_seconds` of GET /api/models), null while unknown. Read
   * once, when the first running video's card asks; its cards are drawn again when it comes.
   */
  #typicalSeconds(model) {
    if (!this.typical) {
      const gen = this.generation;
      this.typical = new Map();
      this.api
        .models()
        .then(({ models }) => {
          if (gen !== this.generation) return;
          for (const m of models || []) if (m.typical_seconds) this.typical.set(m.id, m.typical_seconds);
          for (const entry of this.entries.values()) if (entry.typical === null && this.typical.has(entry.job.model)) this.#render(entry);
        })
        .catch(() => {}); // no figure: the card claims none
    }
    return this.typical.get(model) ?? null;
  }

  async #rerun(entry) {
    try {
      await this.hooks.rerun(entry.job);
    } catch (err) {
      entry.connection = `Could not rerun: ${err.message}`;
      this.#render(entry);
    }
  }

  /** Cancel a queued or running job (job cards and the stage). */
  async cancel(jobId) {
    const entry = this.entries.get(jobId);
    if (entry) {
      entry.canceling = true;
      this.#render(entry);
    }
    try {
      const { job } = await this.api.cancelJob(jobId);
      if (entry) {
        entry.canceling = false;
        this.#update(entry, job, entry.assets);
      }
    } catch (err) {
      if (!entry) return;
      entry.canceling = false;
      // 409: it finished meanwhile; show what it became.
      if (err.status === 409) this.#loadAssets(entry);
      else {
        entry.connection = `Could not cancel: ${err.message}`;
        this.#render(entry);
      }
    }
  }

  /** Model names arrived after the cards were drawn. */
  rerenderNames() {
    for (const entry of this.entries.values()) {
      entry.renderKey = null; // names and the "Edit this" buttons depend on the catalog
      this.#render(entry);
    }
  }

  /** A job the user just started: goes on top and is polled. */
  addNew(job) {
    if (this.entries.has(job.id)) {
      // The same Idempotency-Key answered the job we already have.
      this.#update(this.entries.get(job.id), job, null);
      return;
    }
    const entry = this.#create(job);
    this.list.prepend(entry.el);
    this.#afterInsert(entry);
    this.#updateCount();
  }

  #append(job) {
    const entry = this.#create(job);
    this.list.append(entry.el);
    this.#afterInsert(entry);
  }

  #afterInsert(entry) {
    if (ACTIVE.has(entry.job.status)) this.#poll(entry);
    else if (entry.job.status === 'succeeded') {
      // Signed URLs are short-lived: fetch them when the card comes into view.
      if (this.observer) this.observer.observe(entry.el);
      else this.#loadAssets(entry);
    }
  }

  #create(job) {
    const el = h('li', { class: 'job', dataset: { jobId: job.id } });
    const entry = { job, assets: null, el, timer: null, pollStart: Date.now(), failures: 0, refetched: false };
    this.entries.set(job.id, entry);
    this.#render(entry);
    return entry;
  }

  #update(entry, job, assets) {
    const before = entry.job.status;
    entry.job = job;
    if (assets) entry.assets = assets;
    this.#render(entry);
    if (before !== job.status && !ACTIVE.has(job.status)) this.#settled(entry);
  }

  #settled(entry) {
    const { job } = entry;
    const what = `“${truncate(job.prompt, 60)}”`;
    if (job.status === 'succeeded') announce(`${job.kind === 'video' ? 'Video' : 'Image'} ready for ${job.prompt ? what : this.hooks.modelName(job.model)}.`);
    else if (job.status === 'failed') announce(`Generation failed for ${what}: ${job.error?.message || 'unknown error'}.`);
    else announce(`Job ${STATUS_TEXT[job.status] || job.status} for ${what}.`);
    this.hooks.onSettled?.(job, entry.assets || []);
  }

  #poll(entry) {
    const gen = this.generation;
    const tick = async () => {
      if (gen !== this.generation || !this.entries.has(entry.job.id)) return;
      try {
        const answer = await this.api.job(entry.job.id);
        if (gen !== this.generation) return;
        entry.failures = 0;
        entry.connection = null;
        entry.deleted = answer.deleted_asset_ids || [];
        this.#update(entry, answer.job, answer.assets || []);
        if (!ACTIVE.has(answer.job.status)) return;
      } catch (err) {
        if (gen !== this.generation) return;
        if (err.status === 401) return; // signed out; the app shows the sign-in form
        if (err.status === 404) {
          entry.connection = 'This job no longer exists.';
          this.#render(entry);
          return;
        }
        entry.failures += 1;
        entry.connection = 'Connection problem, retrying…';
        this.#render(entry);
      }
      const elapsed = Date.now() - entry.pollStart;
      const base = elapsed < FAST_PHASE_MS ? FAST_POLL_MS : SLOW_POLL_MS;
      const delay = entry.failures ? Math.min(15_000, base * 2 ** entry.failures) : base;
      entry.timer = setTimeout(tick, delay);
    };
    clearTimeout(entry.timer);
    entry.timer = setTimeout(tick, FAST_POLL_MS);
  }

  #onVisible(items) {
    for (const item of items) {
      if (!item.isIntersecting) continue;
      this.observer.unobserve(item.target);
      const entry = this.entries.get(item.target.dataset.jobId);
      if (entry && !entry.assets) this.#loadAssets(entry);
    }
  }

  async #loadAssets(entry) {
    const gen = this.generation;
    try {
      const answer = await this.api.job(entry.job.id);
      if (gen !== this.generation) return;
      entry.connection = null;
      entry.deleted = answer.deleted_asset_ids || [];
      this.#update(entry, answer.job, answer.assets || []);
    } catch (err) {
      if (gen !== this.generation || err.status === 401) return;
      entry.connection = `Could not load the image: ${err.message}`;
      this.#render(entry);
    }
  }

  /** An image failed to load: its signed URL may have expired. Fetch fresh URLs once. */
  #imageFailed(entry, img) {
    if (!entry.refetched) {
      entry.refetched = true;
      this.#loadAssets(entry);
      return;
    }
    const box = img.closest('.job__asset');
    if (box) replaceChildren(box, h('p', { class: 'job__missing' }, 'Image unavailable (it may have expired).'));
  }

  #render(entry) {
    renderCard(entry, this.card);
  }

  /** Once a second: elapsed time of running jobs, relative times of all. */
  #tick() {
    const now = Date.now();
    for (const entry of this.entries.values()) tickCard(entry, now);
  }

  #updateCount() {
    const n = this.entries.size;
    show(this.empty, n === 0 && !this.error.textContent);
    this.count.textContent = n ? `${n}${this.cursor ? '+' : ''} shown` : '';
  }
}
