// The subscriber's reader page. The service that serves it only sells the subscription (POST
// /subscribe puts this browser's address on its allow-list) and lists the articles' blob ids; each
// article is opened here, with this browser's own key, from the aggregator and the key servers
// the service's network descriptor names. No key and no article text ever goes to the service.
// CSP-strict: one module, no inline script or style; text from outside enters the DOM through
// textContent only.
//
// Test contract (stable ids and attributes; tests wait on them, never sleep):
//   main#reader     data-ready  "true" once the network, the identity and the list are loaded
//   #address        data-address, the subscriber's address
//   #subscribe      the button; #subscription data-state none | subscribing | subscribed | failed,
//                   data-height the ledger height that committed the subscription
//   #articles li button.article   data-blob-id, one per article
//   #article        data-state idle | opening | opened | refused | failed, data-blob-id, data-reason
//   #article-text   the article's text, exactly as sealed
//   #outcomes li.outcome          data-server, data-kind, data-reason: one per key server

import {
  AccessRefusedError,
  BrowserIdentity,
  CachetError,
  KeyServersUnavailableError,
  Network,
  openBlob,
} from '/cachet.js';

/** The identity this page keeps in IndexedDB, apart from other Cachet pages' on the same origin. */
const IDENTITY_NAME = 'subscriber';
/** Where this page keeps the height its subscription was committed at, per address. */
const HEIGHT_KEY = 'cachet-subscription-height:';
/** Longest article shown; a longer one is refused before its bytes are read. */
const MAX_ARTICLE_BYTES = 16 * 1024 * 1024;

/** What each key-server reason code means for a subscriber. */
const MEANINGS = Object.freeze({
  NOT_A_MEMBER: 'This address has no subscription: press Subscribe, then open the article again.',
  EXPIRED: 'Your subscription has lapsed: press Subscribe to renew it.',
  NOT_YET_VALID: 'Your subscription has not started yet: try again once it starts.',
  LEDGER_BEHIND: 'A key server has not yet seen your subscription on the ledger: try again in a moment.',
});

const $ = (id) => document.getElementById(id);
const page = { network: null, identity: null };
/** The open under way, stopped when another article is chosen. */
let current = null;

start();

async function start() {
  $('subscribe').addEventListener('click', subscribe);
  $('refresh').addEventListener('click', () => loadArticles().catch(showListFailure));
  try {
    const [network, identity] = await Promise.all([loadNetwork(), BrowserIdentity.loadOrCreate(IDENTITY_NAME)]);
    page.network = network;
    page.identity = identity;
  } catch (e) {
    $('address').textContent = `This page could not start: ${e.message}`;
    $('identity').dataset.state = 'failed';
    return;
  }
  $('address').textContent = page.identity.address;
  $('address').dataset.address = page.identity.address;
  $('subscribe').disabled = false;
  $('refresh').disabled = false;
  try {
    await loadArticles();
  } catch (e) {
    showListFailure(e);
  }
  $('reader').dataset.ready = 'true';
}

async function loadNetwork() {
  const response = await fetch('/network.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`the service's network descriptor answered HTTP ${response.status}`);
  return Network.fromDescriptor(await response.text());
}

// ---------------------------------------------------------------------------------------------
// The service: subscription and list

async function subscribe() {
  const status = $('subscription');
  $('subscribe').disabled = true;
  status.dataset.state = 'subscribing';
  status.textContent = 'Subscribing…';
  try {
    const answer = await service('POST', '/subscribe', { address: page.identity.address });
    if (Number.isSafeInteger(answer.height) && answer.height >= 0) {
      localStorage.setItem(HEIGHT_KEY + page.identity.address, String(answer.height));
      status.dataset.height = String(answer.height);
    }
    status.dataset.state = 'subscribed';
    status.textContent = `Subscribed until ${new Date(answer.until).toUTCString()}.`;
  } catch (e) {
    status.dataset.state = 'failed';
    status.textContent = `The subscription did not go through: ${e.message}`;
  } finally {
    $('subscribe').disabled = false;
  }
}

/** The height this browser's last subscription was committed at, for the key servers to decide at or above. */
function subscriptionHeight() {
  const h = Number(localStorage.getItem(HEIGHT_KEY + page.identity.address));
  return Number.isSafeInteger(h) && h > 0 ? h : undefined;
}

async function loadArticles() {
  const list = $('articles');
  const { articles } = await service('GET', '/articles');
  list.replaceChildren();
  for (const a of Array.isArray(articles) ? articles : []) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'article';
    button.textContent = String(a.title);
    button.dataset.blobId = String(a.blobId);
    button.addEventListener('click', () => openArticle(String(a.title), String(a.blobId), button));
    const item = document.createElement('li');
    item.append(button);
    list.append(item);
  }
  if (!list.children.length) {
    const item = document.createElement('li');
    item.textContent = 'No articles yet.';
    list.append(item);
  }
  list.dataset.state = 'loaded';
}

function showListFailure(e) {
  $('articles').dataset.state = 'failed';
  $('articles').replaceChildren(Object.assign(document.createElement('li'), {
    textContent: `The list could not be read: ${e.message}`,
  }));
}

/** One call to the service's JSON API; rejects with the message of its one error shape. */
async function service(method, path, body) {
  const response = await fetch(path, {
    method,
    cache: 'no-store',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(answer?.error?.message ?? `the service answered HTTP ${response.status}`);
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------
// Opening an article, in this browser

async function openArticle(title, blobId, button) {
  current?.abort(new DOMException('another article was chosen', 'AbortError'));
  const controller = new AbortController();
  current = controller;
  for (const b of document.querySelectorAll('#articles button')) b.removeAttribute('aria-current');
  button.setAttribute('aria-current', 'true');
  const article = $('article');
  article.hidden = false;
  article.dataset.blobId = blobId;
  delete article.dataset.reason;
  $('article-title').textContent = title;
  $('article-text').textContent = '';
  $('outcomes').replaceChildren();
  show('opening', 'Asking the key servers for the article\'s key…');
  try {
    const opened = await openBlob({
      network: page.network,
      blobId,
      identity: page.identity,
      signal: controller.signal,
      minLedgerHeight: subscriptionHeight(),
    });
    if (opened.plaintextLength > MAX_ARTICLE_BYTES) {
      await opened.stream.cancel();
      throw new CachetError('TOO_LONG', `the article is ${opened.plaintextLength} bytes, more than this page shows`);
    }
    show('opening', 'Reading and checking the article…');
    const bytes = await readAll(opened.stream, opened.plaintextLength);
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new CachetError('NOT_TEXT', 'the article is not UTF-8 text, so this page does not show it');
    } finally {
      bytes.fill(0);
    }
    if (current !== controller) return;
    $('article-text').textContent = text;
    showOutcomes(opened.outcomes);
    show('opened', `Opened in this browser: ${opened.plaintextLength} bytes, every segment checked.`);
  } catch (e) {
    if (current !== controller || controller.signal.aborted) return;
    refuse(e);
  }
}

/** The whole stream as one buffer of the announced length. */
async function readAll(stream, length) {
  const out = new Uint8Array(length);
  let have = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (have + value.length > length) {
      await reader.cancel();
      throw new CachetError('TOO_LONG', 'the article is longer than its header says');
    }
    out.set(value, have);
    have += value.length;
    value.fill(0);
  }
  return out.subarray(0, have);
}

function refuse(e) {
  const article = $('article');
  article.dataset.reason = e?.code ?? e?.name ?? 'ERROR';
  if (e instanceof AccessRefusedError) {
    showOutcomes(e.outcomes);
    const meanings = [...new Set(e.outcomes.map((o) => MEANINGS[o.reason]).filter(Boolean))];
    const denied = e.outcomes.filter((o) => o.kind === 'denied').length;
    show('refused', `Refused by ${denied} of ${e.outcomes.length} key servers (${e.threshold} needed). ${meanings.join(' ')}`);
  } else if (e instanceof KeyServersUnavailableError) {
    showOutcomes(e.outcomes);
    show('failed', `Too few key servers answered (${e.threshold} needed). Try again later.`);
  } else {
    show('failed', `The article could not be opened: ${e?.message ?? e}`);
  }
}

function show(state, words) {
  $('article').dataset.state = state;
  $('article-status').textContent = words;
}

/** One line per key server: what it did, its reason code and its own (unsigned) words. */
function showOutcomes(outcomes) {
  const list = $('outcomes');
  list.replaceChildren();
  for (const o of outcomes ?? []) {
    const item = document.createElement('li');
    item.className = 'outcome';
    item.dataset.server = String(o.serverId);
    item.dataset.kind = String(o.kind);
    if (o.reason) item.dataset.reason = String(o.reason);
    item.textContent = `${o.serverId}: ${o.kind.replace('_', ' ')}` + (o.reason ? ` ${o.reason}` : '')
      + (o.message ? `: ${o.message}` : '');
    list.append(item);
  }
}
