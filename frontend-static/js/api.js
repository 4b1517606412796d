// The studio's HTTP API (docs: api.md). Every call carries the Cognito ID token; a 401 triggers
// one token refresh and one retry.

/** An error in the API's shape {"error": {"code", "message", "field"?}}. */
export class ApiError extends Error {
  constructor(status, code, message, field = null, retryAfter = null) {
    super(message);
    this.retryAfter = retryAfter; // seconds, from Retry-After (429 rate_limited)
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const GENERIC = {
  0: 'Could not reach the server. Check your connection and try again.',
  401: 'Your session has ended. Please sign in again.',
  404: 'Not found.',
  413: 'The request is too large.',
  429: 'Too many requests. Wait a moment and try again.',
  500: 'The server had a problem. Please try again.',
  502: 'The image provider had a problem. Please try again.',
  503: 'The service is busy. Please try again in a moment.',
  504: 'The server took too long to answer. Please try again.',
};

export class Api {
  /**
   * @param {string} base e.g. "/api"
   * @param {import('./auth.js').Auth} auth
   */
  constructor(base, auth) {
    this.base = base;
    this.auth = auth;
  }

  models() {
    return this.request('GET', '/models');
  }

  me() {
    return this.request('GET', '/me');
  }

  /** POST /images/generate; the key makes a retry or a double submit harmless. */
  generateImage({ model, prompt, options, collectionId = null }, idempotencyKey) {
    return this.request('POST', '/images/generate', {
      body: { model, prompt, options, ...collected(collectionId) },
      headers: { 'Idempotency-Key': idempotencyKey },
      retryNetworkError: true,
    });
  }

  /** POST /images/edit: edit and restoration models (a restoration's prompt is ""). */
  editImage({ model, prompt, sourceAssetIds, options, collectionId = null }, idempotencyKey) {
    return this.request('POST', '/images/edit', {
      body: { model, prompt, source_asset_ids: sourceAssetIds, options, ...collected(collectionId) },
      headers: { 'Idempotency-Key': idempotencyKey },
      retryNetworkError: true,
    });
  }

  /** POST /videos/generate: a prompt and, optionally, frames ({start_frame_asset_id, ...}). */
  generateVideo({ model, prompt, options, frames = {}, collectionId = null }, idempotencyKey) {
    return this.request('POST', '/videos/generate', {
      body: { model, prompt, options, ...frames, ...collected(collectionId) },
      headers: { 'Idempotency-Key': idempotencyKey },
      retryNetworkError: true,
    });
  }

  asset(id) {
    return this.request('GET', `/assets/${encodeURIComponent(id)}`);
  }

  /** The asset and its ancestors, root first: {assets, truncated}. */
  lineage(id) {
    return this.request('GET', `/assets/${encodeURIComponent(id)}/lineage`);
  }

  createUpload({ content_type, bytes, filename }) {
    return this.request('POST', '/uploads', { body: { content_type, bytes, filename } });
  }

  completeUpload(assetId) {
    return this.request('POST', `/uploads/${encodeURIComponent(assetId)}/complete`);
  }

  /**
   * The presigned POST to storage: every field of the policy, then the file last. XHR, not
   * fetch, because only XHR reports upload progress. No Authorization header: the signature is
   * in the fields.
   */
  sendUpload(upload, blob, filename, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(upload.fields || {})) form.append(k, v);
      form.append('file', blob, filename);
      const xhr = new XMLHttpRequest();
      xhr.open(upload.method || 'POST', upload.url);
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      xhr.addEventListener('load', () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          resolve();
        } else {
          const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || '')?.[1];
          reject(new ApiError(xhr.status, 'upload_refused', `the storage refused the file (HTTP ${xhr.status}${code ? `, ${code}` : ''}).`));
        }
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, 'network', GENERIC[0])));
      xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'The upload was interrupted.')));
      xhr.send(form);
    });
  }

  job(id) {
    return this.request('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  jobs({ limit = 24, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/jobs?${q}`);
  }

  /** POST /jobs/{id}/cancel → {job}; 409 when the job already finished. */
  cancelJob(id) {
    return this.request('POST', `/jobs/${encodeURIComponent(id)}/cancel`);
  }

  /** GET /assets with filters {saved, kind, model, collection} and a search {q, from, to, sort}; {assets, next_cursor}. */
  assets({ saved = null, kind = null, model = null, collection = null, q: words = null, from = null, to = null, sort = null, limit = 30, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (collection) q.set('collection', collection);
    if (words) q.set('q', words);
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    if (sort) q.set('sort', sort);
    if (saved !== null && saved !== '') q.set('saved', String(saved));
    if (kind) q.set('kind', kind);
    if (model) q.set('model', model);
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/assets?${q}`);
  }

  saveAsset(id, saved) {
    return this.request(saved ? 'POST' : 'DELETE', `/assets/${encodeURIComponent(id)}/save`);
  }

  deleteAsset(id) {
    return this.request('DELETE', `/assets/${encodeURIComponent(id)}`);
  }

  /** POST /assets/batch {action: save|unsave|delete, asset_ids} → {action, results: [{id, status}]}. */
  batchAssets(action, assetIds) {
    return this.request('POST', '/assets/batch', { body: { action, asset_ids: assetIds } });
  }

  /** GET /collections → {collections: [{id, name, item_count, ...}], next_cursor}. */
  collections({ limit = 100, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/collections?${q}`);
  }

  collection(id) {
    return this.request('GET', `/collections/${encodeURIComponent(id)}`);
  }

  createCollection(name) {
    return this.request('POST', '/collections', { body: { name } });
  }

  renameCollection(id, name) {
    return this.request('PATCH', `/collections/${encodeURIComponent(id)}`, { body: { name } });
  }

  deleteCollection(id) {
    return this.request('DELETE', `/collections/${encodeURIComponent(id)}`);
  }

  /** POST /collections/{id}/assets {action: add|remove, asset_ids} → {action, results: [{id, status}]}. */
  collectionAssets(id, action, assetIds) {
    return this.request('POST', `/collections/${encodeURIComponent(id)}/assets`, { body: { action, asset_ids: assetIds } });
  }

  /** GET /presets → {presets: [{id, name, model, options, prompt_suffix, ...}]} (all, newest first). */
  presets() {
    return this.request('GET', '/presets');
  }

  /** POST /presets {name, model, options, prompt_suffix} → 201 {preset}; 409 on a name the caller has. */
  createPreset({ name, model, options, promptSuffix = '' }) {
    return this.request('POST', '/presets', { body: { name, model, options, prompt_suffix: promptSuffix } });
  }

  renamePreset(id, name) {
    return this.request('PATCH', `/presets/${encodeURIComponent(id)}`, { body: { name } });
  }

  deletePreset(id) {
    return this.request('DELETE', `/presets/${encodeURIComponent(id)}`);
  }

  /** POST /prompts/vary|enhance {prompt} → 200 {job, proposals} or 202 {job} (poll the job). */
  rewritePrompt(mode, prompt) {
    return this.request('POST', `/prompts/${mode === 'enhance' ? 'enhance' : 'vary'}`, { body: { prompt } });
  }

  /** POST /sets {prompt, models, options} → 202 {set, jobs}. */
  /** POST /sets: retried once on a network error under the same Idempotency-Key (one set). */
  createSet({ prompt, models, options = {} }, idempotencyKey) {
    return this.request('POST', '/sets', {
      body: { prompt, models, options },
      headers: { 'Idempotency-Key': idempotencyKey },
      retryNetworkError: true,
    });
  }

  /** GET /sets/{id} → {set, jobs: [{job, assets, duration_s}]}. */
  set(id) {
    return this.request('GET', `/sets/${encodeURIComponent(id)}`);
  }

  sets({ limit = 10, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/sets?${q}`);
  }

  /** POST /stories {prompt, frames, options} → 202 {story, jobs}. */
  createStory({ prompt, frames, options = {} }, idempotencyKey) {
    return this.request('POST', '/stories', {
      body: { prompt, frames, options },
      headers: { 'Idempotency-Key': idempotencyKey },
      retryNetworkError: true,
    });
  }

  /** GET /stories/{id} → {story, job, frames: [{index, caption, asset}]}. */
  story(id) {
    return this.request('GET', `/stories/${encodeURIComponent(id)}`);
  }

  stories({ limit = 10, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/stories?${q}`);
  }

  /** GET /boards → {boards: [{id, name, version, tile_count, ...}], next_cursor}, newest first. */
  boards({ limit = 50, cursor = null } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.request('GET', `/boards?${q}`);
  }

  createBoard(name) {
    return this.request('POST', '/boards', { body: { name } });
  }

  /** GET /boards/{id} → {board, assets, missing_asset_ids}. */
  board(id) {
    return this.request('GET', `/boards/${encodeURIComponent(id)}`);
  }

  /** PUT /boards/{id} {version, name?, tiles?} → {board}; a stale version is a 409. */
  saveBoard(id, body) {
    return this.request('PUT', `/boards/${encodeURIComponent(id)}`, { body });
  }

  deleteBoard(id) {
    return this.request('DELETE', `/boards/${encodeURIComponent(id)}`);
  }

  /** GET /usage?from&to (YYYY-MM-DD, inclusive). */
  usage(from, to) {
    return this.request('GET', `/usage?${new URLSearchParams({ from, to })}`);
  }

  async request(method, path, { body, headers = {}, retryNetworkError = method === 'GET' } = {}) {
    const send = async (token) => {
      const h = { Accept: 'application/json', ...headers };
      if (token) h.Authorization = `Bearer ${token}`;
      if (body !== undefined) h['Content-Type'] = 'application/json';
      const init = { method, headers: h, cache: 'no-store' };
      if (body !== undefined) init.body = JSON.stringify(body);
      try {
        return await fetch(this.base + path, init);
      } catch {
        if (!retryNetworkError) throw new ApiError(0, 'network', GENERIC[0]);
        // One retry after a short pause; the same Idempotency-Key keeps a POST single.
        await new Promise((r) => setTimeout(r, 800));
        try {
          return await fetch(this.base + path, init);
        } catch {
          throw new ApiError(0, 'network', GENERIC[0]);
        }
      }
    };

    let token = await this.#token(false);
    let res = await send(token);
    if (res.status === 401 && this.auth.signedIn) {
      // The account gate's refusals (docs/openapi.yaml): a deleted account ends the session at
      // once; a token from before "sign out everywhere" gets one refresh, which Cognito refuses
      // when it revoked the refresh token too.
      const reason = SIGNED_OUT_BECAUSE[await errorCode(res)] || 'expired';
      if (reason === 'deleted') {
        this.auth.end('deleted');
        return parse(res);
      }
      token = await this.#token(true, reason);
      res = await send(token);
      if (res.status === 401) {
        this.auth.end(SIGNED_OUT_BECAUSE[await errorCode(res)] || 'expired');
      }
    }
    return parse(res);
  }

  async #token(force, reason = 'expired') {
    try {
      return await this.auth.getIdToken({ forceRefresh: force, reason });
    } catch (err) {
      if (!this.auth.signedIn) throw new ApiError(401, 'unauthorized', GENERIC[401]);
      throw new ApiError(0, 'network', 'Could not renew your session. Check your connection and try again.');
    }
  }
}

/** The login page's reason for an API 401 code. */
const SIGNED_OUT_BECAUSE = { token_revoked: 'revoked', account_deleted: 'deleted' };

/** The error code of an error response, read from a copy (the body stays for parse). */
async function errorCode(res) {
  try {
    return (await res.clone().json())?.error?.code || null;
  } catch {
    return null;
  }
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.ok) {
    if (data === null) throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
    return data;
  }
  const e = data && data.error;
  const fallback = GENERIC[res.status] || `Request failed (HTTP ${res.status}).`;
  const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  throw new ApiError(res.status, e?.code || `http_${res.status}`, e?.message || fallback, e?.field || null, Number.isFinite(retry) ? retry : null);
}

/** The `collection_id` of a create body: present only when a collection is picked. */
function collected(collectionId) {
  return collectionId ? { collection_id: collectionId } : {};
}
