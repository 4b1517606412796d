// Entry point: load the configuration, then show either the sign-in form or the studio.

import { loadConfig } from './config.js';
import { Auth } from './auth.js';
import { Api } from './api.js';
import { LoginView } from './login.js';
import { Studio } from './studio.js';
import { Gallery } from './gallery.js';
import { GallerySelect } from './gallery-select.js';
import { GallerySearch } from './search.js';
import { Usage } from './usage.js';
import { PromptIdeas } from './prompt-ideas.js';
import { PromptHistory } from './prompt-history.js';
import { CompareView } from './compare-models.js';
import { StoryView } from './story.js';
import { CollectionsView, CollectionPickers, addressedFilter } from './collections.js';
import { BoardsView } from './boards.js';
import { TrashView, UndoToast } from './trash.js';
import { SharesView } from './shares.js';
import { lightbox } from './lightbox.js';
import { AccountView } from './account.js';
import { GalleryZip, ExportView } from './zips.js';
import { byId, show, h, replaceChildren } from './dom.js';
import { initTheme } from './theme.js';
import { phoneMenu } from './phone-menu.js';
import { emptyViews } from './empty-views.js';

async function boot() {
  // Views draw once their data has come, so the browser's own restore of the scroll position on
  // a reload would land anywhere (the studio's Create heading scrolled out): each view starts
  // at its top.
  if ('scrollRestoration' in window.history) window.history.scrollRestoration = 'manual';
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

  const auth = new Auth(config.cognito);
  const api = new Api(config.apiBase, auth);
  const login = new LoginView(auth);
  const studio = new Studio(api);
  const userArea = byId('user-area');
  const nav = byId('app-nav');
  const modelName = (id) => studio.allModels.get(id)?.name || id || '';
  lightbox.configure(api, {
    modelName,
    editThis: (asset) => go('studio').then(() => studio.editAsset(asset, 'edit')),
    vary: (asset) => go('studio').then(() => studio.vary(asset)),
    useSettings: (job) => go('studio').then(() => studio.useSettings(job)),
    rerun: (job, opts) => studio.rerun(job, opts),
    trashed: (ids) => undo.show(ids),
    restored: () => undo.hide(),
  });
  const gallery = new Gallery(api, {
    modelName,
    models: () => studio.catalog,
    trashed: (ids) => undo.show(ids),
    collection: () => pickers.current(),
  });
  new GallerySelect(gallery, { modelName });
  const pickers = new CollectionPickers(api, { gallery: () => gallery });
  const collections = new CollectionsView(api, {
    pickers,
    confirm: (text) => gallery.confirm(text),
    showInGallery: (id) => {
      byId('filter-collection').value = id;
      go('gallery', { focus: true });
    },
  });
  const undo = new UndoToast(api, { onRestored: () => gallery.reload() });
  const trash = new TrashView(api, { modelName, confirm: (text) => gallery.confirm(text), onRestored: () => {} });
  const usage = new Usage(api, { modelName });
  const onSpend = () => studio.refreshQuota();
  new PromptIdeas(api, { onSpend });
  new PromptHistory(api);
  const compare = new CompareView(api, {
    editThis: (asset) => go('studio').then(() => studio.editAsset(asset, 'edit')),
    onSpend,
  });
  // Switching views only hides the studio; studio.close() (sign-out) forgets its state.
  const story = new StoryView(api, { onSpend });
  const boards = new BoardsView(api, { onSpend });
  const shares = new SharesView(api);
  emptyViews({ toStudio: (focus) => go('studio', { focus }) });
  const account = new AccountView(api, auth);
  new GalleryZip(api, { selected: () => [...gallery.selected] });
  const exporter = new ExportView(api);
  const views = { studio: { open: () => studio.open(), close: () => show(studio.view, false) }, compare, story, boards, gallery, collections, trash, usage, shares, account, export: exporter };

  // Studio / Gallery / Usage: one view at a time (the address keeps the studio's picture).
  async function go(name, { focus = false } = {}) {
    for (const link of document.querySelectorAll('header [data-view]')) {
      if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    for (const [key, view] of Object.entries(views)) if (key !== name) view.close();
    pickers.followView(name);
    await views[name].open();
    if (focus) byId(name === 'studio' ? 'create-title' : `${name}-title`).focus?.();
  }
  byId('export-link').addEventListener('click', () => go('export', { focus: true }));
  nav.addEventListener('click', (e) => {
    const link = e.target.closest('[data-view]');
    if (link) go(link.dataset.view, { focus: true });
  });
  byId('account-link').addEventListener('click', () => go('account', { focus: true }));

  const openStudio = () => {
    login.close();
    byId('username').textContent = auth.username;
    show(userArea, true);
    show(nav, true);
    pickers.refresh();
    const addressed = CompareView.addressed() ? 'compare' : StoryView.addressed() ? 'story' : BoardsView.addressed() ? 'boards' : null;
    const gallerySearch = GallerySearch.addressed() || addressedFilter();
    go(addressed || (AccountView.addressed() ? 'account' : CollectionsView.addressed() ? 'collections' : ExportView.addressed() ? 'export' : gallerySearch ? 'gallery' : 'studio'));
  };
  const openLogin = (reason) => {
    lightbox.close();
    studio.close();
    gallery.close();
    gallery.reset();
    trash.close();
    undo.hide();
    usage.close();
    shares.close();
    account.close();
    exporter.close();
    compare.close();
    story.close();
    collections.close();
    boards.close();
    boards.reset();
    show(nav, false);
    show(userArea, false);
    byId('username').textContent = '';
    login.open(reason);
  };

  auth.addEventListener('signedin', () => openStudio());
  auth.addEventListener('signedout', (e) => openLogin(e.detail?.reason));
  byId('logout').addEventListener('click', () => auth.signOut());

  if (auth.signedIn) openStudio();
  else openLogin(null);
}

boot();
