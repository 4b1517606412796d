// The studio's prompt history: focusing the prompt box lists the recent distinct prompts of the
// user's jobs (read from the API, so another browser's prompts are there too), newest first;
// typing narrows the list. A listbox under the box, driven from the box itself (↓/↑ move,
// Enter picks, Esc closes; aria-activedescendant tells a screen reader which one is active), or
// by a click. Picking one puts its exact text in the box.

import { h, byId, show, replaceChildren, announce } from './dom.js';

const JOBS_READ = 100; // the newest jobs read for the history (one page of GET /jobs)
const SHOWN = 8;

/** The distinct prompts of `jobs` (newest first), newest first; rewrites (text jobs) excluded. */
export function recentPrompts(jobs, limit = SHOWN) {
  const seen = new Set();
  const out = [];
  for (const job of jobs) {
    const p = job.prompt;
    if (!p || job.kind === 'text' || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    if (out.length === limit) break;
  }
  return out;
}

export class PromptHistory {
  /** @param {import('./api.js').Api} api */
  constructor(api, box = byId('prompt')) {
    this.api = api;
    this.box = box;
    this.prompts = [];
    this.shown = [];
    this.active = -1;
    this.generation = 0;
    this.list = h('ul', { id: `${box.id}-history`, class: 'history', role: 'listbox', 'aria-label': 'Recent prompts', hidden: true });
    this.hint = h('span', { id: `${box.id}-history-hint`, class: 'visually-hidden' }, 'Recent prompts below: ↓ to choose one.');
    this.list.addEventListener('mousedown', (e) => e.preventDefault()); // the focus stays in the box
    this.list.addEventListener('click', (e) => {
      const option = e.target.closest('[role="option"]');
      if (option) this.#pick(Number(option.dataset.index));
    });
    // The list hangs right under the box: both in one positioned wrapper. Moving the box takes
    // its focus (this is made once the studio is shown, when a quick person may be in it already):
    // it is given back, with the caret, once the list listens.
    const focused = document.activeElement === box;
    const caret = [box.selectionStart, box.selectionEnd];
    const anchor = h('div', { class: 'history-anchor' });
    box.replaceWith(anchor);
    anchor.append(box, this.list, this.hint);
    box.setAttribute('aria-autocomplete', 'list');
    box.setAttribute('aria-controls', this.list.id);
    box.addEventListener('focus', () => this.#load());
    box.addEventListener('blur', () => this.close());
    box.addEventListener('input', () => this.#render());
    box.addEventListener('keydown', (e) => this.#key(e));
    if (focused) {
      box.focus({ preventScroll: true }); // lists the history, as any focus does
      box.setSelectionRange(...caret);
    }
  }

  async #load() {
    const gen = ++this.generation;
    try {
      const page = await this.api.jobs({ limit: JOBS_READ });
      if (gen !== this.generation || document.activeElement !== this.box) return;
      this.prompts = recentPrompts(page.jobs || [], JOBS_READ);
      this.#render();
    } catch {
      // No history is no loss: the box works as before.
    }
  }

  /** The prompts that contain what is typed (all of them for an empty box), without the box's own text. */
  #render() {
    const typed = this.box.value.trim().toLowerCase();
    this.shown = this.prompts.filter((p) => p !== this.box.value && (!typed || p.toLowerCase().includes(typed))).slice(0, SHOWN);
    this.active = -1;
    this.box.removeAttribute('aria-activedescendant');
    replaceChildren(
      this.list,
      this.shown.map((p, i) => h('li', { id: `${this.list.id}-${i}`, class: 'history__option', role: 'option', 'aria-selected': 'false', dataset: { index: i } }, p)),
    );
    const open = this.shown.length > 0 && document.activeElement === this.box;
    show(this.list, open);
    this.#describe(open);
  }

  /** The hint joins the box's description while the list is open. */
  #describe(open) {
    const ids = (this.box.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && id !== this.hint.id);
    if (open) ids.push(this.hint.id);
    this.box.setAttribute('aria-describedby', ids.join(' '));
  }

  get isOpen() {
    return !this.list.hidden;
  }

  close() {
    this.generation += 1;
    show(this.list, false);
    this.active = -1;
    this.box.removeAttribute('aria-activedescendant');
    this.#describe(false);
  }

  #key(e) {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key === 'ArrowDown' && e.altKey && !this.isOpen) {
      e.preventDefault();
      this.#load();
      return;
    }
    if (!this.isOpen || e.altKey) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = this.shown.length;
      this.#activate(e.key === 'ArrowDown' ? (this.active + 1) % n : this.active <= 0 ? n - 1 : this.active - 1);
    } else if (e.key === 'Enter' && this.active >= 0) {
      e.preventDefault();
      this.#pick(this.active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  }

  #activate(i) {
    this.active = i;
    for (const [j, li] of [...this.list.children].entries()) {
      li.setAttribute('aria-selected', String(j === i));
      li.classList.toggle('is-active', j === i);
    }
    const li = this.list.children[i];
    this.box.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  }

  #pick(i) {
    const text = this.shown[i];
    if (text === undefined) return;
    this.box.value = text;
    this.box.dispatchEvent(new Event('input', { bubbles: true })); // the counter, the error, the estimate
    this.close();
    this.box.focus();
    this.box.setSelectionRange(text.length, text.length);
    announce('Prompt filled in from your history.');
  }
}
