// The gallery's selection, as in a file manager: Shift-click selects the range from the last
// picture clicked to this one (on a tile or its checkbox; the range takes the clicked picture's
// new state), Ctrl-click (⌘ on a Mac) on a tile toggles it without opening it. The checkboxes
// stay the one record: a change here is a checkbox change the gallery hears as from a click.
// And "Compare two" in the selection bar, for exactly two pictures (compare-two.js).

import { h, byId } from './dom.js';
import { openCompareTwo } from './compare-two.js';

export class GallerySelect {
  /**
   * @param {import('./gallery.js').Gallery} gallery
   * @param {{modelName: (id: string) => string}} hooks
   */
  constructor(gallery, { modelName }) {
    this.gallery = gallery;
    this.grid = gallery.grid;
    this.anchor = null; // asset id of the last picture clicked
    this.quiet = false; // our own checkbox changes do not move the anchor
    this.grid.addEventListener('click', (e) => this.#click(e), true);
    this.grid.addEventListener('change', (e) => {
      if (!this.quiet && e.target.matches('.tile__check')) this.anchor = idOf(e.target);
    });

    this.compare = h('button', { id: 'sel-compare', type: 'button', class: 'btn btn--ghost btn--small', 'aria-haspopup': 'dialog', disabled: true }, 'Compare two');
    this.compare.addEventListener('click', () => {
      const pair = this.#pair();
      if (pair) openCompareTwo(pair, { modelName });
    });
    byId('sel-delete').before(this.compare);
    gallery.view.addEventListener('gallery-selection', () => {
      const pair = this.#pair();
      this.compare.disabled = !pair;
      this.compare.title = gallery.selected.size === 2 && !pair ? 'Only pictures can be compared, not videos' : 'Select exactly two pictures to compare them';
    });
  }

  /** The two selected pictures in grid order, or null. */
  #pair() {
    if (this.gallery.selected.size !== 2) return null;
    const pair = [...this.gallery.assets.values()].filter((a) => this.gallery.selected.has(a.id));
    return pair.length === 2 && pair.every((a) => a.kind !== 'video') ? pair : null;
  }

  #click(e) {
    const tile = e.target.closest('.tile');
    const onBox = e.target.matches('.tile__check');
    if (!tile || !(onBox || e.target.closest('.tile__open'))) return;
    const id = tile.dataset.assetId;
    const box = tile.querySelector('.tile__check');
    if (e.shiftKey && this.anchor && this.anchor !== id && this.#tile(this.anchor)) {
      // On a checkbox the click itself has toggled it already: its new state is the range's.
      const state = onBox ? box.checked : !box.checked;
      if (!onBox) this.#stop(e);
      this.#setRange(this.anchor, id, state, onBox ? box : null);
      this.anchor = id;
    } else if (!onBox && (e.shiftKey || e.ctrlKey || e.metaKey)) {
      this.#stop(e);
      this.#set(box, !box.checked);
      this.anchor = id;
    }
  }

  #stop(e) {
    e.preventDefault();
    e.stopPropagation(); // the tile does not open
  }

  #tile(id) {
    return this.grid.querySelector(`.tile[data-asset-id="${CSS.escape(id)}"]`);
  }

  #setRange(from, to, state, except) {
    const tiles = [...this.grid.querySelectorAll('.tile')];
    const [i, j] = [tiles.indexOf(this.#tile(from)), tiles.indexOf(this.#tile(to))].sort((x, y) => x - y);
    for (const tile of tiles.slice(i, j + 1)) {
      const box = tile.querySelector('.tile__check');
      if (box !== except) this.#set(box, state);
    }
  }

  #set(box, state) {
    if (box.checked === state) return;
    box.checked = state;
    this.quiet = true;
    try {
      box.dispatchEvent(new Event('change', { bubbles: true }));
    } finally {
      this.quiet = false;
    }
  }
}

const idOf = (box) => box.closest('.tile')?.dataset.assetId || null;
