// Compare two: the gallery's two selected pictures, A over B in one box, with the restoration's
// slider (compare.js) between them. The slider has the focus when the dialog opens, so ←/→ (and
// Page Up/Down, Home/End) move the divider at once; Esc closes and gives the focus back. The
// address names the pair while it is open (`&pair=<a>,<b>`): a reload or a link opens it again.

import { h, replaceChildren } from './dom.js';
import { truncate } from './format.js';
import { compareView } from './compare.js';
import { router } from './router.js';

let dialog = null;

function build() {
  const close = h('button', { type: 'button', class: 'btn btn--ghost' }, 'Close');
  const d = h(
    'dialog',
    { id: 'compare-two-dialog', class: 'asset-dialog compare-two', 'aria-labelledby': 'compare-two-title' },
    h('div', { class: 'asset-dialog__head' }, h('h2', { id: 'compare-two-title' }, 'Compare two pictures'), close),
    h('div', { id: 'compare-two-body' }),
  );
  close.addEventListener('click', () => d.close());
  d.addEventListener('close', () => {
    router.set({ pair: null });
    replaceChildren(d.querySelector('#compare-two-body'));
    d.opener?.focus?.();
  });
  document.body.append(d);
  return d;
}

/**
 * Opens the A/B dialog for two assets.
 * @param {[object, object]} pair the two assets, A first
 * @param {{modelName: (id: string) => string}} hooks
 */
export function openCompareTwo([a, b], { modelName }) {
  dialog ||= build();
  const describe = (asset) => {
    const what = asset.source === 'upload' ? 'Uploaded photo' : modelName(asset.model) || 'Picture';
    return asset.prompt ? `${what}: “${truncate(asset.prompt, 90)}”` : what;
  };
  const view = compareView({
    before: { url: a.url, alt: `A: ${describe(a)}` },
    after: { url: b.url, alt: `B: ${describe(b)}` },
    label: 'Divider between A and B',
    tags: ['A', 'B'],
  });
  replaceChildren(
    dialog.querySelector('#compare-two-body'),
    view,
    h('ul', { class: 'compare-two__names' }, h('li', {}, h('b', {}, 'A'), ` (left): ${describe(a)}`), h('li', {}, h('b', {}, 'B'), ` (right): ${describe(b)}`)),
    h('p', { class: 'compare-two__hint' }, 'Drag the divider, or use ← and →; Home shows all of B, End all of A.'),
  );
  dialog.opener = document.activeElement;
  router.set({ pair: `${a.id},${b.id}` });
  if (!dialog.open) dialog.showModal();
  view.querySelector('input[type="range"]').focus();
  return dialog;
}

/**
 * Follows the address: opens the pair it names (each fetched by `fetchAsset`, an id → asset),
 * or closes the dialog when it names none. A pair that is not two of the user's pictures
 * leaves the address.
 */
export async function followPair(fetchAsset, hooks) {
  const named = router.param('pair');
  if (!named) return dialog?.open && dialog.close();
  if (dialog?.open) return;
  const ids = named.split(',');
  const pair = ids.length === 2 ? await Promise.all(ids.map((id) => fetchAsset(id).catch(() => null))) : [];
  if (router.param('pair') !== named) return; // the address moved on meanwhile
  if (pair.length !== 2 || !pair[0] || !pair[1]) return router.set({ pair: null });
  openCompareTwo(pair, hooks);
}
