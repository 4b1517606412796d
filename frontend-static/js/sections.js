// Each section's code (its modules, with its stylesheet), fetched when the section is first
// opened (views.js, main.js). For a returning user the section the address names is asked for
// at once (early.js), beside main.js's own modules, so its first list request waits for no
// module; the studio's comes after the first view of another section is drawn (main.js).

import { stylesheet } from './views.js';

/** The gallery's selection bar (file-manager clicks, Compare two, the zip download): fetched
 * beside its first page, which waits for them only before its tiles are drawn. */
export const galleryParts = () => Promise.all([import('./gallery-select.js'), import('./zips.js'), stylesheet('zips.css')]);

/** Section → a fetch of its code (the modules, resolved in this order). */
export const code = {
  studio: () => Promise.all([import('./studio.js')]),
  gallery: () => Promise.all([import('./gallery.js'), galleryParts()]),
  usage: () => Promise.all([import('./usage.js'), stylesheet('vendor/uplot/uPlot.min.css')]),
  compare: () => Promise.all([import('./compare-models.js')]),
  collections: () => Promise.all([import('./collections-view.js')]),
  trash: () => Promise.all([import('./trash-view.js')]),
  story: () => Promise.all([import('./story.js')]),
  boards: () => Promise.all([import('./boards.js')]),
  shares: () => Promise.all([import('./shares.js'), stylesheet('shares.css')]),
  account: () => Promise.all([import('./account.js'), stylesheet('account.css')]),
  export: () => Promise.all([import('./zips.js'), stylesheet('zips.css')]),
};
