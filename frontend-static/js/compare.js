// Before/after: the original under the result, both drawn in the same box so they are at the
// same scale; a native range input across the picture moves the divide (mouse, touch, and the
// arrow, Page and Home/End keys).

import { h } from './dom.js';

/** @param {{before: {url, alt}, after: {url, alt}, label: string}} p */
export function compareView({ before, after, label }) {
  const root = h('div', { class: 'compare' });
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
    range.setAttribute('aria-valuetext', `${v}% before, ${100 - v}% after`);
  };
  range.addEventListener('input', () => set(Number(range.value)));
  root.append(
    h('img', { class: 'compare__img compare__after', src: after.url, alt: after.alt, draggable: 'false' }),
    h('div', { class: 'compare__before' }, h('img', { class: 'compare__img', src: before.url, alt: before.alt, draggable: 'false' })),
    h('span', { class: 'compare__tag compare__tag--before', 'aria-hidden': 'true' }, 'Before'),
    h('span', { class: 'compare__tag compare__tag--after', 'aria-hidden': 'true' }, 'After'),
    range,
    h('span', { class: 'compare__handle', 'aria-hidden': 'true' }, h('span', { class: 'compare__knob' })),
  );
  set(50);
  return root;
}
