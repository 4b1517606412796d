// What the lightbox (lightbox.js) walks through: the list a picture was opened from (the
// gallery's grid, the job history, a comparison, a story). The list's owner says what it shows
// now, how to load its next page, where each picture's tile is, and how it follows a save or a
// delete. Also the single-key shortcuts of the lightbox and the gallery, and when they may fire.

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

/** Every single-key shortcut, in the order the sheet lists them. `where`: lightbox or both. */
export const SHORTCUTS = [
  { keys: ['←', '→'], what: 'Previous or next picture (loads more at the end of a page)', where: 'lightbox' },
  { keys: ['s'], what: 'Save or unsave', action: 'save', where: 'both' },
  { keys: ['Delete'], what: 'Move to the trash (Undo brings it back); ⌫ on a Mac keyboard', action: 'delete', where: 'both' },
  { keys: ['c'], what: 'Copy the prompt', action: 'copy', where: 'both' },
  { keys: ['e'], what: 'Edit this picture in the studio', action: 'edit', where: 'both' },
  { keys: ['?'], what: 'This list of shortcuts', action: 'help', where: 'both' },
  { keys: ['Esc'], what: 'Close the large view or this list', where: 'lightbox' },
];

const ACTIONS = { s: 'save', Delete: 'delete', Backspace: 'delete', c: 'copy', e: 'edit', '?': 'help' };

/** A field that takes typed text: single keys belong to it. */
export function isTyping(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable || el.closest('textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'image', 'color'].includes(el.type);
}

/** The shortcut a key press asks for, or null (typing, a modifier, or no shortcut). */
export function shortcutFor(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || e.repeat || isTyping(e.target)) return null;
  return ACTIONS[e.key] || null;
}
