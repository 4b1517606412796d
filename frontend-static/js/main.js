// Entry point: load the configuration, then show either the sign-in form or the studio.

import { loadConfig } from './config.js';
import { Auth } from './auth.js';
import { early } from './early.js';
import { Api } from './api.js';
import { LoginView } from './login.js';
import { Models } from './models.js';
import { Budget } from './budget.js';
import { CollectionPickers } from './collections.js';
import { UndoToast } from './trash.js';
import { lightbox } from './lightbox.js';
import { byId, show, h, replaceChildren } from './dom.js';
import { initTheme } from './theme.js';
import { phoneMenu } from './phone-menu.js';
import { emptyViews } from './empty-views.js';
import { router } from './router.js';
import { lazyViews, afterFirstPictures } from './views.js';
import { code, galleryParts } from './sections.js';

async function boot() {
  // Views draw once their data has come, so the browser's own restore of the scroll position on
  // a reload would land anywhere (the studio's Create heading scrolled out): each view starts
  // at its top.
  if ('scrollRestoration' in window.history) window.history.scrollRestoration = 'manual';
  router.start();
  initTheme(byId('theme-toggle'));
  phoneMenu();
  const status = byId('boot-status');
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    replaceChildren(
      status,
      `The studio could not start: ${err.message} `,
      h('button', { type: 'button', class: 'btn btn--link', onclick: () => window.location.reload() }, 'Reload'),
    );
    status.setAttribute('role', 'alert');
    return;
  }
  show(status, false);

  // Say plainly when images come from the simulator rather than Replicate.
  show(byId('sim-badge'), config.simulated);
  show(byId('sim-note'), config.simulated);
  document.body.classList.toggle('is-simulated', config.simulated);

  const auth = new Auth(config.cognito, window.localStorage, early);
  const api = new Api(config.apiBase, auth);
  const login = new LoginView(auth);
  const models = new Models(api);
  const budget = new Budget(api);
  const userArea = byId('user-area');
  const nav = byId('app-nav');
  const modelName = (id) => models.name(id);
  // The studio opened, then `then(studio)` (unless its code could not come).
  const inStudio = (then) => go('studio').then(() => view('studio') && then(view('studio')));
  const editThis = (asset) => inStudio((studio) => studio.editAsset(asset, 'edit'));
  lightbox.configure(api, {
    modelName,
    editThis,
    vary: (asset) => inStudio((studio) => studio.vary(asset)),
    useSettings: (job) => inStudio((studio) => studio.useSettings(job)),
    rerun: async (job, opts) => (await lazy.get('studio')).rerun(job, opts), // its card waits in the studio
    trashed: (ids) => undo.show(ids),
    restored: () => undo.hide(),
  });
  // The gallery's confirmation dialog serves the views that delete for good.
  const confirm = async (text) => (await lazy.get('gallery')).confirm(text);
  // Before the gallery is first opened, nothing of it is selected or shown to reload.
  const pickers = new CollectionPickers(api, { gallery: () => lazy.peek('gallery') || { selected: new Set(), reload() {} } });
  const undo = new UndoToast(api, { onRestored: () => lazy.peek('gallery')?.reload() });
  const onSpend = () => budget.refresh();
  emptyViews({ toStudio: (focus) => go('studio', { focus }) });

  // Every section is made when first opened (views.js).
  const lazy = lazyViews({
    studio: async () => {
      const [{ Studio }] = await code.studio();
      return new Studio(api, { models, budget });
    },
    gallery: async () => {
      const parts = galleryParts();
      const { Gallery } = await import('./gallery.js');
      const gallery = new Gallery(api, {
        modelName,
        models: () => models.list,
        modelsReady: () => models.settled(),
        parts: parts.then(
          ([{ GallerySelect }, { GalleryZip }]) => {
            new GallerySelect(gallery, { modelName });
            new GalleryZip(api, { selected: () => [...gallery.selected] });
          },
          () => {
            replaceChildren(status, 'Selecting pictures could not be loaded: check the connection, then reload the page.');
            show(status, true);
          },
        ),
        trashed: (ids) => undo.show(ids),
        collection: () => pickers.current(),
      });
      return gallery;
    },
    usage: async () => {
      const [{ Usage }] = await code.usage(); // uPlot's stylesheet comes with its code
      return new Usage(api, { modelName });
    },
    compare: async () => {
      const [{ CompareView }] = await code.compare();
      return new CompareView(api, { editThis, onSpend });
    },
    collections: async () => {
      const [{ CollectionsView }] = await code.collections();
      return new CollectionsView(api, {
        pickers,
        confirm,
        showInGallery: (id) => {
          byId('filter-collection').value = id;
          go('gallery', { focus: true });
        },
      });
    },
    trash: async () => new (await code.trash())[0].TrashView(api, { modelName, confirm, onRestored: () => {} }),
    story: async () => new (await code.story())[0].StoryView(api, { onSpend }),
    boards: async () => new (await code.boards())[0].BoardsView(api, { onSpend }),
    shares: async () => {
      const [{ SharesView }] = await code.shares();
      return new SharesView(api);
    },
    account: async () => {
      const [{ AccountView }] = await code.account();
      return new AccountView(api, auth);
    },
    export: async () => {
      const [{ ExportView }] = await code.export();
      return new ExportView(api);
    },
  });
  // Switching views only hides one; reset() (sign-out) forgets its state.
  const view = (name) => lazy.peek(name);
  const opened = () => lazy.made();
  let current = null;
  let turn = 0;

  // One section at a time. The address names it (router.js): opening another is a new history
  // entry unless `push` is false (the first view, or the one Back/Forward chose).
  const mark = (name) => {
    for (const link of document.querySelectorAll('header [data-view]')) {
      if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  };
  async function go(name, { focus = false, push = true } = {}) {
    const mine = ++turn;
    mark(name);
    let next;
    try {
      next = await lazy.get(name);
    } catch {
      // Its code could not be fetched (offline?): say so where the page's status goes.
      if (mine === turn) {
        mark(current);
        replaceChildren(status, 'This section could not be loaded: check the connection, then reload the page.');
        show(status, true);
      }
      return;
    }
    if (mine !== turn) return; // another view was asked for while this one's code came
    show(status, false);
    router.show(name, { push });
    current = name;
    for (const [key, v] of opened()) if (key !== name) v.close();
    pickers.followView(name);
    await next.open();
    if (focus) byId(name === 'studio' ? 'create-title' : `${name}-title`).focus?.();
    if (mine === turn) await follow(name);
  }
  // The picture the address names, shown in the lightbox once the section's list has come.
  async function follow(name) {
    const list = name === 'studio' ? view('studio')?.jobs : view(name);
    await Promise.resolve(list?.ready).catch(() => {});
    const fetchAsset = async (id) => (await api.asset(id)).asset;
    await lightbox.follow(list?.source || null, fetchAsset);
    if (name === 'gallery') (await import('./compare-two.js')).followPair(fetchAsset, { modelName });
    // The share dialog and the shortcut sheet, above what the address shows (fetched only when
    // it names them or one is open, to be closed).
    const open = (id) => document.getElementById(id)?.open;
    if (router.param('share') || open('share-dialog')) (await import('./share-dialog.js')).followShareDialog(api);
    if (router.param('keys') || open('shortcuts-dialog')) (await import('./shortcuts.js')).followShortcuts();
  }
  byId('export-link').addEventListener('click', () => go('export', { focus: true }));
  nav.addEventListener('click', (e) => {
    const link = e.target.closest('[data-view]');
    if (link) go(link.dataset.view, { focus: true });
  });
  byId('account-link').addEventListener('click', () => go('account', { focus: true }));
  // Back and Forward: the section the address names now.
  router.onChange((name) => {
    if (!current) return;
    if (name !== current) go(name, { push: false });
    else follow(name);
  });

  const openStudio = () => {
    login.close();
    byId('username').textContent = auth.username;
    show(userArea, true);
    show(nav, true);
    pickers.refresh();
    budget.refresh();
    models.load().catch(() => {}); // the sections that need it say so when it fails
    // The studio's code comes once another first view is drawn: a click on Studio then waits
    // for no module, and the fetch doesn't compete with that view's largest paint.
    const first = router.view();
    go(first, { push: false }).then(() => first !== 'studio' && afterFirstPictures(() => code.studio().catch(() => {})));
  };
  const openLogin = (reason) => {
    lightbox.close();
    for (const [, v] of opened()) v.close();
    for (const name of ['studio', 'gallery', 'boards']) view(name)?.reset();
    budget.reset();
    undo.hide();
    // A sign-out forgets the section; a signed-out visit to an address keeps it for after.
    if (current) router.set({ view: null });
    current = null;
    show(nav, false);
    show(userArea, false);
    byId('username').textContent = '';
    login.open(reason);
    // While the person types, the code of the section they will land on comes (the sign-in page
    // needs none of it, so it waits until the page is idle).
    afterFirstPictures(() => code[router.view()]?.().catch(() => {}));
  };

  auth.addEventListener('signedin', () => openStudio());
  auth.addEventListener('signedout', (e) => openLogin(e.detail?.reason));
  byId('logout').addEventListener('click', () => auth.signOut());

  if (auth.signedIn) openStudio();
  else openLogin(null);
}

boot();
