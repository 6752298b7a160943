// HTTP as the SDK speaks it to key servers, the ledger and the aggregator: one timeout per
// request joined with the caller's AbortSignal, answers read up to a bound (a server that sends
// more is cut off), Cachet's one error shape read tolerantly, and Retry-After understood.
import { CachetError } from '../errors.js';

/** How long one request may take before its server counts as unavailable (ClientConfig's default). */
export const DEFAULT_TIMEOUT_MILLIS = 10_000;

/** Largest error body read as one of ours (ApiError.MAX_BODY_BYTES is of this order). */
const MAX_ERROR_BYTES = 64 * 1024;

/** A route under a server's base URL, its path and query kept (Endpoints.under). */
export function endpoint(base, path) {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url;
}

/** The host:port of a URL, never its path or query (which may hold a key). */
export function hostPort(url) {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid address';
  }
}

/** An error answer that did not come: the request could not be made, or took too long. */
export class UnreachableError extends CachetError {
  constructor(message, options) {
    super('UNREACHABLE', message, options);
    this.name = 'UnreachableError';
  }
}

/** An answer longer than the reader takes (AnswerTooLargeException). */
export class AnswerTooLargeError extends CachetError {
  constructor(message) {
    super('ANSWER_TOO_LARGE', message);
    this.name = 'AnswerTooLargeError';
  }
}

/**
 * fetch() with a timeout and the caller's signal. The caller's abort rethrows its reason; a
 * timeout or a failed connection is an UnreachableError naming host:port.
 */
export async function fetchWithTimeout(url, init = {}, { signal, timeoutMillis = DEFAULT_TIMEOUT_MILLIS } = {}) {
  const timeout = AbortSignal.timeout(timeoutMillis);
  const joined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    return await fetch(url, { ...init, signal: joined, credentials: 'omit' });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) throw new UnreachableError(`no answer within ${timeoutMillis} ms from ${hostPort(url)}`, { cause: e });
    throw new UnreachableError(`could not reach ${hostPort(url)} (${e.cause?.code ?? e.message})`, { cause: e });
  }
}

/** The body's bytes, at most `max`: an announced or actual longer body is cut off and refused. */
export async function readBounded(response, max, what) {
  const announced = Number(response.headers.get('content-length'));
  if (Number.isFinite(announced) && announced > max) {
    await response.body?.cancel();
    throw new AnswerTooLargeError(`${what} announces ${announced} bytes, more than the ${max} read`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      await reader.cancel();
      throw new AnswerTooLargeError(`${what} is longer than the ${max} bytes read`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export async function readText(response, max, what) {
  return new TextDecoder().decode(await readBounded(response, max, what));
}

/**
 * Cachet's error shape, {"error":{"code","status","message","details":[{"reason"}]}}, read as
 * ApiError.parse does: tolerant of extra fields; null when the body is not an error of ours.
 */
export function parseApiError(text, httpStatus) {
  if (!text || text.length > MAX_ERROR_BYTES) return null;
  let root;
  try {
    root = JSON.parse(text);
  } catch {
    return null;
  }
  const err = root && typeof root === 'object' && !Array.isArray(root) ? root.error : null;
  if (!err || typeof err !== 'object' || Array.isArray(err)) return null;
  const status = typeof err.status === 'string' ? err.status : `HTTP_${httpStatus}`;
  let reason = status;
  if (Array.isArray(err.details)) {
    for (const d of err.details) {
      if (d && typeof d.reason === 'string') {
        reason = d.reason;
        break;
      }
    }
  }
  return { code: httpStatus, status, reason, message: typeof err.message === 'string' ? err.message : '' };
}

/** A Retry-After header's wait in ms (delta-seconds or an HTTP-date); null when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value || !value.trim()) return null;
  const v = value.trim();
  if (/^[0-9]{1,9}$/.test(v)) return Number(v) * 1000;
  if (/^[0-9]+$/.test(v)) return Number.MAX_SAFE_INTEGER;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The shortest pause before asking such a server again, and the pause when it did not say. */
export const SERVER_RETRY_DELAY_MILLIS = 500;
/** The longest pause a server's Retry-After gets. */
export const MAX_SERVER_RETRY_DELAY_MILLIS = 2000;
/** The largest share of a pause added at random, so that dropped clients spread out. */
const RETRY_JITTER = 0.5;

/** The pause before asking again: what the server asked (ms, null if nothing), clamped, plus jitter. */
export function retryWait(askedMillis, random = Math.random) {
  const base =
    askedMillis === null || askedMillis < SERVER_RETRY_DELAY_MILLIS
      ? SERVER_RETRY_DELAY_MILLIS
      : Math.min(askedMillis, MAX_SERVER_RETRY_DELAY_MILLIS);
  return base + base * RETRY_JITTER * random();
}

/** GETs a JSON document (at most 1 MiB); a non-200 answer is a CachetError with the server's reason. */
export async function getJson(url, { signal, timeoutMillis, what = hostPort(url) } = {}) {
  const response = await fetchWithTimeout(url, { headers: { accept: 'application/json' } }, { signal, timeoutMillis });
  const text = await readText(response, 1 << 20, what);
  if (response.status !== 200) {
    const error = parseApiError(text, response.status);
    throw new CachetError(error?.reason ?? `HTTP_${response.status}`, `${what} answered HTTP ${response.status}` + (error?.message ? `: ${error.message}` : ''));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CachetError('MALFORMED_RESPONSE', `${what} is not JSON`);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
