// The board's plane: tiles positioned absolutely and moved with CSS transforms only (a drag
// never changes layout), pointer-event drag for mouse, pen and touch, a resize handle, arrow
// keys on the focused tile, and the links from a varied or edited tile to its source drawn as
// lines. The owner (boards.js) keeps the data and saves; this calls `onChange` after each edit.

import { h, announce } from './dom.js';
import { moveBy, resize, LIMITS } from './board-tiles.js';

const SVG = 'http://www.w3.org/2000/svg';
const MARGIN = 400;
const KEY_STEP = 10;

export class BoardCanvas {
  /**
   * @param {HTMLElement} root  the scrollable viewport
   * @param {{assetOf: (id) => object|null, onChange: () => void, onAction: (action, tile) => void}} hooks
   */
  constructor(root, { assetOf, onChange, onAction }) {
    this.root = root;
    this.assetOf = assetOf;
    this.onChange = onChange;
    this.onAction = onAction;
    this.plane = h('div', { class: 'board__plane' });
    this.links = document.createElementNS(SVG, 'svg');
    this.links.setAttribute('class', 'board__links');
    this.links.setAttribute('aria-hidden', 'true');
    this.plane.append(this.links);
    root.replaceChildren(this.plane);
    this.tiles = [];
    this.els = new Map();
    this.origin = { x: 0, y: 0 };
    this.frame = null;
    this.dirty = new Set();
  }

  /** Draws every tile anew (a board was loaded, or tiles were added or removed). */
  render(tiles) {
    this.tiles = tiles;
    const minX = Math.min(0, ...tiles.map((t) => t.x));
    const minY = Math.min(0, ...tiles.map((t) => t.y));
    this.origin = { x: minX - MARGIN / 4, y: minY - MARGIN / 4 };
    for (const el of this.els.values()) el.remove();
    this.els.clear();
    const frag = document.createDocumentFragment();
    for (const t of tiles) {
      const el = this.#tileEl(t);
      this.els.set(t.id, el);
      frag.append(el);
    }
    this.plane.append(frag);
    this.#sizePlane();
    this.#drawLinks();
  }

  focus(tile) {
    this.els.get(tile.id)?.focus();
  }

  #sizePlane() {
    const maxX = Math.max(800, ...this.tiles.map((t) => t.x + t.w)) - this.origin.x + MARGIN;
    const maxY = Math.max(600, ...this.tiles.map((t) => t.y + t.h)) - this.origin.y + MARGIN;
    this.plane.style.width = `${maxX}px`;
    this.plane.style.height = `${maxY}px`;
    this.links.setAttribute('width', String(maxX));
    this.links.setAttribute('height', String(maxY));
  }

  #place(t) {
    const el = this.els.get(t.id);
    if (!el) return;
    el.style.transform = `translate(${t.x - this.origin.x}px, ${t.y - this.origin.y}px)`;
    el.style.zIndex = String(1 + Math.min(t.z, LIMITS.maxZ));
  }

  /** Applies position changes on the next animation frame (one style write per tile). */
  #schedule(t) {
    this.dirty.add(t);
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      for (const d of this.dirty) this.#place(d);
      this.dirty.clear();
      this.#drawLinks();
    });
  }

  #label(t) {
    const a = this.assetOf(t.asset_id);
    if (t.pending) return `New picture, ${t.pending}`;
    if (!a) return 'A picture that was deleted';
    return a.prompt ? `Picture: ${a.prompt.slice(0, 80)}` : a.source === 'upload' ? 'Uploaded picture' : 'Picture';
  }

  #tileEl(t) {
    const a = t.asset_id ? this.assetOf(t.asset_id) : null;
    let media;
    if (t.pending) media = h('p', { class: 'btile__pending', role: 'status' }, t.pending);
    else if (!a) media = h('p', { class: 'btile__missing' }, 'Deleted');
    else if (a.kind === 'video')
      media = h('video', { class: 'btile__img', src: a.url, muted: true, preload: 'none', width: t.w, height: t.h, 'aria-label': this.#label(t) });
    else
      media = h('img', {
        class: 'btile__img',
        src: a.url,
        alt: this.#label(t),
        loading: 'lazy',
        decoding: 'async',
        draggable: 'false',
        width: a.width || t.w,
        height: a.height || t.h,
      });
    const image = a && a.kind === 'image' && !t.pending;
    const btn = (action, text, label, enabled = true) =>
      h('button', { type: 'button', class: 'btn btn--ghost btile__btn', dataset: { action }, 'aria-label': label, disabled: !enabled }, text);
    const el = h(
      'div',
      { class: `btile${t.pending ? ' is-pending' : ''}`, role: 'group', tabindex: '0', 'aria-label': this.#label(t), dataset: { id: t.id } },
      media,
      t.linked_from ? h('span', { class: 'btile__badge', title: 'Made from the tile it is linked to' }, 'Linked') : null,
      h(
        'div',
        { class: 'btile__tools' },
        btn('vary', 'Vary', 'Vary this picture', image),
        btn('edit', 'Edit', 'Edit this picture', image),
        btn('duplicate', 'Duplicate', 'Duplicate this tile', !t.pending),
        btn('delete', 'Delete', 'Delete this tile'),
      ),
      h('span', { class: 'btile__resize', 'aria-hidden': 'true', dataset: { resize: '1' } }),
    );
    el.style.width = `${t.w}px`;
    el.style.height = `${t.h}px`;
    this.els.set(t.id, el);
    this.#place(t);
    el.addEventListener('pointerdown', (e) => this.#pointerDown(e, t, el));
    el.addEventListener('keydown', (e) => this.#key(e, t));
    el.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-action]');
      if (b) this.onAction(b.dataset.action, t);
    });
    return el;
  }

  #pointerDown(e, t, el) {
    if (e.button !== 0 || e.target.closest('button')) return;
    const resizing = Boolean(e.target.dataset.resize);
    e.preventDefault();
    el.setPointerCapture(e.pointerId);
    el.focus({ preventScroll: true });
    el.classList.add('is-dragging');
    const start = { px: e.clientX, py: e.clientY, x: t.x, y: t.y, w: t.w, h: t.h };
    let moved = false;
    const move = (ev) => {
      const dx = ev.clientX - start.px;
      const dy = ev.clientY - start.py;
      moved = moved || Math.abs(dx) + Math.abs(dy) > 0;
      if (resizing) {
        resize(t, start.w + dx, start.h + dy);
        el.style.width = `${t.w}px`;
        el.style.height = `${t.h}px`;
        this.#drawLinksSoon();
      } else {
        t.x = start.x;
        t.y = start.y;
        moveBy(t, dx, dy);
        this.#schedule(t);
      }
    };
    const end = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', end);
      el.removeEventListener('pointercancel', end);
      el.classList.remove('is-dragging');
      if (moved) {
        this.#sizePlane();
        this.onChange();
      }
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
  }

  #key(e, t) {
    if (e.target !== e.currentTarget) return;
    const step = e.shiftKey ? KEY_STEP * 5 : KEY_STEP;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (!d) return;
    e.preventDefault();
    moveBy(t, d[0], d[1]);
    this.#schedule(t);
    this.#sizePlane();
    announce(`Moved to ${t.x}, ${t.y}`);
    this.onChange();
  }

  #drawLinksSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.#drawLinks();
    });
  }

  #drawLinks() {
    const byId = new Map(this.tiles.map((t) => [t.id, t]));
    const lines = [];
    for (const t of this.tiles) {
      const s = t.linked_from && byId.get(t.linked_from);
      if (!s) continue;
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('class', 'board__link');
      line.setAttribute('x1', String(s.x + s.w / 2 - this.origin.x));
      line.setAttribute('y1', String(s.y + s.h / 2 - this.origin.y));
      line.setAttribute('x2', String(t.x + t.w / 2 - this.origin.x));
      line.setAttribute('y2', String(t.y + t.h / 2 - this.origin.y));
      line.dataset.from = s.id;
      line.dataset.to = t.id;
      lines.push(line);
    }
    this.links.replaceChildren(...lines);
  }
}
