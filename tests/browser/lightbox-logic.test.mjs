// The lightbox's list paging and Rerun's request, in Node (no browser, no stack): a source loads
// pages until the asked index exists or nothing more comes; a rerun sends the job's model,
// prompt, options, sources or frames again, without its seed unless asked for it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LightboxSource } from '../../frontend-static/js/lightbox-source.js';
import { rerunJob, canRerun, hasSeed } from '../../frontend-static/js/rerun.js';

const pages = (sizes) => {
  const items = [];
  let next = 0;
  let loads = 0;
  const load = () => {
    for (let i = 0; i < sizes[next]; i++) items.push({ id: `a${items.length}` });
    next += 1;
  };
  load();
  const source = new LightboxSource({
    items: () => items,
    more: async () => {
      loads += 1;
      if (next >= sizes.length) return false;
      load();
      return true;
    },
    hasMore: () => next < sizes.length,
  });
  return { source, loads: () => loads };
};

test('a source loads the next page only past its end, through empty pages, and says null after the last', async () => {
  const { source, loads } = pages([3, 0, 2]);
  assert.equal((await source.at(2)).id, 'a2');
  assert.equal(loads(), 0, 'no page loaded while the item is there');
  assert.equal((await source.at(3)).id, 'a3', 'an empty page (a search page) is passed over');
  assert.equal(loads(), 2);
  assert.equal(source.indexOf('a4'), 4);
  assert.equal(source.hasMore(), false);
  assert.equal(await source.at(5), null);
  assert.equal(await source.at(-1), null);
});

test('a source whose next page fails (more() says false) stops instead of asking again and again', async () => {
  let calls = 0;
  const source = new LightboxSource({ items: () => [{ id: 'x' }], more: async () => (calls++, false) });
  assert.equal(await source.at(1), null);
  assert.equal(calls, 1);
});

const fakeApi = () => {
  const sent = [];
  const answer = (kind) => async (body, key) => {
    sent.push({ kind, body, key });
    return { job: { id: `job-${sent.length}` } };
  };
  return { sent, generateImage: answer('image'), editImage: answer('edit'), generateVideo: answer('video') };
};

test('Rerun sends the same model, prompt and options with a new key, and drops the seed unless asked', async () => {
  const api = fakeApi();
  const job = { kind: 'image', model: 'flux', prompt: 'a fox', options: { aspect_ratio: '16:9', seed: 42 } };
  assert.equal((await rerunJob(api, job)).id, 'job-1');
  assert.deepEqual(api.sent[0].body, { model: 'flux', prompt: 'a fox', options: { aspect_ratio: '16:9' } });
  await rerunJob(api, job, { sameSeed: true });
  assert.deepEqual(api.sent[1].body.options, { aspect_ratio: '16:9', seed: 42 });
  assert.notEqual(api.sent[0].key, api.sent[1].key, 'each rerun is a new job, not a retry');
  assert.deepEqual(job.options, { aspect_ratio: '16:9', seed: 42 }, 'the job itself is untouched');
});

test('Rerun keeps an edit’s sources and a video’s frames; a story’s job and an upload are not rerun here', async () => {
  const api = fakeApi();
  await rerunJob(api, { kind: 'edit', model: 'nano', prompt: 'add a hat', options: {}, source_asset_ids: ['s1', 's2'] });
  assert.equal(api.sent[0].kind, 'edit');
  assert.deepEqual(api.sent[0].body.sourceAssetIds, ['s1', 's2']);
  await rerunJob(api, { kind: 'restore', model: 'esrgan', prompt: '', options: { scale: 2 }, source_asset_ids: ['old'] });
  assert.deepEqual([api.sent[1].kind, api.sent[1].body.prompt, api.sent[1].body.sourceAssetIds], ['edit', '', ['old']]);
  await rerunJob(api, { kind: 'video', model: 'veo', prompt: 'waves', options: {}, start_frame_asset_id: 'f1', end_frame_asset_id: 'f2', reference_asset_ids: [] });
  assert.deepEqual(api.sent[2].body.frames, { start_frame_asset_id: 'f1', end_frame_asset_id: 'f2' });
  assert.equal(canRerun({ kind: 'image', model: 'seedream-4', options: { sequential_image_generation: 'auto', max_images: 4 } }), false);
  assert.equal(canRerun(null), false);
  assert.equal(canRerun({ kind: 'text', model: 'llama' }), false);
  assert.equal(canRerun({ kind: 'image', model: 'flux', options: {} }), true);
  assert.equal(hasSeed({ options: { seed: 0 } }), true);
  assert.equal(hasSeed({ options: {} }), false);
});
