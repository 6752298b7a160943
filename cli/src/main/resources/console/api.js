// The console's API, as the pages use it: JSON in and out, the session's CSRF token on every
// change, and failures as ApiFailure carrying the one error shape's reason, message and hint.

let session = null;

/** A failed call: the server's reason code, its sentence, what to do, and key servers' outcomes. */
export class ApiFailure extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.reason = (error.details && error.details[0] && error.details[0].reason) || error.reason || error.status;
    this.hint = error.hint || null;
    this.servers = error.servers || [];
  }
}

/** Where this origin's page keeps the session's CSRF token: no other port of 127.0.0.1 can read it. */
const CSRF_KEY = 'cachet-console-csrf';

/**
 * Loads the session once. The link's redirect hands the CSRF token over in the address's fragment
 * (#csrf=...), which no server ever receives; it is kept in this origin's storage (so a reload or
 * another tab of this console keeps it) and the fragment is replaced at once.
 */
export async function start() {
  const given = /^#csrf=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (given) {
    localStorage.setItem(CSRF_KEY, given[1]);
    history.replaceState(null, '', '/#files');
  }
  const csrf = localStorage.getItem(CSRF_KEY) || '';
  const r = await fetch('/api/session', { credentials: 'same-origin', headers: { 'X-Cachet-Csrf': csrf } });
  const body = await r.json();
  if (!r.ok) {
    throw new ApiFailure(r.status, body.error || {});
  }
  session = { ...body, csrf };
  return session;
}

export function current() {
  return session;
}

async function answer(r) {
  const text = await r.text();
  const body = text ? JSON.parse(text) : {};
  if (!r.ok) {
    throw new ApiFailure(r.status, body.error || { message: text });
  }
  return body;
}

export async function get(path) {
  return answer(await fetch(path, { credentials: 'same-origin', headers: { 'X-Cachet-Csrf': session.csrf } }));
}

/** A change: method POST, PUT or DELETE, with a JSON body (or none). */
export async function change(method, path, body) {
  const headers = { 'X-Cachet-Csrf': session.csrf };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return answer(await fetch(path, init));
}

export const post = (path, body) => change('POST', path, body ?? {});
export const put = (path, body) => change('PUT', path, body ?? {});
export const del = (path) => change('DELETE', path);

/** A path with query parameters, skipping empty ones. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A download link: a GET that acts with the user's keys carries the CSRF token too. */
export function downloadPath(path, params) {
  return withQuery(path, { ...params, csrf: session.csrf });
}

/** Listens to server-sent events; returns a function that stops listening. */
export function events(path, onEvent) {
  const source = new EventSource(withQuery(path, { csrf: session.csrf }));
  source.addEventListener('snapshot', (e) => onEvent(JSON.parse(e.data)));
  return () => source.close();
}
