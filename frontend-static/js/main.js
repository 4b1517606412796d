// Entry point: load the configuration, then show either the sign-in form or the studio.

import { loadConfig } from './config.js';
import { Auth } from './auth.js';
import { Api } from './api.js';
import { LoginView } from './login.js';
import { Studio } from './studio.js';
import { byId, show, h, replaceChildren } from './dom.js';
import { initTheme } from './theme.js';

async function boot() {
  initTheme(byId('theme-toggle'));
  const status = byId('boot-status');
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    replaceChildren(
      status,
      `The studio could not start: ${err.message} `,
      h('button', { type: 'button', class: 'btn btn--link', onclick: () => window.location.reload() }, 'Reload'),
    );
    status.setAttribute('role', 'alert');
    return;
  }
  show(status, false);

  // Say plainly when images come from the simulator rather than Replicate.
  show(byId('sim-badge'), config.simulated);
  show(byId('sim-note'), config.simulated);
  document.body.classList.toggle('is-simulated', config.simulated);

  const auth = new Auth(config.cognito);
  const api = new Api(config.apiBase, auth);
  const login = new LoginView(auth);
  const studio = new Studio(api);
  const userArea = byId('user-area');

  const openStudio = () => {
    login.close();
    byId('username').textContent = auth.username;
    show(userArea, true);
    studio.open();
  };
  const openLogin = (reason) => {
    studio.close();
    show(userArea, false);
    byId('username').textContent = '';
    login.open(reason);
  };

  auth.addEventListener('signedin', () => openStudio());
  auth.addEventListener('signedout', (e) => openLogin(e.detail?.reason));
  byId('logout').addEventListener('click', () => auth.signOut());

  if (auth.signedIn) openStudio();
  else openLogin(null);
}

boot();
