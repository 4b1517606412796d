// The address: the one module that reads and writes `window.location`. It names the open
// section (`?view=gallery`, for every section and the account and export pages) and each view's
// own part of it (`?compare=<set>`, `?story=<id>`, `?board=<id>`, `?collections=<id>`,
// `?export=<id>`, the gallery's search and filters, the studio's `#step=…&tips=…`, the picture
// the lightbox shows, `&asset=<id>`, Compare two's `&pair=<a>,<b>`, the share dialog of the
// thing shown, `&share=<kind>`, the shortcut sheet, `&keys=1`, and a board's "Add from
// gallery", `&pick=1`). The views
// ask it what the address says and tell it what changed; they never parse the address.
//
// A change of section is a new history entry (Back returns to the previous view); a view's own
// changes (typing a search, opening a board) replace the current one. Old addresses (`?gallery`,
// `?account`, `?export`, and a bare `?compare=` / `?story=` / `?board=` / `?collection=`) are
// rewritten into this form when the page loads, so old links keep working.

/** Every section the address can name; the first is the default. */
export const VIEWS = ['studio', 'compare', 'story', 'boards', 'gallery', 'trash', 'collections', 'usage', 'shares', 'account', 'export'];

/** A bare parameter of an old address → the section it opened (in the order the app checked). */
const LEGACY = [
  ['compare', 'compare'],
  ['story', 'story'],
  ['board', 'boards'],
  ['account', 'account'],
  ['collections', 'collections'],
  ['export', 'export'],
  ['gallery', 'gallery'],
  ['q', 'gallery'],
  ['collection', 'gallery'],
];

/**
 * The section an address names, from its query (a URLSearchParams): `view` when it is one,
 * else what an old address meant, else the studio. Pure: unit-tested.
 */
export function viewOf(query) {
  const named = query.get('view');
  if (VIEWS.includes(named)) return named;
  for (const [param, view] of LEGACY) if (query.has(param)) return view;
  return VIEWS[0];
}

/**
 * The address in the current form (`?view=<section>` first, the rest kept, empty markers of an
 * old address dropped); the same string when it is in that form already. Pure: unit-tested.
 * @param {string} href
 */
export function canonical(href) {
  const url = new URL(href);
  const q = url.searchParams;
  const view = viewOf(q);
  const rest = [...q.entries()].filter(([k, v]) => k !== 'view' && !(v === '' && ['gallery', 'account', 'export'].includes(k)));
  if (view === VIEWS[0] && !q.has('view') && rest.length === [...q.keys()].length) return href;
  url.search = new URLSearchParams([['view', view], ...rest]).toString();
  return url.href;
}

class Router {

  /** Rewrites an old address into the current form (no history entry). */
  start() {
    const href = canonical(window.location.href);
    if (href !== window.location.href) window.history.replaceState(null, '', href);
  }

  /** The section the address names. */
  view() {
    return viewOf(new URLSearchParams(window.location.search));
  }

  /** The value of one of the address's parameters (null when absent). */
  param(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  /** The studio's part of the address: the fragment's parameters. */
  fragment() {
    return new URLSearchParams(window.location.hash.slice(1));
  }

  /**
   * Sets (a string) or removes (null, undefined or '') parameters, in place (no history entry):
   * a view's own state.
   * @param {Record<string, string|null|undefined>} params
   */
  set(params) {
    const url = new URL(window.location.href);
    for (const [k, v] of Object.entries(params)) {
      if (v) url.searchParams.set(k, v);
      else url.searchParams.delete(k);
    }
    this.#write(url, false);
  }

  /** Replaces the fragment (null or empty: none), in place. */
  setFragment(params) {
    const url = new URL(window.location.href);
    const text = params ? new URLSearchParams(params).toString() : '';
    url.hash = text;
    this.#write(url, false);
  }

  /**
   * Names `view` as the open section. With `push`, a change of section is a new history entry
   * (Back returns to the previous one); without (the first view, or one Back/Forward chose),
   * the current entry is updated.
   */
  show(view, { push = true } = {}) {
    if (this.param('view') === view) return;
    const changed = this.view() !== view;
    const url = new URL(window.location.href);
    url.searchParams.set('view', view);
    this.#write(url, push && changed);
  }

  /** Calls `fn(view)` when Back or Forward changes the address. */
  onChange(fn) {
    window.addEventListener('popstate', () => fn(this.view()));
  }

  #write(url, push) {
    const href = url.href.replace(/#$/, '');
    if (href === window.location.href) return;
    if (push) window.history.pushState(null, '', href);
    else window.history.replaceState(null, '', href);
  }
}

/** The one router of the page. */
export const router = new Router();
