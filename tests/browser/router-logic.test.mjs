// The address's pure rules (router.js), without a browser: which section an address names, and
// how an old address is rewritten into `?view=<section>` form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewOf, canonical, VIEWS } from '../../frontend-static/js/router.js';

const B = 'https://studio.example';
const q = (s) => new URLSearchParams(s);

test('the section comes from ?view=, and the studio is the default', () => {
  for (const v of VIEWS) assert.equal(viewOf(q(`view=${v}`)), v);
  assert.equal(viewOf(q('')), 'studio');
  assert.equal(viewOf(q('view=nonsense')), 'studio');
  // ?view= wins over an old marker.
  assert.equal(viewOf(q('view=usage&gallery')), 'usage');
});

test('old addresses open the section they opened before', () => {
  assert.equal(viewOf(q('gallery&q=cat')), 'gallery');
  assert.equal(viewOf(q('collection=01J')), 'gallery');
  assert.equal(viewOf(q('account')), 'account');
  assert.equal(viewOf(q('export')), 'export');
  assert.equal(viewOf(q('export=01J')), 'export');
  assert.equal(viewOf(q('compare=01J')), 'compare');
  assert.equal(viewOf(q('story=01J')), 'story');
  assert.equal(viewOf(q('board=01J')), 'boards');
  assert.equal(viewOf(q('collections=01J')), 'collections');
});

test('an old address is rewritten into ?view= form, keeping its state', () => {
  assert.equal(canonical(`${B}/?gallery&q=red+fox&kind=image`), `${B}/?view=gallery&q=red+fox&kind=image`);
  assert.equal(canonical(`${B}/?account`), `${B}/?view=account`);
  assert.equal(canonical(`${B}/?export`), `${B}/?view=export`);
  assert.equal(canonical(`${B}/?export=01J`), `${B}/?view=export&export=01J`);
  assert.equal(canonical(`${B}/?board=01J`), `${B}/?view=boards&board=01J`);
  assert.equal(canonical(`${B}/?compare=01J#step=a&tips=a`), `${B}/?view=compare&compare=01J#step=a&tips=a`);
  assert.equal(canonical(`${B}/?collection=01J`), `${B}/?view=gallery&collection=01J`);
});

test('an address in the current form, or a bare one, is left as it is', () => {
  for (const href of [`${B}/`, `${B}/#step=a&tips=a`, `${B}/?view=gallery&q=cat`, `${B}/?view=studio#step=a`, `${B}/?view=export&export=01J`]) {
    assert.equal(canonical(href), href);
  }
  assert.equal(canonical(`${B}/?view=bogus&x=1`), `${B}/?view=studio&x=1`);
});
