// The job history: cards newest first, polling of unfinished jobs, lazy loading of the
// signed image URLs of finished ones, and "Load more". A result opens in the lightbox, which
// walks every loaded result of the history (and loads more of it past the end).

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { formatUsd, formatDuration, formatRelative, formatDateTime, truncate } from './format.js';
import { lightbox } from './lightbox.js';
import { LightboxSource } from './lightbox-source.js';
import { canRerun } from './rerun.js';
import { copyPrompt } from './shortcuts.js';

const PAGE_SIZE = 24;
const FAST_POLL_MS = 1000;
const SLOW_POLL_MS = 3000;
const FAST_PHASE_MS = 30_000;
const ACTIVE = new Set(['queued', 'running']);
const KIND_TEXT = { edit: 'Edit', restore: 'Restoration', video: 'Video', text: 'Text' };
const STATUS_TEXT = {
  queued: 'Queued',
  running: 'Generating',
  succeeded: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

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
    this.clock = setInterval(() => this.#tick(), 1000);
  }

  /** Forget everything (sign-out). */
  reset() {
    this.generation += 1;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.observer?.disconnect();
    this.entries.clear();
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
    const { job } = entry;
    // Polling answers the same job every second: rebuild only when something visible changed,
    // so spinners keep turning and images are not reloaded.
    const key = JSON.stringify([
      job.status, job.updated_at, job.cost_usd, job.error, entry.connection,
      entry.assets && entry.assets.map((a) => a.url), entry.deleted, entry.canceling,
    ]);
    if (entry.renderKey === key) return;
    entry.renderKey = key;
    const status = job.status;
    entry.el.dataset.status = status;
    const titleId = `job-${cssId(job.id)}-title`;
    replaceChildren(
      entry.el,
      h(
        'article',
        { class: 'job__card', 'aria-labelledby': titleId },
        h(
          'header',
          { class: 'job__head' },
          h(
            'h3',
            { class: 'job__model', id: titleId },
            job.kind && job.kind !== 'image' ? h('span', { class: 'job__kind' }, `${KIND_TEXT[job.kind] || job.kind} · `) : null,
            h('span', { class: 'job__model-name' }, this.hooks.modelName(job.model)),
          ),
          statusBadge(job),
        ),
        this.#media(entry),
        h('p', { class: 'job__prompt' }, job.prompt || h('em', {}, 'No prompt')),
        optionsLine(job.options),
        this.#sourcesLine(job),
        entry.connection ? h('p', { class: 'job__warning' }, entry.connection) : null,
        meta(job),
        h(
          'div',
          { class: 'job__actions' },
          ACTIVE.has(status)
            ? h(
                'button',
                { type: 'button', class: 'btn btn--ghost btn--small job__cancel', disabled: entry.canceling || false, onclick: () => this.cancel(job.id) },
                entry.canceling ? 'Canceling…' : 'Cancel',
                h('span', { class: 'visually-hidden' }, ` job${job.prompt ? ` “${truncate(job.prompt, 40)}”` : ''}`),
              )
            : null,
          h(
            'button',
            { type: 'button', class: 'btn btn--ghost btn--small job__reuse', onclick: () => this.hooks.useSettings?.(job) },
            'Use these settings',
            h('span', { class: 'visually-hidden' }, ` of ${this.hooks.modelName(job.model)}${job.prompt ? `, “${truncate(job.prompt, 40)}”` : ''}`),
          ),
          canRerun(job) && this.hooks.rerun
            ? h('button', { type: 'button', class: 'btn btn--ghost btn--small job__rerun', onclick: () => this.#rerun(entry) }, 'Rerun', h('span', { class: 'visually-hidden' }, ` ${this.hooks.modelName(job.model)}${job.prompt ? `, “${truncate(job.prompt, 40)}”` : ''}`))
            : null,
          job.prompt ? h('button', { type: 'button', class: 'btn btn--ghost btn--small job__copy', onclick: () => copyPrompt(job.prompt) }, 'Copy prompt', h('span', { class: 'visually-hidden' }, ` “${truncate(job.prompt, 40)}”`)) : null,
        ),
      ),
    );
  }

  #media(entry) {
    const { job, assets } = entry;
    const ratio = aspectRatio(job.options);
    if (ACTIVE.has(job.status) || (job.status === 'succeeded' && !assets)) {
      const video = job.kind === 'video';
      const label =
        job.status === 'queued'
          ? 'Waiting for a free worker…'
          : job.status === 'running'
            ? video
              ? `The model is filming… a video usually takes ${VIDEO_TYPICAL_TEXT}.`
              : 'The model is drawing…'
            : video
              ? 'Loading video…'
              : 'Loading image…';
      const box = h(
        'div',
        { class: 'job__placeholder' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('span', { class: 'job__placeholder-text' }, label),
        video && ACTIVE.has(job.status) ? videoProgress(job, Date.now()) : null,
      );
      box.style.aspectRatio = ratio;
      return box;
    }
    if (job.status === 'failed') {
      return h(
        'div',
        { class: 'job__failed' },
        h('p', { class: 'job__error' }, job.error?.message || 'The generation failed.'),
        job.error?.code ? h('p', { class: 'job__error-code' }, `Code: ${job.error.code}`) : null,
      );
    }
    if (job.status === 'canceled') {
      return h('div', { class: 'job__failed' }, h('p', { class: 'job__error' }, 'This job was canceled.'));
    }
    const deleted = entry.deleted?.length || 0;
    if (!assets.length) {
      return h('p', { class: 'job__missing' }, deleted ? `You deleted the result of this job (${deleted === 1 ? 'one image' : `${deleted} images`}).` : 'No output was produced.');
    }
    return h(
      'div',
      { class: `job__assets job__assets--${Math.min(assets.length, 4)}` },
      assets.map((asset, i) => this.#asset(entry, asset, i, assets.length)),
      deleted ? h('p', { class: 'job__missing' }, `${deleted === 1 ? 'One image' : `${deleted} images`} of this job ${deleted === 1 ? 'was' : 'were'} deleted.`) : null,
    );
  }

  #asset(entry, asset, index, total) {
    const n = total > 1 ? ` (${index + 1} of ${total})` : '';
    const how = entry.job.kind === 'restore' ? `Restored with ${this.hooks.modelName(entry.job.model)}` : entry.job.kind === 'edit' ? 'Edited' : 'Generated';
    const alt = entry.job.prompt ? `${how} from “${truncate(entry.job.prompt, 100)}”${n}` : `${how}${n}`;
    let media;
    if (asset.kind === 'video') {
      media = h('video', {
        class: 'job__video',
        src: asset.url,
        controls: true,
        preload: 'metadata',
        playsinline: true,
        'aria-label': alt,
        width: asset.width,
        height: asset.height,
      });
      media.addEventListener('error', () => this.#imageFailed(entry, media));
    } else {
      const img = h('img', {
        class: 'job__image',
        src: asset.url,
        alt,
        loading: 'lazy',
        decoding: 'async',
        width: asset.width,
        height: asset.height,
      });
      img.addEventListener('error', () => this.#imageFailed(entry, img));
      img.addEventListener('load', () => img.classList.add('is-loaded'));
      // A link to the file (a middle or modified click still opens a tab); a click opens the lightbox.
      const open = (e) => {
        if (e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        lightbox.open(this.source, this.source.find(asset.id) || asset);
      };
      media = h('a', { class: 'job__open', href: asset.url, dataset: { openId: asset.id }, onclick: open }, img);
    }
    return h(
      'figure',
      { class: 'job__asset' },
      media,
      h(
        'figcaption',
        { class: 'job__asset-actions' },
        asset.width && asset.height ? h('span', { class: 'job__dims' }, `${asset.width}×${asset.height}`) : null,
        asset.kind !== 'video' && this.hooks.canEdit?.() !== false
          ? h(
              'button',
              { type: 'button', class: 'btn btn--link job__edit', onclick: () => this.hooks.editThis?.(asset) },
              'Edit this',
              h('span', { class: 'visually-hidden' }, ` image${n}`),
            )
          : null,
        asset.kind !== 'video' && this.hooks.canEdit?.() !== false
          ? h(
              'button',
              { type: 'button', class: 'btn btn--link job__edit', onclick: () => this.hooks.addSource?.(asset) },
              'Add to sources',
              h('span', { class: 'visually-hidden' }, ` (image${n})`),
            )
          : null,
        asset.kind !== 'video' && this.hooks.canEdit?.() !== false && this.hooks.vary
          ? h('button', { type: 'button', class: 'btn btn--link job__edit', onclick: () => this.hooks.vary(asset) }, 'Vary', h('span', { class: 'visually-hidden' }, ` image${n}`))
          : null,
        asset.kind === 'video'
          ? h('button', { type: 'button', class: 'btn btn--link job__edit', dataset: { openId: asset.id }, onclick: () => lightbox.open(this.source, this.source.find(asset.id) || asset) }, 'Open', h('span', { class: 'visually-hidden' }, ` video${n}`))
          : null,
        asset.download_url
          ? h('a', { class: 'job__download', href: asset.download_url, download: '' }, 'Download', h('span', { class: 'visually-hidden' }, n || ' image'))
          : null,
      ),
    );
  }

  #sourcesLine(job) {
    const ids = job.source_asset_ids || [];
    if (!ids.length) return null;
    return h(
      'p',
      { class: 'job__sources' },
      `${ids.length === 1 ? 'Source' : `${ids.length} sources`}: `,
      ids.map((id, i) => {
        const a = this.hooks.sourceThumb?.(id);
        return a?.url
          ? h('img', { class: 'job__source-thumb', src: a.url, alt: `source ${i + 1}`, width: 28, height: 28, loading: 'lazy' })
          : h('span', { class: 'job__source-id', title: id }, `image …${String(id).slice(-6)} `);
      }),
    );
  }

  /** Once a second: elapsed time of running jobs, relative times of all. */
  #tick() {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      const t = entry.el.querySelector('.job__elapsed');
      if (t) t.textContent = elapsedText(entry.job, now);
      const bar = entry.el.querySelector('.job__progress');
      if (bar) bar.replaceWith(videoProgress(entry.job, now));
      const rel = entry.el.querySelector('time.job__when');
      if (rel) {
        const text = formatRelative(entry.job.created_at, now);
        if (rel.textContent !== text) rel.textContent = text;
      }
    }
  }

  #updateCount() {
    const n = this.entries.size;
    show(this.empty, n === 0 && !this.error.textContent);
    this.count.textContent = n ? `${n}${this.cursor ? '+' : ''} shown` : '';
  }
}

// A video takes minutes. The provider reports no progress, so the bar is the time since the job
// was created (it survives a reload) against the usual time, never full until the video is.
const VIDEO_TYPICAL_MS = 150_000;
const VIDEO_TYPICAL_TEXT = '1 to 3 minutes';

function videoProgress(job, now) {
  const t = new Date(job.created_at).getTime();
  const elapsed = Number.isNaN(t) ? 0 : Math.max(0, now - t);
  const share = Math.min(0.95, elapsed / VIDEO_TYPICAL_MS);
  const bar = h('progress', { class: 'job__progress', max: '100', value: String(Math.round(share * 100)) });
  bar.setAttribute('aria-label', `Video in progress: ${formatDuration(elapsed)} of about ${VIDEO_TYPICAL_TEXT}`);
  return bar;
}

function statusBadge(job) {
  const active = ACTIVE.has(job.status);
  return h(
    'p',
    { class: `status status--${job.status}` },
    active ? h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }) : null,
    h('span', { class: 'status__text' }, STATUS_TEXT[job.status] || job.status),
    active ? h('span', { class: 'job__elapsed' }, elapsedText(job, Date.now())) : null,
  );
}

function elapsedText(job, now) {
  const t = new Date(job.created_at).getTime();
  if (Number.isNaN(t)) return '';
  return ` · ${formatDuration(Math.max(0, now - t)).replace(/^\d+ ms$/, '0 s')}`;
}

function meta(job) {
  const items = [
    ['Estimate', formatUsd(job.estimated_cost_usd)],
    ['Cost', job.cost_usd === null || job.cost_usd === undefined ? (ACTIVE.has(job.status) ? 'pending' : '—') : formatUsd(job.cost_usd)],
  ];
  if (!ACTIVE.has(job.status) && job.updated_at) {
    const took = new Date(job.updated_at) - new Date(job.created_at);
    if (Number.isFinite(took) && took >= 0) items.push(['Took', formatDuration(took)]);
  }
  return h(
    'dl',
    { class: 'job__meta' },
    items.map(([k, v]) => h('div', { class: 'job__meta-item' }, h('dt', {}, k), h('dd', {}, v))),
    h(
      'div',
      { class: 'job__meta-item' },
      h('dt', {}, 'Created'),
      h('dd', {}, h('time', { class: 'job__when', datetime: job.created_at, title: formatDateTime(job.created_at) }, formatRelative(job.created_at))),
    ),
  );
}

function optionsLine(options) {
  const parts = Object.entries(options || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`);
  return parts.length ? h('p', { class: 'job__options' }, parts.join(' · ')) : null;
}

function aspectRatio(options) {
  const m = /^(\d+):(\d+)$/.exec(String(options?.aspect_ratio || ''));
  return m ? `${m[1]} / ${m[2]}` : '1 / 1';
}

function cssId(id) {
  return String(id).replace(/[^A-Za-z0-9_-]/g, '_');
}
