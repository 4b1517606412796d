// The page's pure modules, in Node (no browser, no stack): what a run is estimated to cost from
// the catalog's price shapes, which models a mode offers, and how a photo's real type and EXIF
// orientation are read from its bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate, modelsFor, defaultModel, sourceRange, pinnedOptions, frameInputs } from '../../frontend-static/js/catalog.js';
import { sniffType, jpegOrientation } from '../../frontend-static/js/exif.js';

const banana = {
  id: 'b', name: 'B', kinds: ['image', 'edit'], price: { usd: 0.039, per: 'image' },
  options: { num_outputs: { type: 'integer', default: 1 } }, min_source_images: 1, max_source_images: 10, default_for: ['edit'],
};
const video = {
  id: 'v', name: 'V', kinds: ['video'], price: { usd: 0.2, per: 'second', by_option: { generate_audio: { true: 0.4, false: 0.2 } } },
  options: { duration: { type: 'integer', default: 8 }, generate_audio: { type: 'boolean', default: true } },
};
const esrgan = { id: 'r', name: 'R', kinds: ['restore'], price: { usd: 0.0025, per: 'run' }, options: {}, min_source_images: 1, max_source_images: 1 };

test('the estimate is the unit price (by option when one matches) times outputs or seconds', () => {
  assert.equal(estimate(banana, {}), 0.039);
  assert.equal(estimate(banana, { num_outputs: 3 }), 0.117); // not 0.11699999999999999
  assert.equal(estimate(video, {}), 3.2); // audio on by default: 0.4 × 8 s
  assert.equal(estimate(video, { generate_audio: false, duration: 4 }), 0.8);
  assert.equal(estimate(esrgan, { scale: 4 }), 0.0025); // per run: options don't multiply
});

test('a mode offers the models of its kind, preselects default_for, and knows the source counts', () => {
  const all = [video, esrgan, banana];
  assert.deepEqual(modelsFor(all, 'edit').map((m) => m.id), ['b']);
  assert.equal(defaultModel(modelsFor(all, 'edit'), 'edit').id, 'b');
  assert.equal(defaultModel(modelsFor(all, 'restore'), 'restore').id, 'r'); // no default_for: the first
  assert.deepEqual(sourceRange(banana, 'image'), [0, 0]);
  assert.deepEqual(sourceRange(banana, 'edit'), [1, 10]);
  assert.deepEqual(sourceRange(esrgan, 'restore'), [1, 1]);
});

test('Veo: per second by audio, Fast cheaper, reference mode pins 16:9 and 8 s and refuses a negative prompt, an end frame pins 8 s', () => {
  const veo = {
    id: 'veo-3.1', name: 'Veo 3.1', kinds: ['video'], price: { usd: 0.4, per: 'second', by_option: { generate_audio: { true: 0.4, false: 0.2 } } },
    options: { duration: { type: 'integer', values: [4, 6, 8], default: 8 }, generate_audio: { type: 'boolean', default: true }, negative_prompt: { type: 'string' } },
    frames: {
      start_frame: { field: 'image' },
      end_frame: { field: 'last_frame', requires: ['start_frame'], options: { duration: 8 } },
      references: { field: 'reference_images', min: 1, max: 3, excludes: ['end_frame', 'start_frame'], excludes_options: ['negative_prompt'], options: { aspect_ratio: '16:9', duration: 8 } },
    },
  };
  const fast = { ...veo, id: 'veo-3.1-fast', price: { usd: 0.15, per: 'second', by_option: { generate_audio: { true: 0.15, false: 0.1 } } }, frames: { start_frame: { field: 'image' } } };
  assert.equal(estimate(veo, {}), 3.2);
  assert.equal(estimate(veo, { duration: 6, generate_audio: false }), 1.2);
  assert.equal(estimate(fast, { duration: 4 }), 0.6);
  assert.equal(estimate(fast, { duration: 4, generate_audio: false }), 0.4);
  assert.deepEqual(sourceRange(veo, 'video'), [0, 0]);
  assert.deepEqual(pinnedOptions(veo, ['references']), { negative_prompt: null, aspect_ratio: '16:9', duration: 8 });
  assert.deepEqual(pinnedOptions(veo, []), {});
  assert.deepEqual(pinnedOptions(veo, ['start_frame']), {});
  assert.deepEqual(pinnedOptions(veo, ['start_frame', 'end_frame']), { duration: 8 });
  assert.deepEqual(pinnedOptions(fast, ['references']), {});
  assert.deepEqual(Object.keys(frameInputs(banana)), []);
});

test('a file’s type comes from its bytes, not its name', () => {
  const bytes = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
  assert.equal(sniffType(bytes([0x89], 'PNG\r\n\x1a\n')), 'png');
  assert.equal(sniffType(bytes([0xff, 0xd8, 0xff, 0xe0])), 'jpeg');
  assert.equal(sniffType(bytes('RIFF\0\0\0\0WEBPVP8 ')), 'webp');
  assert.equal(sniffType(bytes([0, 0, 0, 0x18], 'ftypheic\0\0\0\0')), 'heic');
  assert.equal(sniffType(bytes([0, 0, 0, 0x18], 'ftypmif1\0\0\0\0')), 'heic');
  assert.equal(sniffType(bytes('GIF89a')), 'gif');
  assert.equal(sniffType(bytes('just some text')), null);
});

test('the EXIF orientation of a JPEG is read in either byte order, and 1 when absent', () => {
  const jpeg = (tiff) => {
    const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(app1.length + 2);
    return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1]), len, app1, Buffer.from([0xff, 0xda])]));
  };
  const big = Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
  const little = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(jpegOrientation(jpeg(big)), 6);
  assert.equal(jpegOrientation(jpeg(little)), 8);
  assert.equal(jpegOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xda])), 1);
  assert.equal(jpegOrientation(new Uint8Array([0x89, 0x50])), 1);
});

test('usage periods are UTC dates, inclusive, and the CSV keeps the API’s exact figures', async () => {
  const { periodRange, usageCsv } = await import('../../frontend-static/js/usage-data.js');
  const now = new Date('2026-03-05T23:30:00Z');
  assert.deepEqual(periodRange('this-month', now), { from: '2026-03-01', to: '2026-03-05' });
  assert.deepEqual(periodRange('last-month', now), { from: '2026-02-01', to: '2026-02-28' });
  assert.deepEqual(periodRange('last-7', now), { from: '2026-02-27', to: '2026-03-05' });
  assert.deepEqual(periodRange('last-30', now), { from: '2026-02-04', to: '2026-03-05' });
  assert.deepEqual(periodRange('last-month', new Date('2026-01-10T00:00:00Z')), { from: '2025-12-01', to: '2025-12-31' });
  const csv = usageCsv({
    from: '2026-03-01', to: '2026-03-05', total_usd: 0.0425, count: 2,
    by_model: [{ model: 'google/imagen-4', count: 1, usd: 0.04 }, { model: 'x,"y"', count: 1, usd: 0.0025 }],
    by_day: [{ date: '2026-03-02', count: 2, usd: 0.0425, by_model: [{ model: 'google/imagen-4', count: 1, usd: 0.04 }, { model: 'x,"y"', count: 1, usd: 0.0025 }] }],
  });
  assert.equal(
    csv,
    'date,model,jobs,usd\r\n2026-03-02,google/imagen-4,1,0.04\r\n2026-03-02,"x,""y""",1,0.0025\r\n' +
      '2026-03-01..2026-03-05,google/imagen-4,1,0.04\r\n2026-03-01..2026-03-05,"x,""y""",1,0.0025\r\n2026-03-01..2026-03-05,total,2,0.0425\r\n',
  );
});

test('storage reads as the API counts it: uploads in progress held against the limit, full at the limit', async () => {
  const { formatBytes, storageView } = await import('../../frontend-static/js/usage-data.js');
  assert.deepEqual([0, 1, 999, 1500, 1_250_000, 20 * 1024 * 1024, 5e9].map(formatBytes), [
    '0 bytes', '1 byte', '999 bytes', '1.5 KB', '1.3 MB', '21 MB', '5 GB',
  ]);
  const some = storageView({ stored_bytes: 1_500_000, reserved_bytes: 500_000, limit_bytes: 5_000_000, files: 3 });
  assert.equal(some.summary, '1.5 MB of your 5 MB storage in use (3 files, 500 KB held for uploads in progress).');
  assert.equal(some.share, 0.4);
  assert.equal(some.full, '');
  const one = storageView({ stored_bytes: 812, reserved_bytes: 0, limit_bytes: 5_000_000_000, files: 1 });
  assert.equal(one.summary, '812 bytes of your 5 GB storage in use (1 file).');
  // Full when what is stored and held reaches the limit, not only when stored alone does.
  const full = storageView({ stored_bytes: 600_000, reserved_bytes: 400_000, limit_bytes: 1_000_000, files: 1 });
  assert.equal(full.share, 1);
  assert.match(full.full, /storage is full/);
  assert.match(storageView({ stored_bytes: 0, reserved_bytes: 0, limit_bytes: 0, files: 0 }).full, /storage is full/);
});

// --- Visual story: the store-only zip, the sheet's layout, the exact estimate --------------
import { zipStore, crc32 } from '../../frontend-static/js/zip.js';
import { sheetGrid, wrapCaption, slug } from '../../frontend-static/js/story-sheet.js';
import { storyEstimate } from '../../frontend-static/js/catalog.js';

/** Reads a zip the way an unzipper does: end record → central directory → local headers. */
function readZip(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  assert.equal(v.getUint32(end, true), 0x06054b50, 'end of central directory');
  const count = v.getUint16(end + 10, true);
  const dirSize = v.getUint32(end + 12, true);
  let at = v.getUint32(end + 16, true);
  assert.equal(at + dirSize, end, 'the directory ends where the end record starts');
  const out = [];
  const dec = new TextDecoder();
  for (let i = 0; i < count; i += 1) {
    assert.equal(v.getUint32(at, true), 0x02014b50, 'central header');
    assert.equal(v.getUint16(at + 10, true), 0, 'stored');
    const crc = v.getUint32(at + 16, true);
    const size = v.getUint32(at + 20, true);
    assert.equal(v.getUint32(at + 24, true), size, 'stored: sizes equal');
    const nameLen = v.getUint16(at + 28, true);
    const extra = v.getUint16(at + 30, true);
    const comment = v.getUint16(at + 32, true);
    const local = v.getUint32(at + 42, true);
    const name = dec.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    assert.equal(v.getUint32(local, true), 0x04034b50, 'local header');
    assert.equal(v.getUint32(local + 14, true), crc, 'local and central CRC agree');
    const localName = v.getUint16(local + 26, true);
    const localExtra = v.getUint16(local + 28, true);
    const data = bytes.subarray(local + 30 + localName + localExtra, local + 30 + localName + localExtra + size);
    assert.equal(crc32(data), crc, `${name}: CRC-32 of the data`);
    out.push({ name, data });
    at += 46 + nameLen + extra + comment;
  }
  return out;
}

test('CRC-32 is the IEEE one', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
});

test('a story zip parses back to its frames, in order, byte for byte', () => {
  const a = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const b = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
  const files = [
    { name: '01-the-beginning.png', bytes: a },
    { name: '02-le-renard-é.png', bytes: b },
    { name: '03-empty.png', bytes: new Uint8Array() },
  ];
  const zip = zipStore(files, new Date(2026, 10, 23, 19, 30, 10));
  const back = readZip(zip);
  assert.deepEqual(back.map((f) => f.name), files.map((f) => f.name));
  back.forEach((f, i) => assert.deepEqual([...f.data], [...files[i].bytes]));
  assert.equal(zip.length, files.reduce((n, f) => n + 30 + 46 + 2 * new TextEncoder().encode(f.name).length + f.bytes.length, 22));
  assert.equal(readZip(zipStore([])).length, 0);
});

test('a sheet is one row up to four frames, then rows of four; captions wrap and are cut', () => {
  assert.deepEqual(sheetGrid(2), { cols: 2, rows: 1 });
  assert.deepEqual(sheetGrid(4), { cols: 4, rows: 1 });
  assert.deepEqual(sheetGrid(5), { cols: 4, rows: 2 });
  assert.deepEqual(sheetGrid(8), { cols: 4, rows: 2 });
  const measure = (t) => t.length * 10;
  assert.deepEqual(wrapCaption('a fox in the snow', 80, measure), ['a fox in', 'the snow']);
  const long = wrapCaption('one two three four five six seven eight nine ten', 50, measure, 2);
  assert.equal(long.length, 2);
  assert.ok(long[1].endsWith('…'), long.join('|'));
  assert.equal(slug('The beginning: a <b>Fox</b>!'), 'the-beginning-a-b-fox-b');
  assert.equal(slug('???'), 'frame');
});

test("a story's estimate is frames × the per-image price, exactly", () => {
  const seedream = { id: 'seedream-4', price: { usd: 0.03, per: 'image' }, options: {} };
  assert.equal(storyEstimate(seedream, 4), 0.12);
  assert.equal(storyEstimate(seedream, 7), 0.21); // not 0.21000000000000002
  assert.equal(storyEstimate({ price: {} }, 4), null);
});
