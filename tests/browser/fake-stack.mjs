// A stand-in for the backend, for the fast UI test: it serves frontend-static/ with the CSP the
// real server applies, /config.json, and a stateful fake of /api/* on one origin; and on a
// second origin (as in production) a fake of Cognito's JSON API with CORS, plus the media
// host that the signed asset URLs point to. Nothing here leaves 127.0.0.1.

import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID, createHash } from 'node:crypto';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export const CATALOG = [
  {
    id: 'imagen-4-ultra', name: 'Imagen 4 Ultra', kind: 'image', replicate: 'google/imagen-4-ultra',
    price: { usd: 0.06, per: 'image' }, max_source_images: 0, default: false,
    options: {
      aspect_ratio: { type: 'enum', values: ['1:1', '9:16', '16:9', '3:4', '4:3'], default: '1:1' },
      output_format: { type: 'enum', values: ['jpg', 'png'], default: 'jpg' },
    },
  },
  {
    id: 'imagen-4', name: 'Imagen 4', kind: 'image', replicate: 'google/imagen-4',
    price: { usd: 0.04, per: 'image' }, max_source_images: 0, default: true,
    options: {
      aspect_ratio: { type: 'enum', values: ['1:1', '9:16', '16:9', '3:4', '4:3'], default: '1:1' },
      output_format: { type: 'enum', values: ['jpg', 'png'], default: 'jpg' },
      safety_filter_level: {
        type: 'enum',
        values: ['block_low_and_above', 'block_medium_and_above', 'block_only_high'],
        default: 'block_only_high',
      },
    },
  },
  {
    // Carries one option of every kind, so the test sees each input type rendered.
    id: 'imagen-4-fast', name: 'Imagen 4 Fast', kind: 'image', replicate: 'google/imagen-4-fast',
    price: { usd: 0.02, per: 'image' }, max_source_images: 0, default: false,
    options: {
      aspect_ratio: { type: 'enum', values: ['1:1', '9:16', '16:9', '3:4', '4:3'], default: '1:1' },
      seed: { type: 'integer', min: 0, max: 99999 },
      guidance: { type: 'number', min: 1, max: 10, default: 5.5 },
      enhance_prompt: { type: 'boolean', default: true },
      negative_prompt: { type: 'string' },
    },
  },
  {
    id: 'nano-banana', name: 'Nano Banana', kind: 'image', replicate: 'google/nano-banana',
    price: { usd: 0.039, per: 'image' }, max_source_images: 3, default: false,
    options: {
      aspect_ratio: {
        type: 'enum',
        values: ['match_input_image', '1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'],
        default: '1:1',
      },
      output_format: { type: 'enum', values: ['jpg', 'png'], default: 'png' },
    },
  },
  {
    id: 'veo-3.1', name: 'Veo 3.1', kind: 'video', replicate: 'google/veo-3.1',
    price: { usd: 0.4, per: 'second' }, max_source_images: 3, default: false,
    options: { duration: { type: 'integer', min: 4, max: 8, default: 8 } },
  },
];

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

const apiError = (res, status, code, message, field) =>
  send(res, status, { error: { code, message, ...(field ? { field } : {}) } });

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/**
 * @param {{staticDir: string, provider?: string, users?: Record<string, string>, seedJobs?: number}} opts
 *   users: username → temporary password (each must choose a new one at first sign-in).
 */
export async function startFakeStack({ staticDir, provider = 'simulator', users = {}, seedJobs = 0 }) {
  const state = {
    users: new Map(Object.entries(users).map(([u, p]) => [u, { password: p, temporary: true, sub: randomUUID() }])),
    challengeSessions: new Map(), // session → username
    idTokens: new Map(), // token → username
    refreshTokens: new Map(), // token → username
    revoked: [],
    cognitoCalls: [], // {action, flow?}
    apiCalls: [], // {method, path, status}
    generateRequests: [], // {key, body}
    jobs: new Map(), // username → [job] (oldest first)
    polls: new Map(), // job id → count
    idempotency: new Map(), // key → {bodyText, job}
    seq: 0,
    spent: new Map(),
  };

  // ---- the second origin: Cognito + media ------------------------------------------------
  const other = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/media/')) return serveMedia(url, res);
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin || '*',
      'Access-Control-Allow-Headers': 'content-type, x-amz-target, x-amz-user-agent',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      Vary: 'Origin',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    if (req.method !== 'POST') return send(res, 404, { message: 'not found' }, cors);
    const target = String(req.headers['x-amz-target'] || '');
    const action = target.replace('AWSCognitoIdentityProviderService.', '');
    const ctype = String(req.headers['content-type'] || '');
    let body = {};
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      /* handled below */
    }
    state.cognitoCalls.push({ action, flow: body.AuthFlow });
    const fail = (type, message) => send(res, 400, { __type: type, message }, { ...cors, 'Content-Type': 'application/x-amz-json-1.1' });
    const ok = (data) => send(res, 200, data, { ...cors, 'Content-Type': 'application/x-amz-json-1.1' });
    if (ctype !== 'application/x-amz-json-1.1') return fail('SerializationException', `bad content type ${ctype}`);
    if (body.ClientId !== 'test-client') return fail('ResourceNotFoundException', 'User pool client does not exist.');

    const issue = (username) => {
      const user = state.users.get(username);
      const exp = Math.floor(Date.now() / 1000) + 3600;
      const idToken = `${b64url({ alg: 'none', kid: 'fake' })}.${b64url({
        sub: user.sub, 'cognito:username': username, token_use: 'id', aud: 'test-client', exp,
      })}.${randomUUID()}`;
      state.idTokens.set(idToken, username);
      return { IdToken: idToken, AccessToken: `access-${randomUUID()}`, ExpiresIn: 3600, TokenType: 'Bearer' };
    };

    if (action === 'InitiateAuth' && body.AuthFlow === 'USER_PASSWORD_AUTH') {
      const { USERNAME, PASSWORD } = body.AuthParameters || {};
      const user = state.users.get(USERNAME);
      if (!user || user.password !== PASSWORD) return fail('NotAuthorizedException', 'Incorrect username or password.');
      if (user.temporary) {
        const session = randomUUID();
        state.challengeSessions.set(session, USERNAME);
        return ok({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: session, ChallengeParameters: { USER_ID_FOR_SRP: USERNAME, requiredAttributes: '[]', userAttributes: '{}' } });
      }
      const refresh = randomUUID();
      state.refreshTokens.set(refresh, USERNAME);
      return ok({ ChallengeParameters: {}, AuthenticationResult: { ...issue(USERNAME), RefreshToken: refresh } });
    }
    if (action === 'InitiateAuth' && body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
      const username = state.refreshTokens.get(body.AuthParameters?.REFRESH_TOKEN);
      if (!username) return fail('NotAuthorizedException', 'Invalid Refresh Token');
      return ok({ ChallengeParameters: {}, AuthenticationResult: issue(username) });
    }
    if (action === 'RespondToAuthChallenge' && body.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      const username = state.challengeSessions.get(body.Session);
      const { USERNAME, NEW_PASSWORD } = body.ChallengeResponses || {};
      if (!username || username !== USERNAME) return fail('NotAuthorizedException', 'Invalid session for the user.');
      const pw = String(NEW_PASSWORD || '');
      if (pw.length < 8) return fail('InvalidPasswordException', 'Password does not conform to policy: Password not long enough');
      if (!/[A-Z]/.test(pw)) return fail('InvalidPasswordException', 'Password does not conform to policy: Password must have uppercase characters');
      if (!/[0-9]/.test(pw)) return fail('InvalidPasswordException', 'Password does not conform to policy: Password must have numeric characters');
      const user = state.users.get(username);
      user.password = pw;
      user.temporary = false;
      state.challengeSessions.delete(body.Session);
      const refresh = randomUUID();
      state.refreshTokens.set(refresh, username);
      return ok({ ChallengeParameters: {}, AuthenticationResult: { ...issue(username), RefreshToken: refresh } });
    }
    if (action === 'RevokeToken') {
      state.revoked.push(body.Token);
      state.refreshTokens.delete(body.Token);
      return ok({});
    }
    return fail('InvalidParameterException', `unsupported ${action}`);
  });
  const otherPort = await listen(other);
  const otherOrigin = `http://127.0.0.1:${otherPort}`;

  function serveMedia(url, res) {
    const m = /^\/media\/([\w-]+)\.svg$/.exec(url.pathname);
    if (!m || url.searchParams.get('sig') !== 'ok') {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return res.end('bad signature');
    }
    const hue = createHash('sha256').update(m[1]).digest().readUInt16BE(0) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="768" height="768" viewBox="0 0 768 768">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue} 80% 55%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360} 70% 30%)"/></linearGradient></defs>
<rect width="768" height="768" fill="url(#g)"/><circle cx="384" cy="330" r="170" fill="hsl(${(hue + 60) % 360} 90% 75%)" opacity="0.8"/>
<rect y="560" width="768" height="208" fill="hsl(${(hue + 200) % 360} 40% 18%)" opacity="0.85"/></svg>`;
    const headers = { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'private, max-age=300' };
    if (url.searchParams.get('download')) headers['Content-Disposition'] = `attachment; filename="${m[1]}.svg"`;
    res.writeHead(200, headers);
    res.end(svg);
  }

  // ---- jobs ----------------------------------------------------------------------------------
  const jobsOf = (username) => {
    if (!state.jobs.has(username)) state.jobs.set(username, []);
    return state.jobs.get(username);
  };
  const assetsOf = (job) =>
    job.asset_ids.map((id) => ({
      id, kind: 'image', source: 'generated', model: job.model, prompt: job.prompt, parent_ids: [],
      job_id: job.id, saved: false, content_type: 'image/svg+xml', bytes: 900, width: 768, height: 768,
      created_at: job.updated_at,
      url: `${otherOrigin}/media/${id}.svg?sig=ok`,
      download_url: `${otherOrigin}/media/${id}.svg?sig=ok&download=1`,
    }));
  const newJob = (username, { model, prompt, options }, createdAt = new Date()) => {
    state.seq += 1;
    const m = CATALOG.find((x) => x.id === model);
    const job = {
      id: `job${String(state.seq).padStart(6, '0')}`,
      kind: 'image', model, prompt, options, source_asset_ids: [], status: 'queued', error: null,
      asset_ids: [], estimated_cost_usd: m.price.usd, cost_usd: null,
      created_at: createdAt.toISOString(), updated_at: createdAt.toISOString(),
    };
    jobsOf(username).push(job);
    return job;
  };
  const finish = (job, username) => {
    job.updated_at = new Date().toISOString();
    if (/fail/i.test(job.prompt)) {
      job.status = 'failed';
      job.error = { code: 'provider_error', message: 'The model reported an error: NSFW content detected' };
    } else {
      job.status = 'succeeded';
      job.asset_ids = [`ast-${job.id}`];
      job.cost_usd = job.estimated_cost_usd;
      state.spent.set(username, (state.spent.get(username) || 0) + job.cost_usd);
    }
  };

  // Older history for every user, so "Load more" has something to load.
  for (const username of state.users.keys()) {
    for (let i = 0; i < seedJobs; i += 1) {
      const at = new Date(Date.now() - (seedJobs - i) * 3600_000);
      const job = newJob(username, { model: 'imagen-4', prompt: `Seeded history picture number ${i + 1}`, options: { aspect_ratio: '1:1' } }, at);
      finish(job, username);
      job.updated_at = new Date(at.getTime() + 6000).toISOString();
    }
  }

  // ---- the app origin: static files, /config.json, /api ------------------------------------
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${otherOrigin}`,
    `media-src 'self' ${otherOrigin}`,
    `connect-src 'self' ${otherOrigin}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');

  const app = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
      if (url.pathname === '/config.json') {
        return send(res, 200, {
          region: 'eu-west-1',
          cognito: { endpoint: `${otherOrigin}/`, user_pool_id: 'eu-west-1_test', client_id: 'test-client' },
          api_base: '/api',
          provider,
        });
      }
      if (url.pathname.startsWith('/api/')) return await handleApi(req, res, url);
      return await serveStatic(url, res);
    } catch (err) {
      apiError(res, 500, 'internal', `fake stack: ${err.message}`);
    }
  });

  async function serveStatic(url, res) {
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(staticDir, `.${rel}`);
    if (!file.startsWith(path.resolve(staticDir))) {
      res.writeHead(403);
      return res.end();
    }
    try {
      const data = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      });
      res.end(data);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  }

  async function handleApi(req, res, url) {
    const record = (status) => state.apiCalls.push({ method: req.method, path: url.pathname + url.search, status });
    const auth = String(req.headers.authorization || '');
    const username = auth.startsWith('Bearer ') ? state.idTokens.get(auth.slice(7)) : undefined;
    if (!username) {
      record(401);
      return apiError(res, 401, 'unauthorized', 'Missing or invalid token.');
    }
    record(200);
    const jobs = jobsOf(username);
    const quota = () => {
      const spent = Math.round((state.spent.get(username) || 0) * 1e6) / 1e6;
      return { monthly_limit_usd: 5, spent_usd: spent, remaining_usd: Math.round((5 - spent) * 1e6) / 1e6, period: new Date().toISOString().slice(0, 7) };
    };

    if (req.method === 'GET' && url.pathname === '/api/models') return send(res, 200, { models: CATALOG });
    if (req.method === 'GET' && url.pathname === '/api/me') {
      return send(res, 200, { user: { id: state.users.get(username).sub, username }, quota: quota() });
    }
    if (req.method === 'POST' && url.pathname === '/api/images/generate') {
      const text = await readBody(req);
      const key = req.headers['idempotency-key'] || null;
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        return apiError(res, 400, 'validation_error', 'Body is not JSON.');
      }
      state.generateRequests.push({ key, body });
      if (key && state.idempotency.has(key)) {
        const first = state.idempotency.get(key);
        if (first.bodyText !== text) return apiError(res, 409, 'conflict', 'Idempotency key reused with a different body.');
        return send(res, 200, { job: first.job });
      }
      const model = CATALOG.find((m) => m.id === body.model && m.kind === 'image');
      if (!model) return apiError(res, 400, 'validation_error', `Unknown model ${body.model}.`, 'model');
      const prompt = String(body.prompt || '');
      if (!prompt.trim()) return apiError(res, 400, 'validation_error', 'The prompt is empty.', 'prompt');
      if (prompt.length > 2000) return apiError(res, 400, 'validation_error', 'The prompt is longer than 2000 characters.', 'prompt');
      if (/forbidden/i.test(prompt)) return apiError(res, 400, 'validation_error', 'The prompt contains a blocked word.', 'prompt');
      for (const [name, value] of Object.entries(body.options || {})) {
        const spec = model.options[name];
        if (!spec) return apiError(res, 400, 'validation_error', `Unknown option ${name}.`, `options.${name}`);
        if (spec.type === 'enum' && !spec.values.includes(value)) return apiError(res, 400, 'validation_error', `Not one of the allowed values.`, `options.${name}`);
        if (spec.type === 'string' && String(value).length > 100) return apiError(res, 400, 'validation_error', 'At most 100 characters.', `options.${name}`);
        if ((spec.type === 'integer' || spec.type === 'number') && (typeof value !== 'number' || value < spec.min || value > spec.max)) {
          return apiError(res, 400, 'validation_error', `Must be a number from ${spec.min} to ${spec.max}.`, `options.${name}`);
        }
      }
      if (/expensive/i.test(prompt)) {
        return apiError(res, 429, 'quota_exceeded', 'This would exceed your monthly limit of $5.00.');
      }
      const job = newJob(username, { model: model.id, prompt, options: body.options || {} });
      if (key) state.idempotency.set(key, { bodyText: text, job });
      return send(res, 202, { job });
    }
    const one = /^\/api\/jobs\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const job = jobs.find((j) => j.id === decodeURIComponent(one[1]));
      if (!job) return apiError(res, 404, 'not_found', 'No such job.');
      // Deterministic progress: first poll → running, third poll → finished.
      const n = (state.polls.get(job.id) || 0) + 1;
      state.polls.set(job.id, n);
      if (job.status === 'queued' && n >= 1) {
        job.status = 'running';
        job.updated_at = new Date().toISOString();
      }
      if (job.status === 'running' && n >= 3) finish(job, username);
      return send(res, 200, { job, assets: job.status === 'succeeded' ? assetsOf(job) : [] });
    }
    if (req.method === 'GET' && url.pathname === '/api/jobs') {
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') || 24)));
      const offset = Number(url.searchParams.get('cursor') ? Buffer.from(url.searchParams.get('cursor'), 'base64url').toString() : 0);
      const newestFirst = [...jobs].reverse();
      const page = newestFirst.slice(offset, offset + limit);
      const next = offset + limit < newestFirst.length ? Buffer.from(String(offset + limit)).toString('base64url') : null;
      return send(res, 200, { jobs: page, next_cursor: next });
    }
    return apiError(res, 404, 'not_found', 'No such route.');
  }

  const appPort = await listen(app);

  return {
    baseUrl: `http://127.0.0.1:${appPort}`,
    otherOrigin,
    state,
    /** Make the API reject every ID token issued so far (as if they had expired). */
    expireIdTokens() {
      state.idTokens.clear();
    },
    async close() {
      await Promise.all([app, other].map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(r); })));
    },
  };
}
