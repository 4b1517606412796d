// What a job was made with: kind, model, prompt, options and sources, the same in a job card and
// on the stage, so "Use these settings" is never a surprise.

import { h } from './dom.js';
import { humanize } from './format.js';

const KIND = { image: 'Generated', edit: 'Edit', restore: 'Restoration', video: 'Video', text: 'Text' };

/** @param {{modelName: (id) => string, sourceThumb?: (id) => ({url}|undefined)}} hooks */
export function describeJob(job, hooks) {
  const rows = [
    ['Kind', KIND[job.kind] || humanize(job.kind || 'image')],
    ['Model', hooks.modelName(job.model)],
    ['Prompt', job.prompt ? job.prompt : h('em', {}, 'none')],
  ];
  const options = Object.entries(job.options || {}).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (options.length) rows.push(['Options', options.map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join(' · ')]);
  const sources = job.source_asset_ids || [];
  if (sources.length) {
    rows.push([
      sources.length === 1 ? 'Source' : `Sources (${sources.length})`,
      h(
        'span',
        { class: 'describe__sources' },
        sources.map((id, i) => {
          const a = hooks.sourceThumb?.(id);
          return a?.url
            ? h('img', { class: 'describe__thumb', src: a.url, alt: `Source ${i + 1}`, loading: 'lazy', width: 32, height: 32 })
            : h('span', { class: 'describe__id', title: id }, `image …${String(id).slice(-6)}`);
        }),
      ),
    ]);
  }
  return h(
    'dl',
    { class: 'describe' },
    rows.map(([k, v]) => h('div', { class: 'describe__row' }, h('dt', {}, k), h('dd', { class: `describe__${k.split(' ')[0].toLowerCase()}` }, v))),
  );
}
