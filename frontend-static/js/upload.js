// Bringing a photo in: file picker, drag and drop, paste. Before the upload the photo is made
// acceptable: turned upright (EXIF orientation) and, when over the limits, scaled down and
// re-encoded as JPEG. HEIC (the iPhone's default) is refused with a way to get a JPEG.
// Then: POST /api/uploads → the presigned POST to storage (with progress) → complete.

import { byId, show, announce } from './dom.js';

/** The server's limits (api.md, Uploads). */
export const LIMITS = { bytes: 20 * 1024 * 1024, side: 8192, pixels: 40_000_000 };
const ACCEPTED = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const HEIC_MESSAGE =
  'is a HEIC photo, the iPhone’s own format, which the studio cannot read. Upload a JPEG instead: ' +
  'on the iPhone choose Settings → Camera → Formats → Most Compatible before taking photos, or share or ' +
  'export the photo as JPEG (on a Mac: Photos → File → Export, format JPEG), then upload that file.';

/** A file the page will not upload; the message is for the person. */
export class UploadRefused extends Error {}

/** Make `file` acceptable: {blob, contentType, filename, width, height, reencoded}. */
export async function prepareImage(file) {
  const name = file.name || 'pasted image';
  // The format sniffing comes with the first upload, not with the page.
  const { sniffType, jpegOrientation } = await import('./exif.js');
  const head = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  const type = sniffType(head);
  if (type === 'heic' || /\.(heic|heif)$/i.test(name) || /hei[cf]/i.test(file.type)) {
    throw new UploadRefused(`“${name}” ${HEIC_MESSAGE}`);
  }
  if (!ACCEPTED[type]) {
    const what = type ? `a ${type.toUpperCase()} image` : 'not an image the studio can read';
    throw new UploadRefused(`“${name}” is ${what}. Choose a PNG, JPEG or WebP photo.`);
  }
  const orientation = type === 'jpeg' ? jpegOrientation(head) : 1;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new UploadRefused(`“${name}” could not be read as an image; it may be damaged.`);
  }
  const { width, height } = bitmap;
  const over = file.size > LIMITS.bytes || width > LIMITS.side || height > LIMITS.side || width * height > LIMITS.pixels;
  if (orientation === 1 && !over) {
    bitmap.close();
    return { blob: file, contentType: ACCEPTED[type], filename: name, width, height, reencoded: false };
  }
  try {
    return await reencode(bitmap, name);
  } finally {
    bitmap.close();
  }
}

/** Draw the (already upright) bitmap at a size within the limits and encode it as JPEG. */
async function reencode(bitmap, name) {
  const { width, height } = bitmap;
  let scale = Math.min(1, LIMITS.side / width, LIMITS.side / height, Math.sqrt(LIMITS.pixels / (width * height)));
  let quality = 0.92;
  for (let attempt = 0; attempt < 8; attempt++) {
    const w = Math.max(1, Math.floor(width * scale));
    const h = Math.max(1, Math.floor(height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, w, h);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
    if (blob.size <= LIMITS.bytes) {
      const filename = name.replace(/\.[A-Za-z0-9]+$/, '') + '.jpg';
      return { blob, contentType: 'image/jpeg', filename, width: w, height: h, reencoded: true };
    }
    if (quality > 0.75) quality -= 0.08;
    else scale *= 0.8;
  }
  throw new UploadRefused(`“${name}” is too large even after resizing. Choose a smaller photo.`);
}

/**
 * The upload controls of the composer: picker, drop, paste, progress, errors.
 * `onUploaded(asset)` receives the completed asset.
 */
export class Uploader {
  constructor(api, { dropTarget, onStart, onUploaded, canPaste }) {
    this.api = api;
    this.onStart = onStart;
    this.onUploaded = onUploaded;
    this.input = byId('file-input');
    this.status = byId('upload-status');
    this.label = byId('upload-label');
    this.progress = byId('upload-progress');
    this.error = byId('upload-error');
    this.dropzone = byId('dropzone');
    this.busy = false;

    this.input.addEventListener('change', () => {
      const file = this.input.files?.[0];
      this.input.value = '';
      if (file) this.upload(file);
    });
    dropTarget.addEventListener('dragover', (e) => {
      if (![...(e.dataTransfer?.types || [])].includes('Files')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      this.dropzone.classList.add('is-over');
    });
    dropTarget.addEventListener('dragleave', (e) => {
      if (!dropTarget.contains(e.relatedTarget)) this.dropzone.classList.remove('is-over');
    });
    dropTarget.addEventListener('drop', (e) => {
      const file = e.dataTransfer?.files?.[0];
      this.dropzone.classList.remove('is-over');
      if (!file) return;
      e.preventDefault();
      this.upload(file);
    });
    document.addEventListener('paste', (e) => {
      if (!canPaste()) return;
      const file = [...(e.clipboardData?.files || [])][0];
      if (!file) return; // pasted text goes where it was pasted
      e.preventDefault();
      this.upload(file);
    });
  }

  reset() {
    show(this.status, false);
    this.#error('');
  }

  async upload(file) {
    if (this.busy) {
      this.#error('Wait until the current upload has finished.');
      return null;
    }
    this.busy = true;
    this.onStart?.();
    this.#error('');
    this.#progress(`Preparing ${file.name || 'the image'}…`, null);
    try {
      const ready = await prepareImage(file);
      this.#progress(`Uploading ${ready.filename}…`, 0);
      const { asset_id: assetId, upload } = await this.api.createUpload({
        content_type: ready.contentType,
        bytes: ready.blob.size,
        filename: ready.filename,
      });
      await this.api.sendUpload(upload, ready.blob, ready.filename, (fraction) =>
        this.#progress(`Uploading ${ready.filename}… ${Math.round(fraction * 100)}%`, fraction),
      );
      this.#progress(`Checking ${ready.filename}…`, null);
      const { asset } = await this.api.completeUpload(assetId);
      show(this.status, false);
      announce(`${ready.filename} uploaded${ready.reencoded ? ' (turned upright and resized where needed)' : ''}.`);
      this.onUploaded(asset, ready);
      return asset;
    } catch (err) {
      show(this.status, false);
      this.#error(err instanceof UploadRefused ? err.message : `The upload failed: ${err.message}`);
      return null;
    } finally {
      this.busy = false;
    }
  }

  #progress(text, fraction) {
    show(this.status, true);
    this.label.textContent = text;
    if (fraction === null) this.progress.removeAttribute('value');
    else this.progress.value = Math.round(fraction * 100);
  }

  #error(message) {
    this.error.textContent = message;
    show(this.error, Boolean(message));
  }
}
