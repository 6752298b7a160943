// The viewer page: opens a Cachet file from a share token in this browser, with this browser's own
// identity, on the network the page is served with. Static and CSP-strict: one module, no inline
// script or style, and every text from outside goes into the DOM through textContent.
//
// Test contract (stable ids and attributes; tests wait on them and never sleep):
//   main#viewer  data-state   idle | opening | opened | refused | failed
//                data-ready   "true" once the network and the identity are loaded
//                data-reason  the error's code when refused or failed (ACCESS_REFUSED, UNTRUSTED_NETWORK, …)
//                data-bytes   plaintext bytes read so far; data-total the file's plaintext length
//                data-type    the content type told by the first bytes; data-show image|video|pdf|download
//   #identity-address (data-address), #identity-copy, #token, #trust-network, #open, #stop
//   #differences li.difference            a token's network's differences from the page's
//   #outcomes li.outcome                  data-server, data-kind, data-reason, one per key server
//   #refusal-policy, #refusal-meaning p[data-reason], #ledger-window (data-state)
//   #content img|video|iframe (blob: URL), a#download (download attribute, blob: URL)

import * as cachet from '../src/index.js';
import { NetworkTrust, networkDifferences } from './networks.js';
import { sniffContent } from './contentType.js';
import { collectBlob } from './sink.js';
import { tokenFromFragment } from './link.js';
import { outcomeLine, refusalMeanings, refusalSummary, unavailableSummary, byteWords } from './refusal.js';
import { readLedgerWindow } from './ledger.js';

/** Where the page's own network descriptor is: beside the page, on the origin that served it. */
const NETWORK_URL = './network.json';
/** The identity this page keeps in IndexedDB. */
const IDENTITY_NAME = 'default';

const $ = (id) => document.getElementById(id);
const main = $('viewer');

/** What the page loaded at start: its network (descriptor JSON and SDK object) and its identity. */
const page = { descriptor: null, network: null, identity: null };
/** The open under way (to stop it) and the blob: URL shown (to revoke it when the next one opens). */
let current = { controller: null, url: null };
/** The trust-network box, bound to the token it was ticked for (L7 of the review). */
const trust = new NetworkTrust();

start();

async function start() {
  $('open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    openToken($('token').value);
  });
  $('trust-network').addEventListener('change', () => {
    if ($('trust-network').checked) trust.ticked($('token').value);
    else trust.cleared();
  });
  $('token').addEventListener('input', clearTrust);
  $('stop').addEventListener('click', () => current.controller?.abort(new DOMException('stopped by you', 'AbortError')));
  $('identity-copy').addEventListener('click', copyAddress);
  window.addEventListener('hashchange', openFromFragment);
  try {
    await Promise.all([loadNetwork(), loadIdentity()]);
  } catch (e) {
    fail(e);
    return;
  }
  $('open').disabled = false;
  main.dataset.ready = 'true';
  openFromFragment();
}

async function loadNetwork() {
  let descriptor;
  try {
    const response = await fetch(NETWORK_URL, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    descriptor = await response.json();
  } catch (e) {
    $('network').dataset.state = 'failed';
    throw coded('NETWORK_UNAVAILABLE', `This viewer's network (${NETWORK_URL}) could not be read: ${e.message}. `
      + 'The page must be served together with its network descriptor.');
  }
  page.network = cachet.Network.fromDescriptor(descriptor);
  page.descriptor = descriptor;
  $('network').dataset.state = 'loaded';
  $('network-text').textContent = networkWords(descriptor);
}

async function loadIdentity() {
  page.identity = await cachet.BrowserIdentity.loadOrCreate(IDENTITY_NAME);
  const address = page.identity.address;
  $('identity-address').textContent = address;
  $('identity-address').dataset.address = address;
  $('identity-copy').disabled = false;
  $('identity').dataset.state = 'ready';
}

async function copyAddress() {
  const address = page.identity?.address;
  if (!address) return;
  const said = $('identity-copied');
  try {
    await navigator.clipboard.writeText(address);
    said.textContent = 'Copied.';
    said.dataset.state = 'copied';
  } catch {
    // no clipboard for this page (permissions, an insecure origin): select it for the person to copy
    const range = document.createRange();
    range.selectNodeContents($('identity-address'));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    said.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    said.dataset.state = 'selected';
  }
}

function openFromFragment() {
  const token = tokenFromFragment(location.hash);
  if (token && main.dataset.ready === 'true' && main.dataset.state !== 'opening') {
    $('token').value = token;
    clearTrust();
    openToken(token, { fromFragment: true });
  }
}

/** A new token arrived: the box ticked for the last one does not carry over. */
function clearTrust() {
  $('trust-network').checked = false;
  trust.cleared();
}

// ---------------------------------------------------------------------------------------------
// Opening

async function openToken(text, { fromFragment = false } = {}) {
  if (main.dataset.state === 'opening') return;
  reset();
  const controller = new AbortController();
  current.controller = controller;
  setState('opening');
  say('Checking the share token…');
  $('stop').hidden = false;
  $('open').disabled = true;
  let chosen = null;
  try {
    const token = cachet.parseShareToken(text.trim());
    chosen = chooseNetwork(token, text, fromFragment);
    say('Asking the key servers for the file\'s key…');
    const opened = await cachet.openBlob({
      network: chosen.network, blobId: token.blobId, identity: page.identity, signal: controller.signal,
    });
    const total = opened.plaintextLength;
    main.dataset.total = String(total);
    progress(0, total);
    const { blob, bytes, head } = await collectBlob(opened.stream, {
      onBytes: (done) => progress(done, total),
      type: (first) => sniffContent(first).type,
    });
    if (bytes !== total) {
      throw coded('TRUNCATED_BODY', `The file ended after ${bytes} of its ${total} bytes; nothing of it is shown.`);
    }
    show(blob, sniffContent(head), token.blobId, bytes);
  } catch (e) {
    if (e?.code === 'ACCESS_REFUSED' || e?.code === 'KEY_SERVERS_UNAVAILABLE') {
      await refused(e, chosen);
    } else {
      fail(e);
    }
  } finally {
    if (current.controller === controller) current.controller = null;
    $('stop').hidden = true;
    $('open').disabled = false;
  }
}

/**
 * The network to open the token on: the page's own, or the token's when the person ticked that they
 * trust it for this very token and started the open themselves. Otherwise a token naming another
 * network is refused with each difference named.
 */
function chooseNetwork(token, text, fromFragment) {
  const differences = networkDifferences(page.descriptor, token.network);
  if (differences.length === 0) return { network: page.network, descriptor: page.descriptor };
  if (!$('trust-network').checked || !trust.allows(text, { fromFragment })) {
    listDifferences(differences);
    throw coded('UNTRUSTED_NETWORK', 'The share token names another network than this viewer\'s. Its keys would '
      + 'decide whom you trust, so it is not used. Tick "I trust the network this token names" only if you '
      + 'trust it (the differences are below), then press Open: a link never opens on another network by itself.');
  }
  listDifferences(differences);
  const warning = $('warning');
  warning.textContent = 'Opened on the network the token names, which you chose to trust; it differs from '
    + 'this viewer\'s as listed below.';
  warning.hidden = false;
  return { network: cachet.Network.fromDescriptor(token.network), descriptor: token.network };
}

function show(blob, kind, blobId, bytes) {
  const url = URL.createObjectURL(blob);
  current.url = url;
  const content = $('content');
  let element = null;
  if (kind.show === 'image') {
    element = document.createElement('img');
    element.alt = 'the opened file';
  } else if (kind.show === 'video') {
    element = document.createElement('video');
    element.controls = true;
  } else if (kind.show === 'pdf') {
    // Not sandboxed, on purpose: Chromium (the one browser supported) refuses to render a PDF in a
    // sandboxed frame whatever the tokens (tried with Chromium 156: '' up to every allow-* token,
    // the frame shows the blocked-page icon). Its PDF viewer runs out of process under its own
    // origin, so the file's content never runs as this page's origin. A browser whose PDF viewer
    // runs inside the frame (Firefox's pdf.js) would share this origin and its identity: see
    // docs/BROWSER.md, "Choices made".
    element = document.createElement('iframe');
    element.title = 'the opened PDF';
  }
  if (element) {
    element.id = `content-${kind.show}`;
    element.src = url;
    content.append(element);
  }
  const link = $('download');
  link.href = url;
  link.download = `cachet-${blobId.slice(0, 16)}.${kind.extension}`;
  link.textContent = `Save the file (${byteWords(bytes)})`;
  link.hidden = false;
  $('result-text').textContent = element
    ? `${byteWords(bytes)}, ${kind.type}, every byte authenticated.`
    : `${byteWords(bytes)}, every byte authenticated. The viewer does not show this kind of file; save it instead.`;
  $('result').hidden = false;
  main.dataset.type = kind.type;
  main.dataset.show = kind.show;
  setState('opened');
  say('Opened.');
}

// ---------------------------------------------------------------------------------------------
// Refusals and failures

async function refused(error, chosen) {
  const outcomes = error.outcomes ?? [];
  const list = $('outcomes');
  for (const o of outcomes) {
    const li = document.createElement('li');
    li.className = 'outcome';
    li.dataset.server = o.serverId ?? '';
    li.dataset.kind = o.kind ?? '';
    li.dataset.reason = o.reason ?? '';
    li.textContent = outcomeLine(o);
    list.append(li);
  }
  const threshold = error.threshold ?? chosen?.descriptor?.keyServers?.threshold;
  $('refusal-summary').textContent = error.code === 'KEY_SERVERS_UNAVAILABLE'
    ? `${unavailableSummary(outcomes, threshold)} ${error.message ?? ''}`
    : refusalSummary(outcomes, threshold);
  const meaning = $('refusal-meaning');
  for (const { reason, meaning: words } of refusalMeanings(outcomes)) {
    const p = document.createElement('p');
    p.dataset.reason = reason;
    p.textContent = `${reason}: ${words}`;
    meaning.append(p);
  }
  say(error.code === 'ACCESS_REFUSED' ? 'Access refused; reading why…' : 'Too few key servers gave a share that checks out.');
  $('refusal').hidden = false;
  // the SDK's error names the header's policy: no second read of the header
  const policyId = error.policyId ?? null;
  $('refusal-policy').textContent = policyId ?? 'unknown (the error did not name it)';
  if (policyId && error.code === 'ACCESS_REFUSED') {
    const windowLine = $('ledger-window');
    windowLine.dataset.state = 'reading';
    windowLine.textContent = 'Reading your window from the ledger…';
    const w = await readLedgerWindow(chosen?.descriptor, policyId, page.identity.address);
    windowLine.dataset.state = w.state;
    windowLine.textContent = w.words;
  }
  // the state changes last, once everything the refusal explains is on the page
  main.dataset.reason = error.code;
  setState(error.code === 'ACCESS_REFUSED' ? 'refused' : 'failed');
  say(error.code === 'ACCESS_REFUSED' ? 'Access refused.' : 'Too few key servers gave a share that checks out.');
}

function fail(error) {
  const code = codeOf(error);
  main.dataset.reason = code;
  setState('failed');
  say(code === 'STOPPED' ? 'Stopped.' : `Could not open the file: ${error?.message ?? error} (${code})`);
  $('progress').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// The page's state

function reset() {
  if (current.url) URL.revokeObjectURL(current.url);
  current.url = null;
  for (const id of ['outcomes', 'refusal-meaning', 'content', 'differences']) $(id).replaceChildren();
  for (const id of ['refusal', 'result', 'warning', 'differences', 'download']) $(id).hidden = true;
  $('download').removeAttribute('href');
  $('ledger-window').textContent = '';
  $('ledger-window').dataset.state = 'none';
  $('progress').hidden = true;
  for (const key of ['reason', 'total', 'type', 'show']) delete main.dataset[key];
  main.dataset.bytes = '0';
}

function setState(state) {
  main.dataset.state = state;
}

function say(text) {
  $('status-text').textContent = text;
}

function progress(done, total) {
  main.dataset.bytes = String(done);
  const bar = $('progress');
  bar.hidden = false;
  bar.max = Math.max(total, 1);
  bar.value = total === 0 ? 1 : done;
  say(`Opening: ${byteWords(done)} of ${byteWords(total)}…`);
}

function listDifferences(differences) {
  const list = $('differences');
  for (const d of differences) {
    const li = document.createElement('li');
    li.className = 'difference';
    li.textContent = d;
    list.append(li);
  }
  list.hidden = false;
}

function networkWords(d) {
  const servers = d?.keyServers?.servers ?? [];
  const chain = d?.chain?.kind === 'evm' ? `EVM chain ${d.chain.chainId}` : `ledger ${d?.ledger?.ledgerId}`;
  return `${chain}; ${d?.keyServers?.threshold} of ${servers.length} key servers `
    + `(${servers.map((s) => s.id).join(', ')}); storage at ${d?.storage?.aggregator}.`;
}

function coded(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

/** The stable code a failure is shown and tested by. */
function codeOf(error) {
  if (error?.code) return error.code;
  if (error?.name === 'AbortError') return 'STOPPED';
  if (error?.name === 'FormatError') return 'MALFORMED';
  return 'FAILED';
}
