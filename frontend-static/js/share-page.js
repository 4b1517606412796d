// The share page (/share.html#t=…): opens a share link without signing in. The token is taken
// from the address's fragment, which the browser never sends to a server, and posted to the
// public API in a JSON body (docs/decisions/0005-share-links.md). Read-only: no account, no
// other work of the owner's, nothing to change.

import { h, byId, show, replaceChildren } from './dom.js';
import { formatDateTime } from './format.js';
import { initTheme } from './theme.js';

/** The token of `#t=…`, or '' when the address has none. */
export function tokenFromHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  return params.get('t') || '';
}

function item(asset, index, total) {
  const label = asset.prompt ? `“${asset.prompt}”` : `Shared ${asset.kind === 'video' ? 'video' : 'picture'} ${index + 1} of ${total}`;
  const media =
    asset.kind === 'video'
      ? h('video', { src: asset.url, controls: true, playsinline: true, preload: 'metadata', class: 'sharepage__media', 'aria-label': label, width: asset.width, height: asset.height })
      : h('img', { src: asset.url, alt: label, class: 'sharepage__media', width: asset.width, height: asset.height });
  const caption = [asset.caption, asset.prompt && !asset.caption ? asset.prompt : null, asset.model ? `Model: ${asset.model}` : null].filter(Boolean);
  return h('li', { class: 'sharepage__item' }, h('figure', {}, media, caption.length ? h('figcaption', {}, caption.join(' · ')) : null));
}

function render(body) {
  const title = byId('share-title');
  title.textContent = body.title || (body.kind === 'asset' ? 'A shared picture' : 'Shared with you');
  document.title = `${title.textContent} · Visual Neurons`;
  const prompt = byId('share-prompt');
  prompt.textContent = body.prompt ? `Prompt: ${body.prompt}` : '';
  show(prompt, Boolean(body.prompt));
  const list = byId('share-items');
  replaceChildren(list, body.assets.map((a, i) => item(a, i, body.assets.length)));
  show(list, true);
  const expiry = byId('share-expiry');
  expiry.textContent = `This link works until ${formatDateTime(body.expires_at)}.`;
  show(expiry, true);
  show(byId('share-status'), false);
}

function fail(message) {
  const status = byId('share-status');
  status.textContent = message;
  status.classList.add('notice', 'notice--error');
  byId('share-title').textContent = 'This link cannot be opened';
  show(byId('share-items'), false);
  show(byId('share-prompt'), false);
  show(byId('share-expiry'), false);
}

async function open() {
  const token = tokenFromHash(window.location.hash);
  if (!token) {
    fail('This address has no share link in it. Ask for the whole link again.');
    return;
  }
  let res;
  try {
    res = await fetch('/api/shared', {
      method: 'POST',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token }),
    });
  } catch {
    fail('Could not reach the server. Check your connection and reload the page.');
    return;
  }
  if (res.status === 404) {
    fail('This link does not exist, has expired or was revoked.');
    return;
  }
  if (res.status === 429) {
    fail('Too many links were opened from your network just now. Wait a minute and reload the page.');
    return;
  }
  if (!res.ok) {
    fail(`The link could not be opened (HTTP ${res.status}). Reload the page to try again.`);
    return;
  }
  render(await res.json());
}

if (typeof document !== 'undefined' && document.getElementById('share-items')) {
  initTheme(byId('theme-toggle'));
  window.addEventListener('hashchange', open);
  open();
}
