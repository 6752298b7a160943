// The reader's window as the ledger records it, shown beside a refusal. Read from the embedded
// ledger's public API (docs/LEDGER.md: `GET /v1/policies/{id}`, `GET /v1/head`) of the network the
// viewer opened the file on. It explains; it decides nothing: the key servers' answers are the
// refusal, and a ledger that cannot be read (no CORS for this page, down, an EVM chain) is said so.

import { ledgerWindow } from './refusal.js';

/** How long the explanation may wait for the ledger before it says it could not be read. */
const LEDGER_TIMEOUT_MS = 5000;

/**
 * @param {object} descriptor the network descriptor JSON the file was opened on
 * @param {string} policyId '0x' and 64 hex digits
 * @param {string} address the reader's address
 * @returns {Promise<{ state: string, words: string }>} state 'unreadable' when the ledger could not be read
 */
export async function readLedgerWindow(descriptor, policyId, address) {
  const chain = descriptor?.chain;
  if (chain && chain.kind && chain.kind !== 'embedded') {
    return { state: 'unreadable', words: 'Your window could not be read here: this network\'s policies live on an EVM chain.' };
  }
  const base = String(descriptor?.ledger?.url ?? '').replace(/\/$/, '');
  if (!base) return { state: 'unreadable', words: 'Your window could not be read: the network names no ledger.' };
  try {
    const [policy, head] = await Promise.all([
      getJson(`${base}/v1/policies/${encodeURIComponent(policyId)}`),
      getJson(`${base}/v1/head`).catch(() => null),
    ]);
    const ledgerTime = Number(head?.timestamp);
    const now = Number.isFinite(ledgerTime) && ledgerTime > 0 ? ledgerTime : Date.now();
    const judged = Number.isFinite(ledgerTime) && ledgerTime > 0 ? 'at the ledger\'s time' : 'by this computer\'s clock';
    const w = ledgerWindow(policy, address, now);
    return { state: w.state, words: `${w.words} (judged ${judged})` };
  } catch (e) {
    return { state: 'unreadable', words: `Your window could not be read from the ledger at ${base}: ${e.message}` };
  }
}

async function getJson(url) {
  const signal = AbortSignal.timeout(LEDGER_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, { signal, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    // a refused connection and a response without CORS headers look alike to a page
    throw new Error(`no answer the page may read (${e.name === 'TimeoutError' ? 'timed out' : 'unreachable, or no CORS for this page'})`);
  }
  if (!response.ok) throw new Error(`it answered HTTP ${response.status}`);
  return response.json();
}
