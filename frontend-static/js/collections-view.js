// The Collections page (?view=collections, &collections=<id> names the open one): create, the
// list with counts, and the open collection's rename, delete and newest pictures. It is an
// OwnedPage like the comparison and story pages; the pickers are in collections.js.

import { byId, h, show, replaceChildren, announce } from './dom.js';
import { formatDateTime } from './format.js';
import { OwnedPage } from './owned-page.js';
import { countText } from './collections.js';

const PREVIEW = 12;

export class CollectionsView extends OwnedPage {
  /**
   * @param {import('./api.js').Api} api
   * @param {{pickers: import('./collections.js').CollectionPickers, showInGallery: (id: string) => void, confirm: (text: string) => Promise<boolean>}} hooks
   */
  constructor(api, { pickers, showInGallery, confirm }) {
    super({ param: 'collections', view: byId('collections-view'), error: byId('collections-error'), history: byId('collections-list') });
    this.api = api;
    this.pickers = pickers;
    this.confirm = confirm;
    this.detail = byId('collection-detail');
    this.preview = byId('collection-preview');
    byId('collection-create').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#create();
    });
    byId('collection-rename').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#rename();
    });
    byId('collection-delete').addEventListener('click', () => this.#delete());
    byId('collection-open').addEventListener('click', () => showInGallery(this.currentId));
  }

  static addressed() {
    return OwnedPage.addressedAs('collections');
  }

  async open() {
    show(this.view, true);
    this.hideError();
    const id = this.addressed();
    await this.#list();
    if (id) await this.load(id);
    else show(this.detail, false);
  }

  #list() {
    return this.renderHistory(
      async () => (await this.api.collections({ limit: 100 })).collections || [],
      (c) => `${c.name} — ${countText(c.item_count)}, since ${formatDateTime(c.created_at)}`,
    );
  }

  /** Opens one collection: its name, count and newest pictures. */
  async load(id) {
    this.address(id);
    this.hideError();
    let c;
    try {
      ({ collection: c } = await this.api.collection(id));
    } catch (err) {
      this.showError(err.status === 404 ? 'That collection was not found.' : err.message);
      show(this.detail, false);
      this.address(null);
      return;
    }
    byId('collection-detail-title').textContent = c.name;
    byId('collection-detail-count').textContent = countText(c.item_count);
    byId('collection-rename-name').value = c.name;
    show(this.detail, true);
    await this.#list();
    try {
      const { assets } = await this.api.assets({ collection: id, limit: PREVIEW });
      replaceChildren(
        this.preview,
        assets.map((a) =>
          h(
            'li',
            { class: 'tile' },
            a.kind === 'video'
              ? h('span', { class: 'tile__badge' }, `Video: ${a.prompt || ''}`)
              : h('img', { class: 'tile__img', src: a.url, alt: a.prompt || 'Picture', loading: 'lazy', width: a.width, height: a.height }),
          ),
        ),
      );
    } catch (err) {
      this.showError(err.message);
    }
  }

  async #create() {
    const input = byId('collection-name');
    const name = input.value.trim();
    if (!name) {
      this.showError('Name the new collection.');
      input.focus();
      return;
    }
    try {
      const { collection } = await this.api.createCollection(name);
      input.value = '';
      announce(`Collection ${collection.name} created.`);
      await this.pickers.refresh();
      await this.load(collection.id);
    } catch (err) {
      this.showError(err.message);
    }
  }

  async #rename() {
    const name = byId('collection-rename-name').value.trim();
    try {
      await this.api.renameCollection(this.currentId, name);
      announce(`Renamed to ${name}.`);
      await this.pickers.refresh();
      await this.load(this.currentId);
    } catch (err) {
      this.showError(err.message);
    }
  }

  async #delete() {
    const id = this.currentId;
    const name = byId('collection-detail-title').textContent;
    if (!(await this.confirm(`Delete the collection “${name}”? Its pictures stay in the gallery.`))) return;
    try {
      await this.api.deleteCollection(id);
      announce(`Collection ${name} deleted; its pictures stay in the gallery.`);
      this.address(null);
      show(this.detail, false);
      await this.pickers.refresh();
      await this.#list();
      byId('collections-title').focus();
    } catch (err) {
      this.showError(err.message);
    }
  }
}
