// Zips to take home, built by the server in the background (docs/architecture.md, "Zips to take
// home"), then handed over as a short-lived signed link:
// - GalleryZip: the gallery selection bar's "Download as zip": starts a zip of the selection,
//   shows its progress in the bar, then starts the download and keeps a link to it;
// - ExportView, the page at ?export (?export=<id> names the running or built export, so a
//   reload shows it again): start an export of everything, its progress, and, when built, a
//   button that asks the API for a FRESH signed link on each click (the zip is kept 24 hours;
//   a link lives minutes).

import { h, byId, show, replaceChildren, announce, newUuid } from './dom.js';
import { formatDateTime } from './format.js';
import { OwnedPage } from './owned-page.js';

const POLL_MS = 1000;

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Bytes as MB with one decimal (a zip is at most 2 GiB). */
export function sizeText(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "3 of 10 files" while building; the same for a built zip. */
export function progressText(z) {
  return `${z.files_done} of ${plural(z.files_total, 'file')}`;
}

/** Starts the browser's download of a signed link (the server names the file). */
function startDownload(url) {
  const link = h('a', { href: url, download: '', class: 'visually-hidden' }, 'download');
  document.body.append(link);
  link.click();
  link.remove();
}

/** The "Download as zip" button of the gallery's selection bar. */
export class GalleryZip {
  /** @param {{selected: () => string[]}} hooks */
  constructor(api, { selected }) {
    this.api = api;
    this.selected = selected;
    this.button = byId('sel-zip');
    this.status = byId('zip-status');
    this.busy = false;
    this.count = 0;
    this.timer = null;
    byId('gallery-view').addEventListener('gallery-selection', (e) => {
      this.count = e.detail.count;
      this.#render();
    });
    this.button.addEventListener('click', () => this.#start());
  }

  #render() {
    this.button.disabled = this.busy || this.count === 0;
  }

  #say(...parts) {
    replaceChildren(this.status, ...parts);
    show(this.status, true);
  }

  async #start() {
    const ids = this.selected();
    if (!ids.length) return;
    this.busy = true;
    this.#render();
    this.#say(`Starting a zip of ${plural(ids.length, 'file')}…`);
    try {
      const z = await this.api.request('POST', '/zips', { body: { asset_ids: ids }, headers: { 'Idempotency-Key': newUuid() } });
      await this.#follow(z);
    } catch (err) {
      this.#say(`Could not make the zip: ${err.message}`);
    } finally {
      this.busy = false;
      this.#render();
    }
  }

  async #follow(z) {
    for (;;) {
      if (z.state === 'done') return this.#done(z);
      if (z.state !== 'building') {
        this.#say(`The zip could not be made: ${z.error || 'it is no longer available'}`);
        return;
      }
      this.#say(`Building the zip: ${progressText(z)}…`);
      await new Promise((r) => {
        this.timer = setTimeout(r, POLL_MS);
      });
      z = await this.api.request('GET', `/zips/${encodeURIComponent(z.id)}`);
    }
  }

  #done(z) {
    const n = z.skipped?.length || 0;
    const skipped = n ? ` ${plural(n, 'picture')} no longer existed and ${n === 1 ? 'was' : 'were'} left out.` : '';
    const link = h('a', { href: z.url, download: '', class: 'btn btn--link' }, `Download ${z.file_name}`);
    this.#say(`The zip is ready (${sizeText(z.bytes)}).${skipped} Its download started; if it did not: `, link);
    announce('The zip is ready; its download started.');
    startDownload(z.url);
  }
}

/** The Export page (?view=export, and &export=<id> once one is started). */
export class ExportView extends OwnedPage {
  constructor(api) {
    super({ param: 'export', view: byId('export-view'), error: byId('export-error'), history: null });
    this.api = api;
    this.startButton = byId('export-start');
    this.progress = byId('export-progress');
    this.bar = byId('export-bar');
    this.state = byId('export-state');
    this.getButton = byId('export-download');
    this.startButton.addEventListener('click', () => this.#start());
    this.getButton.addEventListener('click', () => this.#download());
  }

  async open() {
    show(this.view, true);
    this.hideError();
    const id = this.addressed();
    if (id) await this.load(id);
    else {
      this.address(null);
      this.#render(null);
    }
  }

  async #start() {
    this.hideError();
    this.startButton.disabled = true;
    try {
      const z = await this.api.request('POST', '/exports', { headers: { 'Idempotency-Key': newUuid() } });
      this.address(z.id);
      announce('Export started.');
      this.#show(z);
    } catch (err) {
      this.showError(`Could not start the export: ${err.message}`);
      this.startButton.disabled = false;
    }
  }

  /** Reads the export's state and shows it (polling while it builds). */
  async load(id) {
    this.stop();
    try {
      this.#show(await this.api.request('GET', `/exports/${encodeURIComponent(id)}`));
    } catch (err) {
      if (err.status === 401) return;
      this.showError(err.status === 404 ? 'That export was not found; start a new one.' : `Could not read the export: ${err.message}`);
      this.address(null);
      this.#render(null);
    }
  }

  #show(z) {
    this.address(z.id);
    this.#render(z);
    if (z.state === 'building') this.poll(() => this.load(z.id), POLL_MS);
    else if (z.state === 'done') announce('Your export is ready to download.');
  }

  /** The page for export `z` (null: none started). */
  #render(z) {
    const building = z?.state === 'building';
    this.startButton.disabled = building;
    this.startButton.textContent = z ? 'Start a new export' : 'Start the export';
    show(this.progress, Boolean(z));
    show(this.getButton, z?.state === 'done');
    if (!z) return;
    this.bar.max = Math.max(1, z.files_total);
    this.bar.value = z.state === 'done' ? this.bar.max : z.files_done;
    this.bar.setAttribute('aria-valuetext', progressText(z));
    const started = `Started ${formatDateTime(z.created_at)}.`;
    if (building) this.state.textContent = `${started} Building: ${progressText(z)} copied…`;
    else if (z.state === 'done') {
      this.state.textContent = `${started} Ready: ${plural(z.files_done, 'file')} with metadata.json and usage.csv, ${sizeText(z.bytes)}. Kept until ${formatDateTime(z.expires_at)}.`;
    } else if (z.state === 'expired') this.state.textContent = `${started} This export was kept 24 hours and is gone; start a new one.`;
    else this.state.textContent = `${started} It failed: ${z.error || 'please try again'}.`;
  }

  /** Asks for a fresh signed link (each lives minutes), then downloads it. */
  async #download() {
    this.hideError();
    try {
      const z = await this.api.request('GET', `/exports/${encodeURIComponent(this.currentId)}`);
      this.#render(z);
      if (z.state !== 'done' || !z.url) {
        this.showError('This export can no longer be downloaded; start a new one.');
        return;
      }
      startDownload(z.url);
      announce('Download started.');
    } catch (err) {
      this.showError(`Could not get a download link: ${err.message}`);
    }
  }
}
