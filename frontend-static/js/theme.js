// Dark by default; the theme button switches to light and the choice is remembered.
const KEY = 'vn.theme';

export function initTheme(button) {
  const apply = (theme) => {
    if (theme === 'light') document.documentElement.dataset.theme = 'light';
    else delete document.documentElement.dataset.theme;
    button.textContent = theme === 'light' ? 'Dark' : 'Light';
    button.setAttribute('aria-pressed', String(theme === 'light'));
    button.setAttribute('aria-label', theme === 'light' ? 'Switch to the dark theme' : 'Switch to the light theme');
  };
  let theme = localStorage.getItem(KEY) === 'light' ? 'light' : 'dark';
  apply(theme);
  button.addEventListener('click', () => {
    theme = theme === 'light' ? 'dark' : 'light';
    if (theme === 'light') localStorage.setItem(KEY, theme);
    else localStorage.removeItem(KEY); // dark is the default: nothing to remember
    apply(theme);
  });
}
