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

/** Bytes for a person, in decimal units with one decimal at most, as the API's messages write them: `1.5 MB`. */
export function formatBytes(bytes) {
  const tenths = (unit) => {
    const t = Math.round((bytes * 10) / unit);
    return t % 10 === 0 ? String(t / 10) : `${Math.floor(t / 10)}.${t % 10}`;
  };
  if (bytes >= 1e9) return `${tenths(1e9)} GB`;
  if (bytes >= 1e6) return `${tenths(1e6)} MB`;
  if (bytes >= 1e3) return `${tenths(1e3)} KB`;
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}

/**
 * What the Usage page says of `GET /api/usage`'s `storage`: the sentence, the meter's share
 * (0..1) and, when nothing more fits, the notice. Reserved bytes (uploads in progress) count
 * against the limit as the server counts them.
 */
export function storageView(storage) {
  const { stored_bytes: stored, reserved_bytes: reserved, limit_bytes: limit, files } = storage;
  const used = stored + reserved;
  const held = reserved > 0 ? `, ${formatBytes(reserved)} held for uploads in progress` : '';
  const summary = `${formatBytes(stored)} of your ${formatBytes(limit)} storage in use (${files} file${files === 1 ? '' : 's'}${held}).`;
  const full = used >= limit
    ? 'Your storage is full: new uploads and generations are refused until you delete results or uploads you no longer need, or your administrator raises your limit.'
    : '';
  return { summary, share: limit > 0 ? Math.min(1, used / limit) : 1, full };
}
