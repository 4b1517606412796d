// Formatting of money, prices, times and option names for display.

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});

/** 0.04 → "$0.04", 0.0025 → "$0.0025", null → "—". */
export function formatUsd(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  return usd.format(Number(value));
}

/** {usd: 0.04, per: "image"} → "$0.04 / image". */
export function formatPrice(price) {
  if (!price || price.usd === undefined) return '';
  return `${formatUsd(price.usd)} / ${price.per || 'run'}`;
}

/** "aspect_ratio" → "Aspect ratio". */
export function humanize(key) {
  const text = String(key).replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Enum values: keep "1:1" or "jpg" as they are, make "block_only_high" readable. */
export function formatEnumValue(value) {
  const text = String(value);
  return /_/.test(text) ? humanize(text) : text;
}

/** Milliseconds → "850 ms", "7 s", "2 min 5 s". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return rest ? `${m} min ${rest} s` : `${m} min`;
  const hours = Math.floor(m / 60);
  return `${hours} h ${m % 60} min`;
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** RFC 3339 → a locale date/time, e.g. "Nov 22, 2026, 10:04 AM". */
export function formatDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : absolute.format(d);
}

/** RFC 3339 → "just now", "3 min ago", "2 h ago", or the date for older times. */
export function formatRelative(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const diff = Math.max(0, now - t) / 1000;
  if (diff < 45) return 'just now';
  if (diff < 3600) return `${Math.round(diff / 60)} min ago`;
  if (diff < 86400) return `${Math.round(diff / 3600)} h ago`;
  return formatDateTime(iso);
}

/** Shorten text for labels and announcements. */
export function truncate(text, max) {
  const s = String(text ?? '');
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}
