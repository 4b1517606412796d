// Views made on first use: main.js names a factory per section (an `import()` of its modules,
// then its constructor), and a section's code is fetched only when it is first opened, so the
// first load carries the sign-in page and the section the address names. Each factory runs once;
// a second opener waits for the same view.

/**
 * Adds a stylesheet of a section once; resolves when it applies (or failed: the view still
 * works unstyled rather than not at all).
 * @param {string} href
 */
export function stylesheet(href) {
  let link = document.head.querySelector(`link[rel="stylesheet"][href="${href}"]`);
  if (!link) {
    link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.loaded = new Promise((resolve) => {
      link.addEventListener('load', resolve, { once: true });
      link.addEventListener('error', resolve, { once: true });
    });
    document.head.append(link);
  }
  return link.loaded || Promise.resolve();
}

/**
 * @param {Record<string, () => Promise<{open: () => unknown, close: () => void}>>} factories
 */
export function lazyViews(factories) {
  const made = new Map(); // name → Promise<view>
  const ready = new Map(); // name → view, once made
  return {
    /** The view `name`, made (and its code fetched) on the first call. */
    get(name) {
      if (!made.has(name)) {
        const p = factories[name]().then((view) => {
          ready.set(name, view);
          return view;
        });
        // A failed fetch is not kept (though the browser keeps a failed module until a reload).
        p.catch(() => made.delete(name));
        made.set(name, p);
      }
      return made.get(name);
    },
    /** The view `name` if it was made already, else null (nothing is fetched). */
    peek(name) {
      return ready.get(name) || null;
    },
    /** The views made so far, by name. */
    made() {
      return [...ready.entries()];
    },
  };
}

/**
 * `then`, once the pictures the open view asked for first (`fetchpriority="high"`) have come and
 * the page is idle: what can wait (code for later use) is fetched then, without competing with
 * the view's largest paint.
 */
export function afterFirstPictures(then) {
  const pending = [...document.querySelectorAll('main img[fetchpriority="high"]')].filter((img) => !img.complete);
  const loaded = (img) =>
    new Promise((resolve) => {
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
    });
  Promise.all(pending.map(loaded)).then(() => (window.requestIdleCallback || window.setTimeout)(then));
}
