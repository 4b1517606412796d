// The top bar's budget: what was spent this month and what is left (GET /api/me), on every
// section, not only the studio. The studio listens for changes (its over-budget guard), and
// anything that spends asks for a refresh.

import { byId, show } from './dom.js';
import { formatUsd } from './format.js';

export class Budget extends EventTarget {
  /** @param {import('./api.js').Api} api */
  constructor(api) {
    super();
    this.api = api;
    this.quota = null;
    this.turn = 0;
  }

  /** Read the account's quota again and draw it; never rejects (the quota is informative:
   * starting a job still reports quota errors). */
  async refresh() {
    const mine = ++this.turn;
    try {
      const me = await this.api.me();
      if (mine !== this.turn) return; // a newer read (or a sign-out) came meanwhile
      this.quota = me.quota || null;
      if (me.user?.username) byId('username').textContent = me.user.username;
      this.#render();
    } catch {
      /* kept as it was */
    }
  }

  /** Sign-out: nothing is shown until the next account's read. */
  reset() {
    this.turn += 1;
    this.quota = null;
    this.#render();
  }

  #render() {
    const q = this.quota;
    const el = byId('quota-summary');
    const meter = byId('budget-meter');
    show(meter, Boolean(q));
    if (!q) {
      el.textContent = '';
      el.removeAttribute('title');
    } else {
      el.textContent = `${formatUsd(q.spent_usd)} spent · ${formatUsd(q.remaining_usd)} left of ${formatUsd(q.monthly_limit_usd)}`;
      el.title = `Monthly limit for ${q.period}`;
      meter.max = Math.max(Number(q.monthly_limit_usd) || 0, 0.0001);
      meter.value = Math.min(Number(q.spent_usd) || 0, meter.max);
      meter.low = meter.max * 0.75;
      meter.high = meter.max * 0.9;
      meter.optimum = 0;
    }
    this.dispatchEvent(new Event('change'));
  }
}
