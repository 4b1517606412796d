// The chain strip: one row of thumbnails for the path through the current step, one row per
// branch ("Branch from step 2"), and a spinner where a step is being made. Every step is a
// button; the arrow keys, Home and End move between them. Also the lightbox's list of earlier steps.

import { h, replaceChildren } from './dom.js';
import { truncate } from './format.js';

/**
 * @param {HTMLElement} strip the <ol>
 * @param {{rows: {fork, path}[], pending: Map<string, string>, nodes: Map, current: string,
 *   depth: (id) => number, modelName: (id) => string, select: (id) => void}} chain
 */
export function renderStrip(strip, chain) {
  const pendingByParent = new Map();
  for (const [jobId, parent] of chain.pending) pendingByParent.set(parent, [...(pendingByParent.get(parent) || []), jobId]);
  const items = [];
  chain.rows.forEach((row, i) => {
    const steps = row.path.map((id) => stepButton(strip, chain, id));
    const last = row.path[row.path.length - 1];
    for (const jobId of pendingByParent.get(last) || []) steps.push(pendingStep(jobId, chain.cancel));
    pendingByParent.delete(last);
    items.push(
      stripRow(i === 0 ? 'Steps' : `Branch from step ${chain.depth(row.fork) + 1}`, steps, i === 0),
    );
  });
  for (const [parent, jobs] of pendingByParent) {
    items.push(stripRow(`New branch from step ${chain.depth(parent) + 1}`, jobs.map((id) => pendingStep(id, chain.cancel)), false));
  }
  const hadFocus = strip.contains(document.activeElement) ? document.activeElement.dataset.step : null;
  replaceChildren(strip, items);
  if (hadFocus) strip.querySelector(`[data-step="${CSS.escape(hadFocus)}"]`)?.focus();
}

function stripRow(label, steps, main) {
  return h(
    'li',
    { class: `chain__row${main ? ' chain__row--main' : ''}` },
    h('span', { class: 'chain__label' }, label),
    h('ol', { class: 'chain__steps' }, steps.map((s) => h('li', { class: 'chain__item' }, s))),
  );
}

function stepButton(strip, chain, id) {
  const { asset } = chain.nodes.get(id);
  const depth = chain.depth(id);
  const current = id === chain.current;
  const button = h(
    'button',
    {
      type: 'button',
      class: 'chain__step',
      'aria-current': current ? 'step' : null,
      'aria-label': stepLabel(asset, depth, chain.modelName) + (current ? ' (current)' : ''),
      dataset: { step: id },
      onclick: () => chain.select(id),
    },
    h('img', { class: 'chain__thumb', src: asset.url, alt: '', loading: 'lazy', decoding: 'async' }),
    h('span', { class: 'chain__num', 'aria-hidden': 'true' }, String(depth + 1)),
  );
  button.addEventListener('keydown', (e) => {
    const all = [...strip.querySelectorAll('.chain__step[data-step]')];
    const i = all.indexOf(button);
    const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined || !all[to]) return;
    e.preventDefault();
    all[to].focus();
  });
  return button;
}

function pendingStep(jobId, cancel) {
  return h(
    'span',
    { class: 'chain__pending' },
    h(
      'span',
      { class: 'chain__step chain__step--pending', dataset: { job: jobId } },
      h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }),
      h('span', { class: 'visually-hidden' }, 'Working on the next step'),
    ),
    cancel
      ? h('button', { type: 'button', class: 'btn btn--link chain__cancel', onclick: () => cancel(jobId) }, 'Cancel', h('span', { class: 'visually-hidden' }, ' the next step'))
      : null,
  );
}

/** "Step 3: Qwen Image Edit Plus “add a red scarf”". */
export function stepLabel(asset, depth, modelName) {
  const what = asset.source === 'upload' ? 'your upload' : modelName(asset.model) || 'image';
  const prompt = asset.prompt ? ` “${truncate(asset.prompt, 60)}”` : '';
  return `Step ${depth + 1}: ${what}${prompt}`;
}

/** The lightbox's lineage: the earlier steps of a picture, root first, each a button to it. */
export function lineageSteps(chain, { modelName, truncated, open }) {
  return h(
    'section',
    { class: 'asset-dialog__chain', 'aria-labelledby': 'asset-chain-title' },
    h('h3', { id: 'asset-chain-title' }, 'Earlier steps'),
    h(
      'ol',
      { class: 'asset-dialog__steps' },
      chain.map((x, i) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'asset-dialog__step', onclick: () => open(x) },
            h('img', { src: x.url, alt: '', width: 64, height: 64 }),
            h('span', {}, `Step ${i + 1}: ${x.source === 'upload' ? 'upload' : modelName(x.model)}`),
          ),
        ),
      ),
    ),
    truncated ? h('p', { class: 'field__hint' }, 'Older steps are not shown.') : null,
  );
}
