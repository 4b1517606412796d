// The chain of a picture: every step (upload, edit, restoration) is an asset whose parent is
// the step it came from, so the steps form a tree. The current step is what the composer edits
// next. Back and forward (buttons, Ctrl+Z, Ctrl+Shift+Z) move the current step and delete
// nothing; editing an earlier step starts a branch and the later steps stay, in their own row.
// The address keeps the current step and the branch tips (#step=…&tips=…), and a reload
// rebuilds the tree from GET /api/assets/{id}/lineage.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { compareView } from './compare.js';
import { describeJob } from './describe.js';
import { renderStrip, stepLabel } from './chain-strip.js';
import { canRerun } from './rerun.js';
import { router } from './router.js';

export class Chain {
  /**
   * @param {import('./api.js').Api} api
   * @param {{modelName, isRestore, onChange, useSettings, editThis, restoreThis}} hooks
   */
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.section = byId('stage');
    this.view = byId('stage-view');
    this.info = byId('stage-info');
    this.strip = byId('chain-strip');
    this.position = byId('step-position');
    this.backButton = byId('step-back');
    this.forwardButton = byId('step-forward');
    this.note = byId('chain-note');
    this.jobs = new Map(); // job id → Job (for model, options and sources of a step)
    this.reset({ keepAddress: true }); // the address may hold a picture to rebuild after sign-in

    this.backButton.addEventListener('click', () => this.back());
    this.forwardButton.addEventListener('click', () => this.forward());
    byId('chain-clear').addEventListener('click', () => {
      this.reset();
      this.hooks.onChange(null);
      announce('The picture was put aside. Its steps stay in your jobs.');
    });
    document.addEventListener('keydown', (e) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== 'z') return;
      if (this.section.hidden || isTextEntry(e.target)) return; // text fields keep their own undo
      e.preventDefault();
      if (e.shiftKey) this.forward();
      else this.back();
    });
    document.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'y' && !this.section.hidden && !isTextEntry(e.target)) {
        e.preventDefault();
        this.forward();
      }
    });
  }

  /** Forget the tree (sign-out, "Put aside"), and the address's picture unless told to keep it. */
  reset({ keepAddress = false } = {}) {
    this.nodes = new Map(); // id → {asset, parent, children: [], active}
    this.root = null;
    this.current = null;
    this.pending = new Map(); // job id → parent step id
    this.truncated = false;
    this.generation = (this.generation || 0) + 1;
    if (!keepAddress) this.#persist();
    this.render();
  }

  get currentAsset() {
    return this.current ? this.nodes.get(this.current).asset : null;
  }

  has(id) {
    return this.nodes.has(id);
  }

  /** A new picture (an upload): it becomes the root of a new chain. */
  startWith(asset) {
    this.reset();
    this.#add(asset, null);
    this.select(asset.id);
  }

  /** Make `assetId` the current step, fetching its ancestors when it is not in the tree. */
  async open(assetId, known = null) {
    if (this.nodes.has(assetId)) {
      this.select(assetId);
      return true;
    }
    const gen = this.generation;
    let answer;
    try {
      answer = await this.api.lineage(assetId);
    } catch (err) {
      if (!known || err.status === 401) throw err;
      answer = { assets: [known], truncated: true }; // its history can't be read: start from it
    }
    const { assets, truncated } = answer;
    if (gen !== this.generation) return false;
    const root = assets[0];
    if (!this.root || !this.nodes.has(root?.id)) this.reset();
    this.#merge(assets, truncated);
    this.select(assetId);
    return true;
  }

  /** A job was started from the current step: its result will be the next step. */
  expect(job) {
    this.jobs.set(job.id, job);
    const parent = job.source_asset_ids?.[0];
    if (parent && this.nodes.has(parent)) {
      this.pending.set(job.id, parent);
      this.render();
    }
  }

  /** A job ended. When it was expected here, its first image becomes the current step. */
  settle(job, assets) {
    this.jobs.set(job.id, job);
    const parent = this.pending.get(job.id);
    if (parent === undefined) return;
    this.pending.delete(job.id);
    const images = (assets || []).filter((a) => a.kind !== 'video');
    if (job.status === 'succeeded' && images.length) {
      for (const a of images) this.#add(a, this.nodes.has(a.parent_ids?.[0]) ? a.parent_ids[0] : parent);
      this.select(images[0].id);
      announce(`Step ${this.#depth(images[0].id) + 1} is ready.`);
    } else {
      this.render();
    }
  }

  select(id) {
    if (!this.nodes.has(id)) return;
    this.current = id;
    // Every step on the way becomes the active child of its parent: forward follows this path.
    for (let n = id; this.nodes.get(n).parent; n = this.nodes.get(n).parent) {
      this.nodes.get(this.nodes.get(n).parent).active = n;
    }
    this.#persist();
    this.render();
    this.hooks.onChange(this.currentAsset);
  }

  back() {
    const parent = this.current && this.nodes.get(this.current).parent;
    if (!parent) return;
    this.select(parent);
    announce(`Back to step ${this.#depth(parent) + 1}.`);
  }

  forward() {
    const next = this.current && this.#activeChild(this.current);
    if (!next) return;
    this.select(next);
    announce(`Forward to step ${this.#depth(next) + 1}.`);
  }

  /** After a reload: rebuild the tree from the address. */
  async restoreFromAddress() {
    const params = router.fragment();
    const tips = (params.get('tips') || '').split(',').filter(Boolean);
    const step = params.get('step');
    if (!tips.length && !step) return;
    const gen = this.generation;
    const answers = await Promise.allSettled([...new Set([...tips, step].filter(Boolean))].map((id) => this.api.lineage(id)));
    if (gen !== this.generation) return;
    for (const a of answers) {
      if (a.status !== 'fulfilled' || !a.value.assets?.length) continue;
      if (this.root && a.value.assets[0].id !== this.root) continue; // another picture: ignore
      this.#merge(a.value.assets, a.value.truncated);
    }
    if (!this.root) {
      this.#persist();
      this.render();
      return;
    }
    const target = step && this.nodes.has(step) ? step : [...this.nodes.keys()].pop();
    // Keep the branch order: the tips' paths first, the current one last so it is the main row.
    for (const tip of tips) if (this.nodes.has(tip)) this.select(tip);
    this.select(target);
  }

  #merge(assets, truncated) {
    for (const asset of assets) {
      const parent = (asset.parent_ids || []).find((p) => this.nodes.has(p)) || null;
      if (this.nodes.has(asset.id)) this.nodes.get(asset.id).asset = asset; // fresher URLs
      else this.#add(asset, parent);
    }
    this.truncated = this.truncated || Boolean(truncated);
  }

  #add(asset, parent) {
    if (this.nodes.has(asset.id)) return;
    this.nodes.set(asset.id, { asset, parent, children: [], active: null });
    if (parent) {
      const p = this.nodes.get(parent);
      p.children.push(asset.id);
    } else if (!this.root) this.root = asset.id;
  }

  #activeChild(id) {
    const n = this.nodes.get(id);
    return n.active || n.children[n.children.length - 1] || null;
  }

  #depth(id) {
    let d = 0;
    for (let n = this.nodes.get(id); n && n.parent; n = this.nodes.get(n.parent)) d += 1;
    return d;
  }

  #persist() {
    if (!this.current) router.setFragment(null);
    else {
      const tips = [...this.nodes.entries()].filter(([, n]) => !n.children.length).map(([id]) => id);
      router.setFragment({ step: this.current, tips: tips.join(',') });
    }
  }

  /** The rows of the strip: the path through the current step first, then each branch. */
  #rows() {
    const rows = [];
    const walk = (start, fork) => {
      const path = [];
      for (let n = start; n; n = this.#activeChild(n)) path.push(n);
      rows.push({ fork, path });
      for (const id of path) {
        for (const c of this.nodes.get(id).children) if (c !== this.#activeChild(id)) walk(c, id);
      }
    };
    if (this.root) walk(this.root, null);
    return rows;
  }

  render() {
    const node = this.current && this.nodes.get(this.current);
    show(this.section, Boolean(node));
    if (!node) {
      this.view.replaceChildren();
      this.info.replaceChildren();
      this.strip.replaceChildren();
      return;
    }
    const depth = this.#depth(this.current);
    const total = depth + 1 + this.#pathAfter(this.current);
    this.position.textContent = `Step ${depth + 1} of ${total}`;
    this.backButton.disabled = !node.parent;
    this.forwardButton.disabled = !this.#activeChild(this.current);
    show(this.note, this.truncated);
    this.#renderView(node, depth);
    this.#renderInfo(node);
    this.#renderStrip();
  }

  #pathAfter(id) {
    let n = 0;
    for (let c = this.#activeChild(id); c; c = this.#activeChild(c)) n += 1;
    return n;
  }

  #renderView(node, depth) {
    const { asset } = node;
    const key = `${asset.id} ${asset.url} ${node.parent}`;
    if (this.view.dataset.key === key) return;
    this.view.dataset.key = key;
    const parent = node.parent && this.nodes.get(node.parent).asset;
    const job = asset.job_id && this.jobs.get(asset.job_id);
    const restored = parent && (job ? job.kind === 'restore' : this.hooks.isRestore(asset.model));
    if (restored) {
      replaceChildren(
        this.view,
        compareView({
          before: { url: parent.url, alt: `Before: step ${depth}` },
          after: { url: asset.url, alt: `After: step ${depth + 1}, restored with ${this.hooks.modelName(asset.model)}` },
          label: 'Before and after: drag or use the arrow keys to compare',
        }),
      );
    } else {
      replaceChildren(
        this.view,
        h('img', { class: 'stage__image', src: asset.url, alt: stepLabel(asset, depth, this.hooks.modelName), width: asset.width, height: asset.height }),
      );
    }
  }

  #renderInfo(node) {
    const { asset } = node;
    const job = asset.job_id ? this.jobs.get(asset.job_id) : null;
    if (asset.job_id && !job) this.#loadJob(asset.job_id);
    const details = job
      ? describeJob(job, { modelName: this.hooks.modelName, sourceThumb: (id) => this.nodes.get(id)?.asset })
      : h('p', { class: 'stage__origin' }, asset.source === 'upload' ? 'Your upload' : this.hooks.modelName(asset.model) || 'Image');
    replaceChildren(
      this.info,
      details,
      h(
        'div',
        { class: 'stage__actions' },
        h('button', { type: 'button', class: 'btn btn--primary', onclick: () => this.hooks.editThis(asset) }, 'Edit this'),
        h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.hooks.restoreThis(asset) }, 'Restore this'),
        h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.hooks.vary(asset) }, 'Vary'),
        job ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.hooks.useSettings(job) }, 'Use these settings') : null,
        canRerun(job) ? h('button', { type: 'button', class: 'btn btn--ghost', onclick: () => this.hooks.rerun(job) }, 'Rerun') : null,
        asset.download_url ? h('a', { class: 'btn btn--ghost', href: asset.download_url, download: '' }, 'Download') : null,
      ),
      asset.width && asset.height ? h('p', { class: 'stage__dims' }, `${asset.width} × ${asset.height} px`) : null,
    );
  }

  async #loadJob(jobId) {
    if (this.jobs.has(jobId) || this.loadingJob === jobId) return;
    this.loadingJob = jobId;
    try {
      const { job } = await this.api.job(jobId);
      this.jobs.set(jobId, job);
      if (this.currentAsset?.job_id === jobId) this.render();
    } catch {
      /* the step still shows its picture */
    } finally {
      this.loadingJob = null;
    }
  }

  #renderStrip() {
    renderStrip(this.strip, {
      rows: this.#rows(),
      pending: this.pending,
      cancel: this.hooks.cancelJob,
      nodes: this.nodes,
      current: this.current,
      depth: (id) => this.#depth(id),
      modelName: this.hooks.modelName,
      select: (id) => this.select(id),
    });
  }
}

function isTextEntry(el) {
  if (!el || !(el instanceof Element)) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'range', 'file'].includes(el.type);
}
