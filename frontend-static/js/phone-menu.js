// The top bar on a phone: one row (the name, the spend meter, a Menu button); the sections, the
// account controls with the theme switch, and the provider badge open under it from Menu. Wider
// screens never see the button (daily.css), so this only adds it and keeps its state: Esc or
// choosing a section closes the menu and the focus goes back to the button.

import { h, byId } from './dom.js';

export function phoneMenu() {
  const bar = document.querySelector('.topbar');
  const nav = byId('app-nav');
  const button = h('button', { id: 'menu-toggle', type: 'button', class: 'btn btn--ghost menu-toggle', 'aria-expanded': 'false', 'aria-controls': nav.id }, 'Menu');
  nav.before(button);
  const set = (open) => {
    bar.classList.toggle('is-menu-open', open);
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => set(!bar.classList.contains('is-menu-open')));
  bar.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !bar.classList.contains('is-menu-open')) return;
    set(false);
    button.focus();
  });
  // A section, Log out or another account control was chosen: the menu has done its work. The
  // theme switch (with the account controls) leaves it open: the choice is seen in place.
  bar.addEventListener('click', (e) => {
    if (e.target.closest('#theme-toggle')) return;
    if (e.target.closest('[data-view], .topbar__user button, .topbar__user a')) set(false);
  });
  return { close: () => set(false) };
}
