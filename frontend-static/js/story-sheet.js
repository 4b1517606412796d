// Exporting a story: one PNG sheet (the frames in a row, or a grid past four, each with its
// caption under it, drawn on a <canvas> from the same-origin /media URLs) and a zip of the frames.
import { zipStore } from './zip.js';

const CELL = 512;
const PAD = 24;
const CAPTION_LINES = 3;
const LINE = 22;

/** Columns and rows of a sheet of `n` frames: one row up to four, then rows of four. */
export function sheetGrid(n) {
  const cols = Math.min(4, Math.max(1, n));
  return { cols, rows: Math.ceil(n / cols) };
}

/** The caption's words in lines that fit `width` as measured, at most `max` lines (… at the cut). */
export function wrapCaption(text, width, measure, max = CAPTION_LINES) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (measure(next) <= width || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > max) {
    const kept = lines.slice(0, max);
    kept[max - 1] = `${kept[max - 1].replace(/\s*\S*$/, '')}…`;
    return kept;
  }
  return lines;
}

async function loadImage(url) {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  await img.decode();
  return img;
}

/**
 * The sheet as a PNG Blob.
 * @param {{url: string|null, caption: string}[]} frames
 * @param {string} title
 */
export async function drawSheet(frames, title) {
  const { cols, rows } = sheetGrid(frames.length);
  const cellH = CELL + PAD / 2 + CAPTION_LINES * LINE;
  const canvas = document.createElement('canvas');
  canvas.width = cols * CELL + (cols + 1) * PAD;
  canvas.height = 56 + rows * cellH + (rows + 1) * PAD;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#111111';
  ctx.font = '600 24px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText(wrapCaption(title, canvas.width - 2 * PAD, (t) => ctx.measureText(t).width, 1)[0] || '', PAD, PAD);
  const images = await Promise.all(frames.map((f) => (f.url ? loadImage(f.url) : null)));
  frames.forEach((f, i) => {
    const x = PAD + (i % cols) * (CELL + PAD);
    const y = 56 + PAD + Math.floor(i / cols) * (cellH + PAD);
    const img = images[i];
    ctx.fillStyle = '#e5e5e5';
    ctx.fillRect(x, y, CELL, CELL);
    if (img) {
      const s = Math.min(CELL / img.naturalWidth, CELL / img.naturalHeight);
      const w = img.naturalWidth * s;
      const h = img.naturalHeight * s;
      ctx.drawImage(img, x + (CELL - w) / 2, y + (CELL - h) / 2, w, h);
    }
    ctx.fillStyle = '#111111';
    ctx.font = '16px system-ui, sans-serif';
    const lines = wrapCaption(`${i + 1}. ${f.caption}`, CELL, (t) => ctx.measureText(t).width);
    lines.forEach((l, k) => ctx.fillText(l, x, y + CELL + PAD / 2 + k * LINE));
  });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The sheet could not be drawn.'))), 'image/png'));
}

/** A zip Blob of the frames' files (`01-<caption slug>.png`, …), fetched from their URLs. */
export async function zipFrames(frames) {
  const files = [];
  for (const [i, f] of frames.entries()) {
    if (!f.url) continue;
    const res = await fetch(f.url);
    if (!res.ok) throw new Error(`Frame ${i + 1} could not be fetched (HTTP ${res.status}).`);
    const type = res.headers.get('content-type') || '';
    const ext = type.includes('jpeg') ? 'jpg' : type.includes('webp') ? 'webp' : 'png';
    files.push({ name: `${String(i + 1).padStart(2, '0')}-${slug(f.caption)}.${ext}`, bytes: new Uint8Array(await res.arrayBuffer()) });
  }
  return new Blob([zipStore(files)], { type: 'application/zip' });
}

/** A file-name-safe slug of a caption (ASCII letters and digits, at most 40). */
export function slug(text) {
  const s = text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 40).replace(/-+$/, '') || 'frame';
}

/** Downloads a Blob under a file name. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
