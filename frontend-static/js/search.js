// Gallery search: the prompt search box (debounced: one request once typing settles), the date
// range and the order, and the address that keeps them with the gallery's filters
// (`?view=gallery&q=…&from=…&to=…&sort=…&kind=…&model=…&saved=…`, through router.js), so a
// reload or a shared link opens the same search. docs/decisions/0004-search-index.md says what
// a search matches.

import { byId } from './dom.js';
import { router } from './router.js';

/** How long typing must pause before the gallery is searched. */
export const DEBOUNCE_MS = 350;
/** The address parameters the gallery owns. */
const KEYS = ['q', 'from', 'to', 'sort', 'kind', 'model', 'saved'];

export class GallerySearch {
  /** @param {() => void} changed called when the search or its range or order changes */
  constructor(changed) {
    this.changed = changed;
    this.q = byId('search-q');
    this.from = byId('search-from');
    this.to = byId('search-to');
    this.sort = byId('search-sort');
    this.timer = null;
    this.last = '';
    this.q.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.#settled(), DEBOUNCE_MS);
    });
    // Enter searches at once (the form is not submitted).
    this.q.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(this.timer);
        this.#settled();
      }
    });
    for (const input of [this.from, this.to]) {
      input.addEventListener('change', () => {
        this.#bound();
        this.changed();
      });
    }
    this.sort.addEventListener('change', () => this.changed());
  }

  #settled() {
    const q = this.q.value.trim();
    if (q === this.last) return; // only whitespace changed: no new request
    this.last = q;
    this.changed();
  }

  /** Each date input can't pass the other. */
  #bound() {
    this.to.min = this.from.value || '';
    this.from.max = this.to.value || '';
  }

  /** The search part of `GET /api/assets`'s parameters (empty ones left out). */
  params() {
    const p = {};
    if (this.q.value.trim()) p.q = this.q.value.trim();
    if (this.from.value) p.from = this.from.value;
    if (this.to.value) p.to = this.to.value;
    if (this.sort.value === 'oldest') p.sort = 'oldest';
    return p;
  }

  /** Reads the address into the search inputs and the gallery's filter selects. */
  restore(filters) {
    this.q.value = router.param('q') || '';
    this.last = this.q.value.trim();
    this.from.value = router.param('from') || '';
    this.to.value = router.param('to') || '';
    this.sort.value = router.param('sort') === 'oldest' ? 'oldest' : 'newest';
    for (const [name, select] of Object.entries(filters)) {
      const want = router.param(name) || '';
      if ([...select.options].some((o) => o.value === want)) select.value = want;
    }
    this.#bound();
  }

  /** Writes the search and the filters' values into the address (no history entry). */
  remember(filters) {
    const values = { ...this.params(), ...Object.fromEntries(Object.entries(filters).map(([k, s]) => [k, s.value])) };
    router.set(Object.fromEntries(KEYS.map((k) => [k, values[k] || null])));
  }

  /** Takes the gallery's parameters out of the address (another view is open). */
  forget() {
    clearTimeout(this.timer);
    router.set(Object.fromEntries(KEYS.map((k) => [k, null])));
  }

  /** What the grid lists, for its label. */
  describe() {
    const order = this.sort.value === 'oldest' ? 'oldest first' : 'newest first';
    const q = this.q.value.trim();
    return q ? `Pictures matching “${q}”, ${order}` : `Pictures, ${order}`;
  }
}
