// Usage: spend per day stacked by model (uPlot, vendored), totals per model, CSV export, and the
// storage in use against the user's storage limit.
// Days are UTC dates, as the server counts them.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h, byId, show, replaceChildren } from './dom.js';
import { formatUsd } from './format.js';
import { DAY, isoDay, periodRange, storageView, usageCsv } from './usage-data.js';

// The x axis's tick steps, in seconds: whole days, weeks and about months.
const DAY_TICKS = [1, 2, 7, 14, 28, 56, 91, 182, 364].map((d) => (d * DAY) / 1000);
const DAY_LABEL = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const PALETTE = ['#8b7cff', '#22d3ee', '#f59e0b', '#ef4444', '#10b981', '#ec4899', '#64748b', '#a3e635'];

export class Usage {
  constructor(api, hooks) {
    this.api = api;
    this.hooks = hooks;
    this.view = byId('usage-view');
    this.period = byId('usage-period');
    this.from = byId('usage-from');
    this.to = byId('usage-to');
    this.chartBox = byId('usage-chart');
    this.report = null;
    this.plot = null;
    this.period.addEventListener('change', () => {
      const custom = this.period.value === 'custom';
      show(byId('usage-custom'), custom);
      if (custom) {
        const r = { from: this.from.value, to: this.to.value };
        if (!r.from || !r.to) {
          const def = periodRange('this-month');
          this.from.value = def.from;
          this.to.value = def.to;
        }
        this.from.focus();
      } else this.load();
    });
    byId('usage-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.load();
    });
    byId('usage-csv').addEventListener('click', () => this.#exportCsv());
    // Colours of axes and grid follow the theme.
    new MutationObserver(() => this.report && !this.view.hidden && this.#chart()).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    window.addEventListener('resize', () => this.plot && !this.view.hidden && this.plot.setSize(this.#size()));
  }

  open() {
    show(this.view, true);
    this.load();
  }

  close() {
    show(this.view, false);
  }

  range() {
    if (this.period.value === 'custom') return { from: this.from.value, to: this.to.value };
    return periodRange(this.period.value);
  }

  async load() {
    const { from, to } = this.range();
    const error = byId('usage-error');
    show(error, false);
    if (!from || !to || from > to) {
      error.textContent = 'Choose a start date on or before the end date.';
      show(error, true);
      return;
    }
    try {
      this.report = await this.api.usage(from, to);
    } catch (err) {
      error.textContent = `Could not load your usage: ${err.message}`;
      show(error, true);
      return;
    }
    this.#render();
  }

  #render() {
    const r = this.report;
    byId('usage-summary').textContent = `${formatUsd(r.total_usd)} spent on ${r.count} job${r.count === 1 ? '' : 's'} from ${r.from} to ${r.to}.`;
    const models = this.#models();
    replaceChildren(
      byId('usage-rows'),
      (r.by_model || []).map((m) =>
        h(
          'tr',
          { dataset: { model: m.model } },
          h('th', { scope: 'row' }, h('span', { class: `swatch swatch--${models.indexOf(m.model) % PALETTE.length}`, 'aria-hidden': 'true' }), this.hooks.modelName(m.model)),
          h('td', {}, String(m.count)),
          h('td', { class: 'usage__usd' }, formatUsd(m.usd)),
        ),
      ),
    );
    byId('usage-total-count').textContent = String(r.count);
    byId('usage-total-usd').textContent = formatUsd(r.total_usd);
    this.#storage();
    this.#chart();
  }

  #storage() {
    const storage = this.report.storage;
    show(byId('usage-storage'), Boolean(storage));
    if (!storage) return;
    const v = storageView(storage);
    byId('usage-storage-summary').textContent = v.summary;
    byId('usage-storage-meter').value = v.share;
    const full = byId('usage-storage-full');
    full.textContent = v.full;
    show(full, Boolean(v.full));
  }

  #models() {
    return (this.report.by_model || []).map((m) => m.model);
  }

  #size() {
    return { width: Math.max(280, this.chartBox.clientWidth || 600), height: 280 };
  }

  #chart() {
    const r = this.report;
    const models = this.#models();
    // Every day of the range, also those without jobs.
    const days = [];
    for (let t = Date.parse(`${r.from}T00:00:00Z`); t <= Date.parse(`${r.to}T00:00:00Z`); t += DAY) days.push(t);
    const byDate = new Map((r.by_day || []).map((d) => [d.date, d]));
    const own = models.map((model) =>
      days.map((t) => byDate.get(isoDay(new Date(t)))?.by_model?.find((m) => m.model === model)?.usd || 0),
    );
    // Stacked: series i is drawn as the sum of models i..n, tallest first, so each bar shows through.
    const stacked = own.map((_, i) => days.map((__, d) => own.slice(i).reduce((s, row) => s + row[d], 0)));
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--muted').trim() || '#888';
    const grid = css.getPropertyValue('--border').trim() || '#444';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    // Day bars tick days, never hours (a range of a day or two would otherwise tick hours). The
    // labels drawn are kept on the chart's box too, where a test can read them.
    const xAxis = {
      ...axis,
      incrs: DAY_TICKS,
      values: (u, splits) => {
        const labels = splits.map((s) => DAY_LABEL.format(new Date(s * 1000)));
        this.chartBox.dataset.dayTicks = labels.join('|');
        return labels;
      },
    };
    const opts = {
      ...this.#size(),
      legend: { show: false },
      cursor: { show: false },
      // The range's own days, half a day either side: whole bars, and a one-day range is one bar
      // with its day's tick (uPlot would widen a single point by years).
      scales: { x: { time: true, range: () => [(days[0] - DAY / 2) / 1000, (days[days.length - 1] + DAY / 2) / 1000] }, y: { range: (u, min, max) => [0, Math.max(max, 0.01) * 1.1] } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      axes: [xAxis, { ...axis, size: 70, values: (u, vals) => vals.map((v) => formatUsd(v)) }],
      series: [
        {},
        ...models.map((model, i) => ({
          label: this.hooks.modelName(model),
          stroke: PALETTE[i % PALETTE.length],
          fill: PALETTE[i % PALETTE.length],
          paths: uPlot.paths.bars({ size: [0.7, 40] }),
          points: { show: false },
        })),
      ],
    };
    this.plot?.destroy();
    this.chartBox.replaceChildren();
    const data = [days.map((t) => t / 1000), ...stacked];
    this.plot = new uPlot(opts, data, this.chartBox);
    const total = formatUsd(r.total_usd);
    this.chartBox.setAttribute('role', 'img');
    this.chartBox.setAttribute(
      'aria-label',
      `Bar chart of spend per day from ${r.from} to ${r.to}, stacked by model; ${total} in total. ${(r.by_model || [])
        .map((m) => `${this.hooks.modelName(m.model)}: ${formatUsd(m.usd)}`)
        .join('; ')}.`,
    );
  }

  #exportCsv() {
    if (!this.report) return;
    const blob = new Blob([usageCsv(this.report)], { type: 'text/csv' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `usage-${this.report.from}-to-${this.report.to}.csv`, class: 'visually-hidden' }, 'CSV');
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
