// Before/after: the original under the result, both drawn in the same box so they are at the
// same scale; a native range input across the picture moves the divide (mouse, touch, and the
// arrow, Page and Home/End keys). The restoration's before/after, and any two pictures as A/B
// (compare-two.js) with their own tags.

import { h } from './dom.js';

/** @param {{before: {url, alt}, after: {url, alt}, label: string, tags?: string[]}} p */
export function compareView({ before, after, label, tags = ['Before', 'After'] }) {
  const root = h('div', { class: 'compare' });
  const said = tags.map((t) => (t.length > 1 ? t.toLowerCase() : t)); // "50% before", "50% A"
  const range = h('input', {
    type: 'range',
    class: 'compare__range',
    min: 0,
    max: 100,
    step: 1,
    value: 50,
    'aria-label': label,
  });
  const set = (v) => {
    root.style.setProperty('--pos', `${v}%`);
    range.setAttribute('aria-valuetext', `${v}% ${said[0]}, ${100 - v}% ${said[1]}`);
  };
  range.addEventListener('input', () => set(Number(range.value)));
  root.append(
    h('img', { class: 'compare__img compare__after', src: after.url, alt: after.alt, draggable: 'false' }),
    h('div', { class: 'compare__before' }, h('img', { class: 'compare__img', src: before.url, alt: before.alt, draggable: 'false' })),
    h('span', { class: 'compare__tag compare__tag--before', 'aria-hidden': 'true' }, tags[0]),
    h('span', { class: 'compare__tag compare__tag--after', 'aria-hidden': 'true' }, tags[1]),
    range,
    h('span', { class: 'compare__handle', 'aria-hidden': 'true' }, h('span', { class: 'compare__knob' })),
  );
  set(50);
  return root;
}
