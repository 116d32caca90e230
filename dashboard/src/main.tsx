import { render } from 'preact';
import { App } from './App.js';
import { storeToken, takeTokenFromFragment } from './auth.js';
import './base.css';
import './views.css';

// First of all, before anything renders or loads: the token leaves the address bar (and so the history).
const fragmentToken = takeTokenFromFragment();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App fragmentToken={fragmentToken} />, root);
}

// A `#token=` opened in a tab that already shows the page changes only the fragment, which loads nothing: sign in
// with it by starting over.
window.addEventListener('hashchange', () => {
  const token = takeTokenFromFragment();
  if (!token) return;
  storeToken(token);
  window.location.reload();
});
