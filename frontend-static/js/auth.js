// Sign-in with Amazon Cognito's JSON API, called directly with fetch (no SDK).
// The ID and access tokens live only in memory. Only the refresh token (and the user name) is
// kept in localStorage, so a reload keeps the session: the page trades it for fresh tokens
// before its first API call. Why the refresh token is in page-readable storage at all, and what
// limits the damage: docs/architecture.md ("Where the tokens live"). The ID token is refreshed
// before it expires, and on demand when the API answers 401.

const STORAGE_KEY = 'vn.refresh.v2';
/** Earlier versions kept every token here; removed on load. */
const LEGACY_KEYS = ['vn.session.v1'];
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

/** An error answered by Cognito (`__type`) or a network failure (type "NetworkError"). */
export class CognitoError extends Error {
  constructor(type, message, status = 0) {
    super(message || type);
    this.name = 'CognitoError';
    this.type = type;
    this.status = status;
  }
}

/** Readable text for a Cognito error. */
export function describeAuthError(err) {
  if (!(err instanceof CognitoError)) return err?.message || 'Something went wrong. Please try again.';
  switch (err.type) {
    case 'NetworkError':
      return 'Could not reach the sign-in service. Check your connection and try again.';
    case 'NotAuthorizedException':
      // Cognito's own messages are readable: "Incorrect username or password.",
      // "Invalid session for the user, session is expired.", ...
      return err.message || 'Incorrect username or password.';
    case 'UserNotFoundException':
      return 'Incorrect username or password.';
    case 'InvalidPasswordException':
      return err.message
        ? `That password is not accepted: ${stripPrefix(err.message).replace(/\.?$/, '.')}`
        : 'That password is not accepted. Choose a longer or more varied one.';
    case 'PasswordResetRequiredException':
      return 'Your password must be reset. Ask an administrator for a new temporary password.';
    case 'UserNotConfirmedException':
      return 'This account is not confirmed yet. Ask an administrator to confirm it.';
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts. Wait a moment and try again.';
    case 'InvalidParameterException':
      return err.message || 'Some of the details are not valid.';
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
      return err.message || 'The code is not valid.';
    default:
      return err.message ? `${err.message}` : `Sign-in failed (${err.type}).`;
  }
}

function stripPrefix(message) {
  // "Password does not conform to policy: Password not long enough" → "Password not long enough"
  const i = message.indexOf(': ');
  return i > 0 && /policy/i.test(message.slice(0, i)) ? message.slice(i + 2) : message;
}

/** Decode a JWT's payload (no verification: that is the server's job). */
export function decodeJwt(token) {
  try {
    const part = token.split('.')[1];
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/** One call of Cognito's JSON API; an error answered (or a network failure) is a CognitoError. */
async function cognitoCall(endpoint, action, body) {
  let res;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': TARGET_PREFIX + action,
      },
      body: JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new CognitoError('NetworkError', 'Network error');
  }
  let data = {};
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : {};
  } catch {
    data = {};
  }
  if (!res.ok) {
    const rawType = data.__type || res.headers.get('x-amzn-ErrorType') || `HTTP${res.status}`;
    // "com.amazonaws...#NotAuthorizedException" or "NotAuthorizedException:http://..." → the name.
    const type = rawType.split('#').pop().split(':')[0];
    throw new CognitoError(type, data.message || data.Message || '', res.status);
  }
  return data;
}

/** The stored session: its refresh token, user name, and the Cognito endpoint and app client
 * that issued it (neither is a secret); null when there is none. */
function readStored(storage) {
  try {
    const s = JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
    if (!s || typeof s.refreshToken !== 'string' || !s.refreshToken) return null;
    const text = (v) => (typeof v === 'string' ? v : '');
    return { refreshToken: s.refreshToken, username: text(s.username), endpoint: text(s.endpoint), clientId: text(s.clientId) };
  } catch {
    return null;
  }
}

/**
 * A returning user's refresh, started before the configuration has come (main.js calls it
 * first): the stored session names the endpoint and client that issued it. Auth adopts the
 * answer when the configuration names the same ones, and drops it otherwise. A signed-in load
 * so waits for Cognito beside the configuration, not after it. null when nothing is stored.
 */
export function startRefresh() {
  let s = null;
  try {
    s = readStored(window.localStorage);
  } catch {
    return null; // storage refused (private mode): nothing stored anyway
  }
  if (!s?.endpoint || !s.clientId) return null;
  const answer = cognitoCall(s.endpoint, 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: s.clientId,
    AuthParameters: { REFRESH_TOKEN: s.refreshToken },
  });
  answer.catch(() => {}); // handled where adopted; dropped otherwise
  return { ...s, answer };
}

export class Auth extends EventTarget {
  /**
   * @param {{endpoint: string, clientId: string}} cognito
   * @param {ReturnType<typeof startRefresh>} early a refresh already under way (startRefresh)
   */
  constructor(cognito, storage = window.localStorage, early = null) {
    super();
    this.endpoint = cognito.endpoint;
    this.clientId = cognito.clientId;
    this.storage = storage;
    this.session = this.#restore();
    this.refreshing = null;
    this.timer = null;
    const same = early && this.session && early.refreshToken === this.session.refreshToken;
    if (same && early.endpoint === this.endpoint && early.clientId === this.clientId) {
      this.#adopt(early.answer, 'expired').catch(() => {}); // its callers see a failure
    }
    this.#schedule();
    // Another tab signed in, refreshed or signed out.
    window.addEventListener('storage', (e) => {
      if (e.key !== STORAGE_KEY) return;
      const had = Boolean(this.session);
      const stored = this.#load();
      if (!stored) {
        this.session = null;
        clearTimeout(this.timer);
        if (had) this.#emit('signedout', { reason: 'elsewhere' });
        return;
      }
      if (this.session && this.session.refreshToken === stored.refreshToken) return;
      // Another tab signed in: start from its refresh token (fresh tokens on first use).
      this.session = { ...stored, idToken: null, accessToken: null, expiresAt: 0, lifetimeMs: 0 };
      this.#schedule();
      if (!had) this.#emit('signedin', {});
    });
    document.addEventListener('visibilitychange', () => {
      // Background tabs throttle timers: check the token as soon as the tab is visible again.
      if (document.visibilityState === 'visible' && this.session && this.#expiresSoon()) {
        this.refresh().catch(() => {});
      }
    });
  }

  get signedIn() {
    return Boolean(this.session);
  }

  /** The user's name as Cognito knows it (from the ID token), until /api/me says better. */
  get username() {
    if (!this.session) return '';
    const claims = this.session.idToken ? decodeJwt(this.session.idToken) : {};
    return claims['cognito:username'] || claims.username || this.session.username || '';
  }

  /**
   * USER_PASSWORD_AUTH. Resolves to {status: 'signed-in'} or, for a user an admin created,
   * {status: 'new-password', challenge} to pass to completeNewPassword.
   */
  async signIn(username, password) {
    const answer = await this.#call('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: this.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    return this.#handleAuthAnswer(answer, username);
  }

  /** Answer the NEW_PASSWORD_REQUIRED challenge. */
  async completeNewPassword(challenge, newPassword) {
    const answer = await this.#call('RespondToAuthChallenge', {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      ClientId: this.clientId,
      Session: challenge.session,
      ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
    });
    return this.#handleAuthAnswer(answer, challenge.username);
  }

  #handleAuthAnswer(answer, username) {
    if (answer.AuthenticationResult) {
      this.#store(answer.AuthenticationResult, username);
      this.#emit('signedin', {});
      return { status: 'signed-in' };
    }
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
      const params = answer.ChallengeParameters || {};
      return {
        status: 'new-password',
        challenge: {
          session: answer.Session,
          // When the user signed in with an alias, Cognito wants the real user name here.
          username: params.USER_ID_FOR_SRP || username,
        },
      };
    }
    throw new CognitoError(
      'UnsupportedChallenge',
      `This account needs a sign-in step the studio does not support yet (${answer.ChallengeName || 'unknown'}).`,
    );
  }

  /**
   * The ID token for `Authorization: Bearer`, refreshed first when it expires within a minute
   * (or when forced, after a 401). Resolves to null when there is no session.
   */
  async getIdToken({ forceRefresh = false, reason = 'expired' } = {}) {
    if (!this.session) return null;
    if (forceRefresh || !this.session.idToken || this.#expiresSoon(60_000)) {
      await this.refresh(reason);
    }
    return this.session ? this.session.idToken : null;
  }

  /**
   * REFRESH_TOKEN_AUTH; concurrent callers share one request. When Cognito refuses the refresh
   * token the session is over: signed out with `reason` (the login page's notice).
   */
  refresh(reason = 'expired') {
    if (!this.session) return Promise.resolve();
    if (!this.refreshing) {
      const answer = this.#call('InitiateAuth', {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: this.clientId,
        AuthParameters: { REFRESH_TOKEN: this.session.refreshToken },
      });
      this.#adopt(answer, reason);
    }
    return this.refreshing;
  }

  /** The session's tokens from `answer` (an InitiateAuth refresh), as `this.refreshing`. */
  #adopt(answer, reason) {
    const { refreshToken, username } = this.session;
    this.refreshing = answer
      .then((answer) => {
        if (!answer.AuthenticationResult) throw new CognitoError('NotAuthorizedException', 'Refresh failed.');
        // Cognito does not return a new refresh token on refresh: keep the one we have.
        this.#store({ RefreshToken: refreshToken, ...answer.AuthenticationResult }, username);
      })
      .catch((err) => {
        if (err instanceof CognitoError && err.type !== 'NetworkError' && err.type !== 'TooManyRequestsException') {
          // The refresh token is expired or revoked: the session is over.
          this.#clear();
          this.#emit('signedout', { reason });
        }
        throw err;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /**
   * End the session here, saying why on the login page: its tokens are already revoked at
   * Cognito ('everywhere'), or the API refused them ('revoked', 'deleted').
   */
  end(reason) {
    if (!this.session) return;
    this.#clear();
    this.#emit('signedout', { reason });
  }

  /** ChangePassword with a fresh access token; Cognito checks the current one and the policy. */
  async changePassword(previous, proposed) {
    await this.#call('ChangePassword', { AccessToken: await this.#accessToken(), PreviousPassword: previous, ProposedPassword: proposed });
  }

  /**
   * GlobalSignOut: Cognito revokes every refresh token of the user (every browser and device).
   * ID tokens already issued stay valid at Cognito until they expire; the API refuses them
   * once told (POST /api/account/sign-out-everywhere). The caller ends this session after.
   */
  async globalSignOut() {
    await this.#call('GlobalSignOut', { AccessToken: await this.#accessToken() });
  }

  async #accessToken() {
    await this.getIdToken();
    if (!this.session?.accessToken) throw new CognitoError('NotAuthorizedException', 'You are signed out.');
    return this.session.accessToken;
  }

  /** Clear the tokens here and revoke the refresh token at Cognito (failure ignored). */
  async signOut() {
    const session = this.session;
    this.#clear();
    this.#emit('signedout', { reason: 'user' });
    if (session?.refreshToken) {
      try {
        await this.#call('RevokeToken', { Token: session.refreshToken, ClientId: this.clientId });
      } catch {
        /* the tokens are gone locally; a failed revoke changes nothing for the user */
      }
    }
  }

  #call(action, body) {
    return cognitoCall(this.endpoint, action, body);
  }

  #store(result, username) {
    const lifetimeMs = Math.max(30, Number(result.ExpiresIn) || 3600) * 1000;
    this.session = {
      idToken: result.IdToken,
      accessToken: result.AccessToken,
      refreshToken: result.RefreshToken,
      username,
      expiresAt: Date.now() + lifetimeMs,
      lifetimeMs,
    };
    try {
      // The refresh token only (with who issued it): ID and access tokens never leave memory.
      const stored = { refreshToken: result.RefreshToken, username, endpoint: this.endpoint, clientId: this.clientId };
      if (this.storage.getItem(STORAGE_KEY) !== JSON.stringify(stored)) {
        this.storage.setItem(STORAGE_KEY, JSON.stringify(stored));
      }
    } catch {
      /* private mode or full storage: the session lasts until the page closes */
    }
    this.#schedule();
  }

  /** The stored refresh token as a session without tokens yet (they are fetched on first use). */
  #restore() {
    let stored = this.#load();
    for (const key of LEGACY_KEYS) {
      try {
        const legacy = JSON.parse(this.storage.getItem(key) || 'null');
        this.storage.removeItem(key);
        if (!stored && legacy && legacy.refreshToken) {
          stored = { refreshToken: legacy.refreshToken, username: legacy.username || '' };
          this.storage.setItem(STORAGE_KEY, JSON.stringify(stored));
        }
      } catch {
        /* unreadable: ignore */
      }
    }
    return stored ? { ...stored, idToken: null, accessToken: null, expiresAt: 0, lifetimeMs: 0 } : null;
  }

  #load() {
    const s = readStored(this.storage);
    return s && { refreshToken: s.refreshToken, username: s.username };
  }

  #clear() {
    this.session = null;
    clearTimeout(this.timer);
    try {
      this.storage.removeItem(STORAGE_KEY);
    } catch {
      /* ignore */
    }
  }

  #expiresSoon(marginMs = this.#margin()) {
    return !this.session || Date.now() >= this.session.expiresAt - marginMs;
  }

  #margin() {
    // Refresh five minutes early, or a fifth of the lifetime for short-lived tokens.
    return Math.min(5 * 60_000, (this.session?.lifetimeMs || 3600_000) / 5);
  }

  #schedule() {
    clearTimeout(this.timer);
    if (!this.session) return;
    const due = this.session.expiresAt - this.#margin() - Date.now();
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        // A network failure: try again in 30 s while the token is still usable.
        if (this.session) this.timer = setTimeout(() => this.#schedule(), 30_000);
      });
    }, Math.max(1000, due));
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
