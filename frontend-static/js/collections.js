// Collections: named groups of pictures (an asset can be in several; deleting a collection
// deletes no picture; a picture in one is kept until taken out). Two pieces:
// - CollectionsView, the page (collections-view.js, loaded when first opened).
// - CollectionPickers (here): every place that picks a collection, kept filled from one list: the
//   gallery's filter (in the address as ?collection=<id>, so a reload keeps it), the selection
//   bar's "Add to collection…" (a dialog that can also make a new one) and "Remove from
//   collection", and the studio's "Add new results to".

import { byId, h, show, replaceChildren, announce } from './dom.js';
import { router } from './router.js';

/** The gallery's collection filter named in the address, if any. */
export function addressedFilter() {
  return router.param('collection');
}

export const countText = (n) => `${n} picture${n === 1 ? '' : 's'}`;

export class CollectionPickers {
  /**
   * @param {import('./api.js').Api} api
   * @param {{gallery: () => import('./gallery.js').Gallery}} hooks
   */
  constructor(api, { gallery }) {
    this.api = api;
    this.gallery = gallery;
    this.list = [];
    this.filter = byId('filter-collection');
    this.target = byId('collect-target');
    this.studio = byId('studio-collection');
    this.dialog = byId('collect-dialog');
    this.collect = byId('sel-collect');
    this.uncollect = byId('sel-uncollect');
    this.selected = 0;
    this.loaded = false;
    this.filter.addEventListener('change', () => {
      this.#address(this.filter.value || null);
      this.#renderButtons();
      this.gallery().reload();
    });
    byId('gallery-view').addEventListener('gallery-selection', (e) => {
      this.selected = e.detail.count;
      this.#renderButtons();
    });
    this.collect.addEventListener('click', () => this.#openDialog());
    this.uncollect.addEventListener('click', () => this.#remove());
    byId('collect-cancel').addEventListener('click', () => this.dialog.close());
    byId('collect-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#add();
    });
  }

  /**
   * The address names the gallery's collection only while the gallery is shown, so a reload
   * on another view stays there (the filter itself is kept for the next visit).
   */
  followView(name) {
    this.#address(name === 'gallery' ? this.current() || null : null);
  }

  /** The collection the gallery is filtered by ('' for none). */
  current() {
    return this.filter.value || (this.loaded ? '' : addressedFilter() || '');
  }

  /** Reads the user's collections and fills every picker (keeping what each had picked). */
  async refresh() {
    try {
      this.list = (await this.api.collections({ limit: 100 })).collections || [];
    } catch {
      return; /* the pickers keep their last list */
    }
    const options = () => this.list.map((c) => h('option', { value: c.id }, `${c.name} (${countText(c.item_count)})`));
    const fill = (select, first, want) => {
      replaceChildren(select, first ? h('option', { value: '' }, first) : null, options());
      select.value = this.list.some((c) => c.id === want) ? want : '';
    };
    fill(this.filter, 'All pictures', this.current());
    this.loaded = true;
    fill(this.studio, 'No collection', this.studio.value);
    fill(this.target, null, this.target.value || this.current());
    this.#renderButtons();
  }

  #renderButtons() {
    this.collect.disabled = this.selected === 0;
    show(this.uncollect, Boolean(this.filter.value));
    this.uncollect.disabled = this.selected === 0 || !this.filter.value;
  }

  #address(id) {
    router.set({ collection: id });
  }

  #openDialog() {
    byId('collect-new').value = '';
    show(byId('collect-error'), false);
    show(this.target.closest('.field'), this.list.length > 0);
    this.dialog.showModal();
    (this.list.length ? this.target : byId('collect-new')).focus();
  }

  async #add() {
    const ids = [...this.gallery().selected];
    const error = byId('collect-error');
    const name = byId('collect-new').value.trim();
    try {
      let id = this.target.value;
      if (name) id = (await this.api.createCollection(name)).collection.id;
      if (!id) {
        error.textContent = 'Pick a collection or name a new one.';
        show(error, true);
        return;
      }
      const answer = await this.api.collectionAssets(id, 'add', ids);
      const ok = (answer.results || []).filter((r) => r.status === 'ok').length;
      this.dialog.close();
      this.target.value = id;
      await this.refresh();
      const into = this.list.find((c) => c.id === id)?.name || 'the collection';
      announce(`Added ${ok} picture${ok === 1 ? '' : 's'} to ${into}.`);
      if (this.filter.value === id) this.gallery().reload();
    } catch (err) {
      error.textContent = err.message;
      show(error, true);
    }
  }

  async #remove() {
    const id = this.filter.value;
    const ids = [...this.gallery().selected];
    try {
      const answer = await this.api.collectionAssets(id, 'remove', ids);
      const ok = (answer.results || []).filter((r) => r.status === 'ok').length;
      announce(`Removed ${ok} picture${ok === 1 ? '' : 's'} from the collection.`);
      await this.refresh();
      this.gallery().reload();
    } catch (err) {
      const el = byId('gallery-error');
      el.textContent = `Could not remove the selection: ${err.message}`;
      show(el, true);
    }
  }
}
