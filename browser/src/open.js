// openBlob: a Cachet file opened in the reader's own process. The header comes by two ranged reads
// of the aggregator's GET /v1/blobs/{blobId} (its first 9 bytes give its length), the key from the
// key servers (keyFetcher.js), and the body as a stream that reads, by range, only the segments
// asked for and releases no byte of a segment before its tag verifies (envelope/body.js).
// openPatch: the same for one file of a quilt, read from GET /v1/blobs/by-quilt-patch-id/{id}.
import { concat, fromBase64Url } from './codec.js';
import { checkOpenable, openBody } from './envelope/body.js';
import { headerLength, parseHeader } from './envelope/header.js';
import { StorageError } from './errors.js';
import { AnswerTooLargeError, endpoint, fetchWithTimeout, hostPort, parseApiError, readBounded, readText } from './protocol/http.js';
import { KeyFetcher } from './protocol/keyFetcher.js';

/** The header's fixed prefix: magic, version and the header body's length. */
const PREFIX_BYTES = 9;

/** How long one ranged read of the blob may take (a 1 MiB segment on a slow link). */
export const DEFAULT_READ_TIMEOUT_MILLIS = 60_000;

/** A blob id: 43 characters of URL-safe base64 (storage's BlobId). */
const BLOB_ID = /^[A-Za-z0-9_-]{43}$/;

/** A quilt patch id: 37 bytes (quilt id, version 1, start and end u16 LE) as 50 characters (storage's QuiltPatchId). */
const PATCH_ID_CHARS = 50;

/** Whether `text` has a quilt patch id's shape: canonical, 37 bytes, version 1. */
function isPatchId(text) {
  if (typeof text !== 'string' || text.length !== PATCH_ID_CHARS) return false;
  try {
    const bytes = fromBase64Url(text);
    return bytes.length === 37 && bytes[32] === 1;
  } catch {
    return false;
  }
}

/** One key fetcher (and so one session) per network and identity, as long as both live. */
const fetchers = new WeakMap();

function fetcherFor(network, identity) {
  let byIdentity = fetchers.get(network);
  if (!byIdentity) {
    byIdentity = new WeakMap();
    fetchers.set(network, byIdentity);
  }
  let fetcher = byIdentity.get(identity);
  if (!fetcher) {
    fetcher = new KeyFetcher(network, identity);
    byIdentity.set(identity, fetcher);
  }
  return fetcher;
}

/**
 * Opens blob `blobId` of `network` as `identity`: a BrowserIdentity for a policy on the embedded
 * ledger, a WalletIdentity (an Ethereum account) for one on the network's EVM chain.
 * @param {{network: import('./network.js').Network, blobId: string,
 *          identity: import('./protocol/identity.js').BrowserIdentity | import('./protocol/wallet.js').WalletIdentity,
 *          range?: {start: number, end: number}, signal?: AbortSignal,
 *          onProgress?: (plainBytesDone: number) => void, minLedgerHeight?: number,
 *          readTimeoutMillis?: number}} options
 * @returns {Promise<{header: object, plaintextLength: number, outcomes: object[], stream: ReadableStream<Uint8Array>}>}
 */
export async function openBlob({ network, blobId, identity, range, signal, onProgress, minLedgerHeight, readTimeoutMillis }) {
  if (typeof blobId !== 'string' || !BLOB_ID.test(blobId)) {
    throw new StorageError('BAD_BLOB_ID', `a blob id is 43 characters of URL-safe base64, not ${JSON.stringify(String(blobId).slice(0, 60))}`);
  }
  const blob = new BlobReader(endpoint(network.aggregator, `/v1/blobs/${blobId}`), `blob ${blobId}`, { signal, timeoutMillis: readTimeoutMillis });
  return openEnvelope(blob, { network, identity, range, signal, onProgress, minLedgerHeight });
}

/**
 * Opens one file of a quilt by its quilt patch id (50 characters, as `putQuilt` and Walrus print
 * them) as `identity`: the file is its own envelope under its own policy, so the key servers
 * decide for that file alone. The patch is read from the aggregator's
 * GET /v1/blobs/by-quilt-patch-id/{id}, by range where the aggregator honours it and cut from the
 * whole patch where it does not. Same options and answer as openBlob, with `patchId` for `blobId`.
 * @param {{network: import('./network.js').Network, patchId: string, identity: object,
 *          range?: {start: number, end: number}, signal?: AbortSignal,
 *          onProgress?: (plainBytesDone: number) => void, minLedgerHeight?: number,
 *          readTimeoutMillis?: number}} options
 * @returns {Promise<{header: object, plaintextLength: number, outcomes: object[], stream: ReadableStream<Uint8Array>}>}
 */
export async function openPatch({ network, patchId, identity, range, signal, onProgress, minLedgerHeight, readTimeoutMillis }) {
  if (!isPatchId(patchId)) {
    throw new StorageError('BAD_PATCH_ID', `a quilt patch id is 50 characters of URL-safe base64 (37 bytes, version 1), not ${JSON.stringify(String(patchId).slice(0, 60))}`);
  }
  const patch = new BlobReader(endpoint(network.aggregator, `/v1/blobs/by-quilt-patch-id/${patchId}`), `quilt patch ${patchId}`, { signal, timeoutMillis: readTimeoutMillis });
  return openEnvelope(patch, { network, identity, range, signal, onProgress, minLedgerHeight });
}

/** The envelope `blob` reads: header by range, the key from the key servers, the body as a checked stream. */
async function openEnvelope(blob, { network, identity, range, signal, onProgress, minLedgerHeight }) {
  const prefix = await blob.read(0, PREFIX_BYTES);
  const total = headerLength(prefix.bytes);
  const header = parseHeader(concat(prefix.bytes, (await blob.read(PREFIX_BYTES, total)).bytes));
  // before the key servers are asked: a range off the plaintext or a file of the wrong size costs no release
  checkOpenable(header, { range, envelopeLength: prefix.size ?? undefined });
  const { dek, outcomes } = await fetcherFor(network, identity).fetch(header, { signal, minLedgerHeight });
  try {
    // openBody keeps its own copy of the key, zeroed once the segment key is derived
    const stream = openBody({
      dek,
      header,
      readBody: async (from, to) => (await blob.read(header.length + from, header.length + to)).bytes,
      range,
      envelopeLength: prefix.size ?? undefined,
      onProgress,
      signal,
    });
    return { header, plaintextLength: header.plaintextLength, outcomes, stream };
  } finally {
    dek.fill(0);
  }
}

/**
 * Ranged reads of one blob (or quilt patch) from the aggregator; a server that ignores Range has
 * its 200 cut to the range. `what` names it in messages ("blob X", "quilt patch Y").
 */
class BlobReader {
  constructor(url, what, { signal, timeoutMillis = DEFAULT_READ_TIMEOUT_MILLIS }) {
    this.url = url;
    this.what = what;
    this.signal = signal;
    this.timeoutMillis = timeoutMillis;
  }

  /** Bytes [from, to) of the blob (fewer when it ends before `to`), and its whole size when the answer says it. */
  async read(from, to) {
    if (to <= from) return { bytes: new Uint8Array(0), size: null };
    let response;
    try {
      response = await fetchWithTimeout(
        this.url,
        { headers: { range: `bytes=${from}-${to - 1}` } },
        { signal: this.signal, timeoutMillis: this.timeoutMillis },
      );
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw new StorageError('STORAGE_UNAVAILABLE', `the aggregator could not be read: ${e.message}`, { cause: e });
    }
    if (response.status === 206) return this.#partial(response, from, to);
    if (response.status === 200) return this.#cut(response, from, to);
    if (response.status === 416) {
      await response.body?.cancel();
      return { bytes: new Uint8Array(0), size: null };
    }
    const text = await readText(response, 64 * 1024, 'the aggregator\'s error').catch(() => '');
    const error = parseApiError(text, response.status);
    if (response.status === 404) {
      throw new StorageError('BLOB_NOT_FOUND', `${this.what} is not stored at ${hostPort(this.url)}: it expired, was deleted, or the id is wrong`);
    }
    throw new StorageError(
      error?.reason ?? 'STORAGE_UNAVAILABLE',
      `the aggregator at ${hostPort(this.url)} answered HTTP ${response.status}` + (error?.message ? `: ${error.message}` : ''),
    );
  }

  async #partial(response, from, to) {
    const contentRange = response.headers.get('content-range');
    if (contentRange === null) {
      // a cross-origin answer shows Content-Range only if the aggregator exposes it; the bytes are
      // checked anyway (the header by its parse and the share contexts, the body by its tags)
      return { bytes: await readExactly(response, to - from), size: null };
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
    if (!m || Number(m[1]) !== from || Number(m[2]) > to - 1) {
      await response.body?.cancel();
      throw new StorageError('STORAGE_UNAVAILABLE', `the aggregator answered another range than bytes ${from}-${to - 1} of ${this.what}`);
    }
    const bytes = await readExactly(response, Number(m[2]) - from + 1);
    return { bytes, size: m[3] === '*' ? null : Number(m[3]) };
  }

  async #cut(response, from, to) {
    const announced = Number(response.headers.get('content-length'));
    const reader = response.body.getReader();
    const out = new Uint8Array(to - from);
    let seen = 0;
    let have = 0;
    while (have < out.length) {
      const { done, value } = await reader.read();
      if (done) break;
      const start = Math.max(0, from - seen);
      const end = Math.min(value.length, to - seen);
      if (end > start) {
        out.set(value.subarray(start, end), have);
        have += end - start;
      }
      seen += value.length;
    }
    await reader.cancel().catch(() => {});
    return { bytes: out.subarray(0, have), size: Number.isFinite(announced) && announced > 0 ? announced : null };
  }
}

/** At most `n` bytes of the body: a longer answer is refused, a shorter one returned as it is. */
async function readExactly(response, n) {
  try {
    return await readBounded(response, n, 'the aggregator\'s answer to a range');
  } catch (e) {
    if (!(e instanceof AnswerTooLargeError)) throw e;
    throw new StorageError('STORAGE_UNAVAILABLE', `the aggregator sent more than the ${n} bytes of the range asked for`, { cause: e });
  }
}
