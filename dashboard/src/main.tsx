import { render } from 'preact';
import { App } from './App.js';
import './base.css';
import './views.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
