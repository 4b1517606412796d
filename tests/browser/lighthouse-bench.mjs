// `make bench` part 11 (scripts/bench.sh, BENCH_ONLY=lighthouse): Lighthouse's Performance,
// Accessibility and Best Practices with LCP, TBT and CLS on the three measured pages
// (lighthouse.mjs), mobile preset, default simulated throttling. Prints a Markdown table.
// Needs BASE_URL (a running local stack) and VN_LOCAL (its vn-local, for `seed`).

import { audit, fullAccount } from './lighthouse.mjs';

if (!process.env.BASE_URL) {
  console.error('BASE_URL is not set: start the local stack (make dev) and set BASE_URL');
  process.exit(2);
}
const runs = Number(process.env.LIGHTHOUSE_RUNS || 3);
const user = await fullAccount('lighthouse-bench');
const all = [];
for (let i = 0; i < runs; i++) all.push(await audit(user, ['performance', 'accessibility', 'best-practices']));

// The median of each figure over the runs (Lighthouse's own advice for variance).
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
console.log(`| Page | Performance | Accessibility | Best Practices | LCP | TBT | CLS |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|`);
for (let p = 0; p < all[0].length; p++) {
  const rows = all.map((run) => run[p]);
  const m = (f) => median(rows.map(f));
  console.log(
    `| ${rows[0].name} | ${m((r) => r.scores.performance)} | ${m((r) => r.scores.accessibility)} | ${m((r) => r.scores['best-practices'])} | ` +
      `${(m((r) => r.metrics.lcp_ms) / 1000).toFixed(2)} s | ${Math.round(m((r) => r.metrics.tbt_ms))} ms | ${m((r) => r.metrics.cls).toFixed(3)} |`,
  );
}
// What held a page below 95 in the last run (the audits Lighthouse scored below par).
const below = all[all.length - 1].filter((last) => last.scores.performance < 95);
console.log(`\nMedian of ${runs} runs per page; each run a fresh Chromium. ${below.length ? 'Performance below 95 in the last run:' : 'No page below 95 in the last run.'}`);
for (const last of below) console.log(`- ${last.name}: ${last.failing.performance.join('; ')}`);
