// Runtime configuration, served by the backend at /config.json (generated, not committed).

let pending = null;

/** Load /config.json once; later calls share the same promise. */
export function loadConfig() {
  if (!pending) {
    pending = fetchConfig().catch((err) => {
      pending = null; // allow a retry
      throw err;
    });
  }
  return pending;
}

async function fetchConfig() {
  let res;
  try {
    res = await fetch('/config.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
  } catch {
    throw new Error('Could not reach the server to load its configuration.');
  }
  if (!res.ok) throw new Error(`Could not load the configuration (HTTP ${res.status}).`);
  return normalizeConfig(await res.json());
}

/** Check the fields the app depends on and fill defaults. */
export function normalizeConfig(raw) {
  const cognito = raw?.cognito || {};
  if (!cognito.endpoint || !cognito.client_id) {
    throw new Error('The configuration has no Cognito endpoint or client id.');
  }
  const apiBase = String(raw.api_base || '/api').replace(/\/+$/, '');
  return {
    region: raw.region || '',
    cognito: {
      // May be absolute (AWS, the local emulator) or a same-origin path (a proxy).
      endpoint: new URL(cognito.endpoint, window.location.href).toString(),
      userPoolId: cognito.user_pool_id || '',
      clientId: cognito.client_id,
    },
    apiBase,
    provider: raw.provider || 'replicate',
    simulated: raw.provider === 'simulator',
  };
}
