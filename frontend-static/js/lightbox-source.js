// What the lightbox (lightbox.js) walks through: the list a picture was opened from (the
// gallery's grid, the job history, a comparison, a story). The list's owner says what it shows
// now, how to load its next page, where each picture's tile is, and how it follows a save or a
// delete.

export class LightboxSource {
  /**
   * @param {{
   *   items: () => object[],               the assets shown now, in order
   *   more?: () => Promise<boolean>,       load the next page; false when nothing more came
   *   hasMore?: () => boolean,             whether a next page (or unloaded pictures) exists
   *   tile?: (id: string) => Element|null, the control that opens `id` (focus returns to it)
   *   job?: (asset) => object|null,        the asset's job when the owner already has it
   *   changed?: (asset) => void,           `asset` was saved or unsaved
   *   removed?: (id: string) => void,      `id` went to the trash
   *   restored?: (id: string) => void,     `id` came back from the trash
   * }} spec
   */
  constructor(spec) {
    this.spec = spec;
  }

  items() {
    return this.spec.items().filter(Boolean);
  }

  indexOf(id) {
    return this.items().findIndex((a) => a.id === id);
  }

  find(id) {
    return this.items().find((a) => a.id === id) || null;
  }

  hasMore() {
    return Boolean(this.spec.hasMore?.());
  }

  /** The asset at `index`, loading further pages while the list is shorter; null past the end. */
  async at(index) {
    if (index < 0) return null;
    let items = this.items();
    while (index >= items.length && this.spec.more && (await this.spec.more())) items = this.items();
    return items[index] || null;
  }

  tile(id) {
    return this.spec.tile?.(id) || null;
  }

  job(asset) {
    return this.spec.job?.(asset) || null;
  }

  changed(asset) {
    this.spec.changed?.(asset);
  }

  removed(id) {
    this.spec.removed?.(id);
  }

  restored(id) {
    this.spec.restored?.(id);
  }
}
