// The one lightbox of the page (lightbox-dialog.js), fetched with its stylesheet on first use, so
// the studio's first load doesn't carry it: main.js configures it, every list opens it. A view
// with tiles calls preload() when it opens, so that a key on a tile finds it there (tileKey).
// The address names the picture shown (`asset=<id>`, written by the dialog): follow() reopens it
// after a reload, from a shared link, or on Back/Forward.

import { stylesheet } from './views.js';
import { router } from './router.js';
import { LightboxSource } from './lightbox-source.js';

let args = null; // configure()'s, kept for the dialog once it has come
let dialog = null; // the dialog, once loaded
let loading = null;

/** The dialog, configured; fetched (with lightbox.css) on the first call. */
function load() {
  loading ||= Promise.all([import('./lightbox-dialog.js'), stylesheet('lightbox.css')]).then(([m]) => {
    if (args) m.lightbox.configure(...args);
    dialog = m.lightbox;
    return dialog;
  });
  // A failed fetch is tried again on the next open.
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

export const lightbox = {
  /** main.js: the API and the studio's hooks (see lightbox-dialog.js). */
  configure(...a) {
    args = a;
    dialog?.configure(...a);
  },
  /** Opens `asset` of `source` (a LightboxSource). */
  open(source, asset) {
    return load().then((d) => d.open(source, asset));
  },
  /** Fetches the dialog ahead of its first use. */
  preload() {
    return load().catch(() => {});
  },
  /** A single key on a focused tile of `source` (once preloaded: never fetched on a key). */
  tileKey(e, source) {
    dialog?.tileKey(e, source);
  },
  close() {
    dialog?.close();
  },
  /**
   * Follows the address once its section is open: shows the picture it names, walking `source`
   * when that lists it and else on its own (fetched by `fetchAsset`, an id → asset); closes the
   * lightbox when it names none. A picture that is gone leaves the address.
   * @param {LightboxSource|null} source
   * @param {(id: string) => Promise<object>} fetchAsset
   */
  async follow(source, fetchAsset) {
    const id = router.param('asset');
    if (!id) return this.close();
    if (dialog?.showing(id)) return;
    const listed = source?.find(id);
    const asset = listed || (await fetchAsset(id).catch(() => null));
    if (router.param('asset') !== id) return; // the address moved on meanwhile
    if (!asset) return router.set({ asset: null });
    return this.open(listed ? source : new LightboxSource({ items: () => [asset] }), asset);
  },
};
