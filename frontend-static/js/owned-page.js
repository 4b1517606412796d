// One page of a kind of owned group (a comparison set, a story, a collection): what each such
// page does the same way, written once. The address (router.js) names the open group (?<param>=<id>), so
// a reload shows it again; a short list of the user's groups of that kind opens one on click;
// a group still filling is polled; an error shows in the page's alert. The pages
// (compare-models.js, story.js, collections.js) extend it with what is their own.

import { show, h, replaceChildren } from './dom.js';
import { router } from './router.js';

export class OwnedPage {
  /**
   * @param {{param: string, view: HTMLElement, error: HTMLElement, history: HTMLElement}} parts
   *   param: the address parameter naming the open group
   */
  constructor({ param, view, error, history }) {
    this.param = param;
    this.view = view;
    this.error = error;
    this.history = history;
    this.currentId = null;
    this.timer = null;
  }

  /** The id the address names for `param`, if any. */
  static addressedAs(param) {
    return router.param(param);
  }

  addressed() {
    return OwnedPage.addressedAs(this.param);
  }

  /** Names the open group in the address (null: none), without a new history entry. */
  address(id) {
    this.currentId = id;
    router.set({ [this.param]: id });
  }

  /** Calls `next` after `ms` (the group is still filling); one poll at a time. */
  poll(next, ms) {
    this.stop();
    this.timer = setTimeout(next, ms);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  close() {
    show(this.view, false);
    this.stop();
    this.address(null);
  }

  showError(text) {
    this.error.textContent = text;
    show(this.error, true);
  }

  hideError() {
    show(this.error, false);
  }

  /**
   * Lists the user's groups in the page's history list: one button each, labelled by `label`,
   * that opens it (`this.load(id)`); the open one is marked current.
   * @param {() => Promise<Array<{id: string}>>} fetch
   * @param {(item: object) => string} label
   */
  async renderHistory(fetch, label) {
    try {
      const items = await fetch();
      replaceChildren(
        this.history,
        items.map((item) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn--link',
                'aria-current': item.id === this.currentId ? 'true' : null,
                onclick: () => this.load(item.id),
              },
              label(item),
            ),
          ),
        ),
      );
      return items;
    } catch {
      /* the list is a convenience */
      return [];
    }
  }
}
