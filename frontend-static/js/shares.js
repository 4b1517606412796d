// The Shares view: the caller's live share links (what each shows, until when, how often it
// was opened), each with Revoke. Links themselves are not listed: only their hashes are kept.

import { h, byId, show, replaceChildren, announce } from './dom.js';
import { formatDateTime } from './format.js';

const KINDS = { asset: 'Picture', set: 'Comparison', story: 'Story', board: 'Board' };

export class SharesView {
  constructor(api) {
    this.api = api;
    this.view = byId('shares-view');
    this.list = byId('share-list');
    this.status = byId('shares-status');
    this.error = byId('shares-error');
  }

  async open() {
    show(this.view, true);
    await this.load();
  }

  close() {
    show(this.view, false);
  }

  async load() {
    show(this.error, false);
    this.status.textContent = 'Loading your links…';
    let shares = [];
    try {
      let cursor = null;
      do {
        const page = await this.api.request('GET', `/shares?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        shares = shares.concat(page.shares);
        cursor = page.next_cursor;
      } while (cursor);
    } catch (err) {
      this.status.textContent = '';
      this.error.textContent = `Could not load your links: ${err.message}`;
      show(this.error, true);
      return;
    }
    this.status.textContent = shares.length
      ? `${shares.length} live ${shares.length === 1 ? 'link' : 'links'}.`
      : 'No live links. Use “Share…” on a picture, comparison, story or board to make one.';
    replaceChildren(this.list, shares.map((s) => this.row(s)));
  }

  row(s) {
    const what = `${KINDS[s.kind] || s.kind} ${s.target_id}`;
    const revoke = h('button', { type: 'button', class: 'btn btn--danger btn--small', 'aria-label': `Revoke the link to ${what}` }, 'Revoke');
    revoke.addEventListener('click', () => this.revoke(s, revoke));
    return h(
      'li',
      { class: 'shares__row', dataset: { share: s.id } },
      h('span', { class: 'shares__what' }, what),
      h('span', {}, `Until ${formatDateTime(s.expires_at)}`),
      h('span', { class: 'shares__opens' }, `Opened ${s.opens} ${s.opens === 1 ? 'time' : 'times'}`),
      h('span', {}, s.show_prompt ? 'Shows the prompt' : 'Prompt hidden'),
      revoke,
    );
  }

  async revoke(s, button) {
    button.disabled = true;
    try {
      await this.api.request('DELETE', `/shares/${encodeURIComponent(s.id)}`);
    } catch (err) {
      if (err.status !== 404) {
        this.error.textContent = `Could not revoke: ${err.message}`;
        show(this.error, true);
        button.disabled = false;
        return;
      }
    }
    announce('Link revoked. It no longer opens.');
    await this.load();
    byId('shares-title').focus();
  }
}
