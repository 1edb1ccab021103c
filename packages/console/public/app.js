// @ts-check
import { ApiError, clearKey, get, getKey, setKey, setUnauthorizedHandler } from './api.js';
import { campaignsPage, connectorsPage, dashboardPage, describe, messagesPage, routesPage } from './pages.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const statusEl = $('status');
/** Writes the status line (announced by screen readers). */
function say(text, bad = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('bad', bad);
}

/** @type {Array<() => void>} */
let cleanups = [];
function leave() {
  for (const c of cleanups) c();
  cleanups = [];
}

/** Runs `fn` now and every `ms` until the page changes; errors go to the status line, polling goes on. */
function every(ms, fn) {
  let stopped = false;
  let timer;
  const run = async () => {
    try {
      await fn();
    } catch (e) {
      if (!stopped) say(describe(e), true);
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  void run();
  cleanups.push(() => {
    stopped = true;
    clearTimeout(timer);
  });
}

const PAGES = {
  dashboard: dashboardPage,
  connectors: connectorsPage,
  routes: routesPage,
  messages: messagesPage,
  campaigns: campaignsPage,
};

function showLogin(message) {
  leave();
  $('login').hidden = false;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('page').replaceChildren();
  $('login-error').textContent = message ?? '';
  /** @type {HTMLInputElement} */ ($('api-key')).focus();
}

function route() {
  if (!getKey()) return showLogin();
  leave();
  $('login').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('who-key').textContent = `key ${getKey()?.split(':')[0] ?? ''}`;
  const [, name = 'dashboard', arg] = location.hash.replace(/^#\/?/, '#/').split('/');
  const page = PAGES[name] ?? dashboardPage;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('data-page') === (PAGES[name] ? name : 'dashboard'))
      a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  say('');
  const root = $('page');
  page(root, { say, every }, arg === undefined ? undefined : decodeURIComponent(arg));
  document.title = `Hub console — ${PAGES[name] ? name : 'dashboard'}`;
  $('main').focus({ preventScroll: true });
}

setUnauthorizedHandler(() => {
  clearKey();
  showLogin('The API refused the key (401). Sign in again.');
});

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const key = /** @type {HTMLInputElement} */ ($('api-key')).value.trim();
  if (!/^[A-Za-z0-9_.-]{1,64}:.+$/.test(key)) {
    $('login-error').textContent = 'An API key looks like key-id:secret.';
    return;
  }
  setKey(key);
  try {
    await get('/v1/connectors');
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      clearKey();
      $('login-error').textContent = describe(e);
    }
    return;
  }
  /** @type {HTMLInputElement} */ ($('api-key')).value = '';
  if (!location.hash || location.hash === '#') location.hash = '#/dashboard';
  else route();
});

$('logout').addEventListener('click', () => {
  clearKey();
  location.hash = '';
  showLogin('Signed out.');
});

window.addEventListener('hashchange', route);
route();
