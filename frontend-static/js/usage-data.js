// The usage view's pure parts: named periods as UTC dates, and the CSV export.

export const DAY = 86_400_000;

/** YYYY-MM-DD of a Date in UTC. */
export function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

/** The {from, to} of a named period, `today` a Date. */
export function periodRange(name, today = new Date()) {
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth();
  const t = Date.UTC(y, m, today.getUTCDate());
  switch (name) {
    case 'last-month':
      return { from: isoDay(new Date(Date.UTC(y, m - 1, 1))), to: isoDay(new Date(Date.UTC(y, m, 0))) };
    case 'last-7':
      return { from: isoDay(new Date(t - 6 * DAY)), to: isoDay(new Date(t)) };
    case 'last-30':
      return { from: isoDay(new Date(t - 29 * DAY)), to: isoDay(new Date(t)) };
    default:
      return { from: isoDay(new Date(Date.UTC(y, m, 1))), to: isoDay(new Date(t)) };
  }
}

/** CSV of a usage report: one row per day and model, figures exactly as the API gave them. */
export function usageCsv(report) {
  const rows = [['date', 'model', 'jobs', 'usd']];
  for (const day of report.by_day || []) {
    for (const m of day.by_model || []) rows.push([day.date, m.model, String(m.count), String(m.usd)]);
  }
  for (const m of report.by_model || []) rows.push([`${report.from}..${report.to}`, m.model, String(m.count), String(m.usd)]);
  rows.push([`${report.from}..${report.to}`, 'total', String(report.count), String(report.total_usd)]);
  const cell = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
