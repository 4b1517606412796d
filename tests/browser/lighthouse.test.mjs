// Lighthouse's Accessibility and Best Practices on the login page, the studio with results and a
// 200-item gallery, mobile preset: each at least 95 (issue 24). Performance is a timing: it is
// measured by `make bench` (lighthouse-bench.mjs), never asserted here.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP } from './helpers.mjs';
import { audit, fullAccount } from './lighthouse.mjs';

const MIN_SCORE = 95;

describe('Lighthouse: Accessibility and Best Practices', { skip: SKIP, timeout: 600_000 }, () => {
  let results;

  before(async () => {
    // Smaller pictures than the bench's: seeding is quicker, and these scores don't depend on them.
    const user = await fullAccount('lighthouse', { size: 384 });
    results = await audit(user, ['accessibility', 'best-practices']);
  });

  it('no accessibility audit fails on any measured page (the same axe rules as every view\'s test, plus target size)', () => {
    // One failing audit can leave the score at 96: the score alone would let it through.
    for (const r of results) assert.deepEqual(r.failing.accessibility, [], `${r.name} (${r.url})`);
  });

  for (const [category, label] of [['accessibility', 'Accessibility'], ['best-practices', 'Best Practices']]) {
    it(`${label} is at least ${MIN_SCORE} on every measured page`, () => {
      assert.equal(results.length, 3);
      for (const r of results) {
        console.log(`lighthouse: ${r.name}: ${label} ${r.scores[category]}`);
        assert.ok(
          r.scores[category] >= MIN_SCORE,
          `${r.name} (${r.url}): ${label} ${r.scores[category]} < ${MIN_SCORE}; failing audits:\n  ${r.failing[category].join('\n  ')}`,
        );
      }
    });
  }
});
