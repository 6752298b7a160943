// Gets an envelope's data key from the key servers, as the Java client's KeyFetcher does.
//
// Every slot's server is asked at once, one request each signed by the session key, each with a
// fresh ephemeral X25519 key for its answer. An answer counts only once checked in full
// (responseCheck.js). As soon as t shares rebuild the committed key the round ends and the
// requests still open are aborted; as soon as t can no longer be reached it fails, naming every
// server's outcome (shareRound.js). A server that answers LEDGER_BEHIND, REQUEST_BEFORE_RESTART or
// DEADLINE_EXCEEDED is asked again with a freshly signed request, at most SERVER_RETRIES times,
// after its Retry-After (between 500 ms and 2 s, plus up to half again at random); its last such
// answer counts as unavailable, never as a denial.
//
// The height each request signs is the ledger head read just before, on an EVM chain its head less
// the descriptor's confirmations (evmHead.js); 0 when it cannot be read, as a page without CORS
// access to it may find. A key server decides at that height or above (waiting for its view to
// reach it, else answering LEDGER_BEHIND, which is asked again), so a grant committed before the
// reader asked is never refused by a server behind it.
import { FormatError } from '../codec.js';
import { shareContextInfo } from '../envelope/shareContext.js';
import { CachetError, ProtocolError } from '../errors.js';
import { FetchKeyItem, FetchKeyRequest } from './fetchKey.js';
import {
  DEFAULT_TIMEOUT_MILLIS,
  endpoint,
  fetchWithTimeout,
  getJson,
  parseApiError,
  parseRetryAfter,
  readText,
  retryWait,
  sleep,
} from './http.js';
import { parseFetchKeyResponse } from './receipt.js';
import { readConfirmedHead } from './evmHead.js';
import { checkResponse } from './responseCheck.js';
import { Session } from './session.js';
import { ShareRound } from './shareRound.js';

/** How often one server that is behind, restarted or overloaded is asked again. */
export const SERVER_RETRIES = 2;
/** Most bytes of a key server's answer to a fetch. */
export const MAX_FETCH_ANSWER_BYTES = 1 << 20;
/** The answers after which one server is asked again with a freshly signed request. */
const RETRYABLE = new Set(['LEDGER_BEHIND', 'REQUEST_BEFORE_RESTART', 'DEADLINE_EXCEEDED']);

function outcome(serverId, kind, httpStatus, reason, message) {
  return { serverId, kind, httpStatus, reason, message };
}

/** One server's answer that is not a share, with the wait its answer asked for before another request. */
class Refusal extends Error {
  constructor(outcome, retryAfterMillis = null) {
    super(`${outcome.serverId}: ${outcome.kind} ${outcome.reason}`);
    this.outcome = outcome;
    this.retryAfterMillis = retryAfterMillis;
  }
}

export class KeyFetcher {
  #session = null;
  #making = null;

  /**
   * @param {import('../network.js').Network} network
   * @param {import('./identity.js').BrowserIdentity | import('./wallet.js').WalletIdentity} identity who asks
   */
  constructor(network, identity, { timeoutMillis = DEFAULT_TIMEOUT_MILLIS } = {}) {
    this.network = network;
    this.identity = identity;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * A session with at least a fifth of its life left, made anew otherwise. Opens that need one at
   * the same time share the one being made: with a wallet, each new session is a prompt to its owner.
   * @throws CachetError SESSION_STALE when the session is no longer fresh once signed (a slow prompt)
   */
  async session({ clock = Date.now } = {}) {
    if (this.#session && this.#session.isFresh(clock())) return this.#session;
    if (!this.#making) {
      const audience = this.network.keyServers.map((k) => k.id);
      this.#making = Session.create(this.identity, audience, { clock })
        .then((made) => {
          this.#session = made;
          return made;
        })
        .finally(() => {
          this.#making = null;
        });
    }
    // an open that waited on another's prompt checks the time too: the prompt may have taken long
    const made = await this.#making;
    made.checkFresh(clock());
    return made;
  }

  /**
   * The data key of `header` (checked against its commitment), with each key server's outcome.
   * The caller zeroes `dek` once used.
   * @returns {Promise<{dek: Uint8Array, outcomes: object[]}>}
   * @throws AccessRefusedError, KeyServersUnavailableError, CachetError COMMITMENT_MISMATCH, WrongNetworkError
   */
  async fetch(header, { signal, minLedgerHeight } = {}) {
    signal?.throwIfAborted();
    this.network.checkDecidesFor(header, this.identity);
    const height = minLedgerHeight ?? (await this.readHead(signal));
    const session = await this.session();
    const round = new ShareRound(header);
    const stop = new AbortController();
    const joined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const onAbort = () => round.abort(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    for (const slot of header.slots) {
      const server = this.network.keyServer(slot.keyServerId);
      if (!server) {
        round.answer(
          outcome(slot.keyServerId, 'unavailable', 0, 'UNKNOWN_KEY_SERVER',
            "the envelope names a key server this network descriptor does not list"),
          null,
        );
        continue;
      }
      const item = FetchKeyItem.ofSlot(header, slot, shareContextInfo(header, slot));
      this.#askUntilSettled(server, item, session, height, round, joined, 0).then(
        (share) => round.answer(outcome(server.id, 'released', 200, null, null), share),
        (e) => {
          if (round.done) return;
          if (signal?.aborted) round.abort(signal.reason);
          else if (e instanceof Refusal) round.answer(e.outcome, null);
          else round.answer(outcome(server.id, 'unavailable', 0, e?.code ?? 'UNREACHABLE', String(e?.message ?? e)), null);
        },
      );
    }
    try {
      return await round.settled;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop.abort(new CachetError('NOT_NEEDED', 'the key fetch was decided'));
    }
  }

  /**
   * The height key servers decide at, as read now: the embedded ledger's head, or an EVM chain's
   * head less its confirmations; 0 when it cannot be read in time.
   */
  async readHead(signal) {
    if (this.network.isEvm) return readConfirmedHead(this.network.chain, { signal, timeoutMillis: this.timeoutMillis });
    if (!this.network.ledgerUrl) return 0;
    try {
      const head = await getJson(endpoint(this.network.ledgerUrl, '/v1/head'), {
        signal,
        timeoutMillis: this.timeoutMillis,
        what: 'the ledger head',
      });
      return Number.isSafeInteger(head?.height) && head.height >= 0 ? head.height : 0;
    } catch (e) {
      if (signal?.aborted) throw e;
      return 0;
    }
  }

  async #askUntilSettled(server, item, session, height, round, signal, retries) {
    try {
      return await this.#ask(server, item, session, height, signal);
    } catch (e) {
      if (!(e instanceof Refusal) || !RETRYABLE.has(e.outcome.reason) || retries >= SERVER_RETRIES || round.done) {
        throw e;
      }
      await sleep(retryWait(e.retryAfterMillis), signal);
      if (round.done) throw e;
      return this.#askUntilSettled(server, item, session, height, round, signal, retries + 1);
    }
  }

  /** One signed request to one server; resolves to its verified share, else rejects with a Refusal. */
  async #ask(server, item, session, height, signal) {
    const ephemeral = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
    const responseKey = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
    const request = await FetchKeyRequest.create(session, server.id, responseKey, [item], { minLedgerHeight: height });
    let response;
    let text;
    try {
      response = await fetchWithTimeout(
        endpoint(server.url, '/v1/fetch_key'),
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) },
        { signal, timeoutMillis: this.timeoutMillis },
      );
      text = await readText(response, MAX_FETCH_ANSWER_BYTES, `${server.id}'s fetch answer`);
    } catch (e) {
      if (signal.aborted) throw e;
      throw new Refusal(outcome(server.id, 'unavailable', 0, e.code ?? 'UNREACHABLE', e.message));
    }
    if (response.status !== 200) {
      throw new Refusal(httpRefusal(server, response.status, text), parseRetryAfter(response.headers.get('retry-after')));
    }
    let parsed;
    try {
      parsed = parseFetchKeyResponse(text);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      throw new Refusal(outcome(server.id, 'invalid', 200, 'MALFORMED_RESPONSE', e.message));
    }
    let checked;
    try {
      checked = await checkResponse(request, parsed, server.signingKey, this.identity.addressBytes, ephemeral);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      throw new Refusal(outcome(server.id, 'invalid', 200, e.code, e.message));
    }
    const only = checked[0];
    if (!only.share) {
      throw new Refusal(outcome(server.id, 'denied', 200, only.result.reason, only.result.message));
    }
    return only.share;
  }
}

/** A request-level answer: 429, 5xx and the retryable reasons are unavailability, other 4xx a rejected request. */
function httpRefusal(server, status, text) {
  const error = parseApiError(text, status);
  const reason = error?.reason ?? `HTTP_${status}`;
  const kind = status === 429 || status >= 500 || RETRYABLE.has(reason) ? 'unavailable' : 'invalid';
  return outcome(server.id, kind, status, reason, error?.message ?? null);
}

