// The console's shell: loads the session, keeps the "acting as" identity, and shows one page at a
// time from the address's hash (#files, #file/BLOB, #policies, #policy/ID, #network, #identities).
import * as api from './api.js';
import { el, fill, failureBlock } from './ui.js';

const PAGES = {
  files: './files.js',
  file: './files.js',
  policies: './policies.js',
  policy: './policies.js',
  network: './network.js',
  identities: './identities.js',
};

let leave = null;
const listeners = new Set();

/** What a page gets: where it is, who acts, and a way to hear when the acting identity changes. */
const shell = {
  acting: () => document.getElementById('acting-as').value || null,
  go: (hash) => { location.hash = hash; },
  onActingChange: (fn) => { listeners.add(fn); return () => listeners.delete(fn); },
  /** Re-reads the unlocked identities into the selector (after an unlock, a lock or a new one). */
  refreshIdentities,
};

async function refreshIdentities() {
  const select = document.getElementById('acting-as');
  const before = select.value || sessionStorage.getItem('acting') || '';
  let list = [];
  try {
    list = (await api.get('/api/identities')).identities || [];
  } catch (e) {
    list = [];
  }
  const unlocked = list.filter((i) => i.unlocked);
  fill(select, unlocked.length === 0
    ? el('option', { value: '' }, 'nobody: unlock an identity')
    : unlocked.map((i) => el('option', { value: i.name }, i.name)));
  if (unlocked.some((i) => i.name === before)) select.value = before;
  sessionStorage.setItem('acting', select.value);
  return list;
}

/** Counts navigations, so a page whose render ends after the next navigation is dropped, not shown. */
let shown = 0;

async function show() {
  const mine = ++shown;
  const [name, ...rest] = (location.hash.replace(/^#/, '') || 'files').split('/');
  const route = PAGES[name] ? name : 'files';
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : null;
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('here', a.dataset.page === route || (a.dataset.page + 's') === route
      || a.dataset.page === route + 's');
  }
  if (typeof leave === 'function') leave();
  leave = null;
  listeners.clear();
  const main = document.getElementById('page');
  main.dataset.page = route;
  // each navigation renders into its own view, so a slow page left behind cannot write over the next
  const view = el('div', { class: 'view' }, el('p', { class: 'loading' }, 'loading…'));
  fill(main, view);
  let cleanup = null;
  try {
    const mod = await import(PAGES[route]);
    cleanup = await mod.render(view, { ...shell, route, arg });
  } catch (e) {
    fill(view, failureBlock(e, 'page-failure'));
  }
  if (mine !== shown) {
    // left while it loaded: stop what it started (an event stream) and show nothing of it
    if (typeof cleanup === 'function') cleanup();
    return;
  }
  leave = cleanup;
  main.dataset.ready = 'true';
}

async function boot() {
  try {
    await api.start();
  } catch (e) {
    const main = document.getElementById('page');
    fill(main, failureBlock(e, 'session-failure'));
    main.dataset.ready = 'true';
    return;
  }
  document.getElementById('acting-as').addEventListener('change', (e) => {
    sessionStorage.setItem('acting', e.target.value);
    for (const fn of listeners) fn(e.target.value);
  });
  await refreshIdentities();
  window.addEventListener('hashchange', () => { document.getElementById('page').dataset.ready = 'false'; show(); });
  await show();
}

boot();
