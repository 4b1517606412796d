// One card of the job history (jobs.js owns the list, its paging and polling): the model and
// status, the picture (or the progress of a job still running), prompt, options, sources, cost
// and the card's actions. Drawn again only when something visible changed; `tickCard` moves its
// clocks once a second.

import { h, replaceChildren } from './dom.js';
import { formatUsd, formatDuration, formatRelative, formatDateTime, truncate } from './format.js';
import { lightbox } from './lightbox.js';
import { canRerun } from './rerun.js';
import { copyPrompt } from './shortcuts.js';

export const ACTIVE = new Set(['queued', 'running']);
export const STATUS_TEXT = {
  queued: 'Queued',
  running: 'Generating',
  succeeded: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};
const KIND_TEXT = { edit: 'Edit', restore: 'Restoration', video: 'Video', text: 'Text' };

/**
 * Draws `entry` ({job, assets, el, ...} of jobs.js) into its element.
 * @param {{hooks, source, cancel: (id: string) => void, rerun: (entry) => void, imageFailed: (entry, el: Element) => void, typicalSeconds?: (model: string) => number | null}} ctx
 */
export function renderCard(entry, ctx) {
  const { job } = entry;
  // A running video's card shows its model's measured typical time once it is known.
  entry.typical = job.kind === 'video' && ACTIVE.has(job.status) ? ctx.typicalSeconds?.(job.model) ?? null : null;
  // Polling answers the same job every second: rebuild only when something visible changed,
  // so spinners keep turning and images are not reloaded.
  const key = JSON.stringify([
    job.status, job.updated_at, job.cost_usd, job.error, entry.connection,
    entry.assets && entry.assets.map((a) => a.url), entry.deleted, entry.canceling, entry.typical,
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
          h('span', { class: 'job__model-name' }, ctx.hooks.modelName(job.model)),
        ),
        statusBadge(job),
      ),
      picture(entry, ctx),
      h('p', { class: 'job__prompt' }, job.prompt || h('em', {}, 'No prompt')),
      optionsLine(job.options),
      sourcesLine(job, ctx),
      entry.connection ? h('p', { class: 'job__warning' }, entry.connection) : null,
      meta(job),
      h(
        'div',
        { class: 'job__actions' },
        ACTIVE.has(status)
          ? h(
              'button',
              { type: 'button', class: 'btn btn--ghost btn--small job__cancel', disabled: entry.canceling || false, onclick: () => ctx.cancel(job.id) },
              entry.canceling ? 'Canceling…' : 'Cancel',
              h('span', { class: 'visually-hidden' }, ` job${job.prompt ? ` “${truncate(job.prompt, 40)}”` : ''}`),
            )
          : null,
        h(
          'button',
          { type: 'button', class: 'btn btn--ghost btn--small job__reuse', onclick: () => ctx.hooks.useSettings?.(job) },
          'Use these settings',
          h('span', { class: 'visually-hidden' }, ` of ${ctx.hooks.modelName(job.model)}${job.prompt ? `, “${truncate(job.prompt, 40)}”` : ''}`),
        ),
        canRerun(job) && ctx.hooks.rerun
          ? h('button', { type: 'button', class: 'btn btn--ghost btn--small job__rerun', onclick: () => ctx.rerun(entry) }, 'Rerun', h('span', { class: 'visually-hidden' }, ` ${ctx.hooks.modelName(job.model)}${job.prompt ? `, “${truncate(job.prompt, 40)}”` : ''}`))
          : null,
        job.prompt ? h('button', { type: 'button', class: 'btn btn--ghost btn--small job__copy', onclick: () => copyPrompt(job.prompt) }, 'Copy prompt', h('span', { class: 'visually-hidden' }, ` “${truncate(job.prompt, 40)}”`)) : null,
      ),
    ),
  );
}

function picture(entry, ctx) {
  const { job, assets } = entry;
  const ratio = aspectRatio(job.options);
  if (ACTIVE.has(job.status) || (job.status === 'succeeded' && !assets)) {
    const video = job.kind === 'video';
    const label =
      job.status === 'queued'
        ? 'Waiting for a free worker…'
        : job.status === 'running'
          ? video
            ? 'The model is filming…'
            : 'The model is drawing…'
          : video
            ? 'Loading video…'
            : 'Loading image…';
    const box = h(
      'div',
      { class: 'job__placeholder' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('span', { class: 'job__placeholder-text' }, label),
      video && ACTIVE.has(job.status) ? videoProgress(job, Date.now(), entry.typical) : null,
      video && ACTIVE.has(job.status) && entry.typical ? h('span', { class: 'job__typical' }, typicalText(entry.typical)) : null,
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
    assets.map((asset, i) => assetFigure(entry, asset, i, assets.length, ctx)),
    deleted ? h('p', { class: 'job__missing' }, `${deleted === 1 ? 'One image' : `${deleted} images`} of this job ${deleted === 1 ? 'was' : 'were'} deleted.`) : null,
  );
}

function assetFigure(entry, asset, index, total, ctx) {
  const n = total > 1 ? ` (${index + 1} of ${total})` : '';
  const how = entry.job.kind === 'restore' ? `Restored with ${ctx.hooks.modelName(entry.job.model)}` : entry.job.kind === 'edit' ? 'Edited' : 'Generated';
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
    media.addEventListener('error', () => ctx.imageFailed(entry, media));
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
    img.addEventListener('error', () => ctx.imageFailed(entry, img));
    img.addEventListener('load', () => img.classList.add('is-loaded'));
    // A link to the file (a middle or modified click still opens a tab); a click opens the lightbox.
    const open = (e) => {
      if (e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      lightbox.open(ctx.source, ctx.source.find(asset.id) || asset);
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
      asset.kind !== 'video' && ctx.hooks.canEdit?.() !== false
        ? h(
            'button',
            { type: 'button', class: 'btn btn--link job__edit', onclick: () => ctx.hooks.editThis?.(asset) },
            'Edit this',
            h('span', { class: 'visually-hidden' }, ` image${n}`),
          )
        : null,
      asset.kind !== 'video' && ctx.hooks.canEdit?.() !== false
        ? h(
            'button',
            { type: 'button', class: 'btn btn--link job__edit', onclick: () => ctx.hooks.addSource?.(asset) },
            'Add to sources',
            h('span', { class: 'visually-hidden' }, ` (image${n})`),
          )
        : null,
      asset.kind !== 'video' && ctx.hooks.canEdit?.() !== false && ctx.hooks.vary
        ? h('button', { type: 'button', class: 'btn btn--link job__edit', onclick: () => ctx.hooks.vary(asset) }, 'Vary', h('span', { class: 'visually-hidden' }, ` image${n}`))
        : null,
      asset.kind === 'video'
        ? h('button', { type: 'button', class: 'btn btn--link job__edit', dataset: { openId: asset.id }, onclick: () => lightbox.open(ctx.source, ctx.source.find(asset.id) || asset) }, 'Open', h('span', { class: 'visually-hidden' }, ` video${n}`))
        : null,
      asset.download_url
        ? h('a', { class: 'job__download', href: asset.download_url, download: '' }, 'Download', h('span', { class: 'visually-hidden' }, n || ' image'))
        : null,
    ),
  );
}

function sourcesLine(job, ctx) {
  const ids = job.source_asset_ids || [];
  if (!ids.length) return null;
  return h(
    'p',
    { class: 'job__sources' },
    `${ids.length === 1 ? 'Source' : `${ids.length} sources`}: `,
    ids.map((id, i) => {
      const a = ctx.hooks.sourceThumb?.(id);
      return a?.url
        ? h('img', { class: 'job__source-thumb', src: a.thumb_url || a.url, alt: `source ${i + 1}`, width: 28, height: 28, loading: 'lazy' })
        : h('span', { class: 'job__source-id', title: id }, `image …${String(id).slice(-6)} `);
    }),
  );
}

/** The card's clocks: the elapsed time and progress of a running job, the relative date. */
export function tickCard(entry, now) {
  const t = entry.el.querySelector('.job__elapsed');
  if (t) t.textContent = elapsedText(entry.job, now);
  const bar = entry.el.querySelector('.job__progress');
  if (bar) bar.replaceWith(videoProgress(entry.job, now, entry.typical));
  const rel = entry.el.querySelector('time.job__when');
  if (rel) {
    const text = formatRelative(entry.job.created_at, now);
    if (rel.textContent !== text) rel.textContent = text;
  }
}

// A video takes minutes. The provider reports no progress, so the bar is the time since the job
// was created (it survives a reload) against the model's typical time, measured
// (`typical_seconds` of GET /api/models), never full until the video is. Until the model has a
// typical time the bar only runs (indeterminate) and the card claims none.
function videoProgress(job, now, typical) {
  const t = new Date(job.created_at).getTime();
  const elapsed = Number.isNaN(t) ? 0 : Math.max(0, now - t);
  const bar = h('progress', { class: 'job__progress', max: '100' });
  if (typical) {
    bar.setAttribute('value', String(Math.round(Math.min(0.95, elapsed / (typical * 1000)) * 100)));
    bar.setAttribute('aria-label', `Video in progress: ${formatDuration(elapsed)}, ${typicalText(typical)}`);
  } else {
    bar.setAttribute('aria-label', `Video in progress: ${formatDuration(elapsed)} so far`);
  }
  return bar;
}

/** "typically about 95 s", "typically about 2 min 30 s". */
function typicalText(seconds) {
  return `typically about ${formatDuration(seconds * 1000)}`;
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
