// The browser's copy of the preset rule (frontend-static/js/preset-fit.js), in Node (no
// browser, no stack), against the cases the server's rule is held to
// (shared/catalog/fixtures/preset-fit.json, shared/src/catalog/fit.rs) and the real catalog.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fitOptions, withSuffix } from '../../frontend-static/js/preset-fit.js';

const read = (p) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'));
const catalog = new Map(read('../../shared/catalog/models.json').models.map((m) => [m.id, m]));
const cases = read('../../shared/catalog/fixtures/preset-fit.json');

test('the shared cases: the same options kept and dropped as on the server', () => {
  assert.ok(cases.length >= 5);
  for (const c of cases) {
    const { kept, dropped } = fitOptions(catalog.get(c.model), c.options);
    assert.deepEqual(kept, c.kept, c.name);
    assert.deepEqual(dropped.map((d) => d.name), c.dropped, c.name);
  }
});

test('a dropped option says whether the model lacks it or refuses its value', () => {
  const { dropped } = fitOptions(catalog.get('imagen-4'), { seed: 3, aspect_ratio: '21:9' });
  assert.deepEqual(dropped.map((d) => [d.name, d.reason]), [['aspect_ratio', 'refused'], ['seed', 'not_taken']]);
  assert.match(dropped[0].why, /16:9/);
});

test('a suffix is added once, joined as written', () => {
  assert.equal(withSuffix('a fox', ', film grain'), 'a fox, film grain');
  assert.equal(withSuffix('a fox, film grain', ', film grain'), 'a fox, film grain');
  assert.equal(withSuffix('a fox  ', 'golden hour'), 'a fox, golden hour');
  assert.equal(withSuffix('', ', film grain'), 'film grain');
  assert.equal(withSuffix('a fox', ''), 'a fox');
});
