// The envelope body: Tink's AES-256-GCM-HKDF-SHA256 streaming AEAD with 1 MiB ciphertext segments
// (docs/FORMAT.md, "Body"; crypto's BodyLayout), decrypted with WebCrypto segment by segment.
//
// Tink's layout, as its AesGcmHkdfStreaming writes it:
//   body      = stream header || segment 0 || segment 1 || ... || segment k
//   stream header (40 bytes) = u8 40 || salt (32) || nonce prefix (7)
//   segment i = AES-256-GCM(key, nonce_i, plaintext_i) with its 16-byte tag, no associated data
//   key       = HKDF-SHA256(ikm = DEK, salt, info = the encoded envelope header, 32 bytes)
//   nonce_i   = nonce prefix || u32 i || u8 (1 if i = k else 0)
// Every segment is 1 MiB of ciphertext but segment 0, which is 40 bytes shorter (the stream
// header fills them), and the last, which may be short. The header being the key's HKDF info is
// what binds header and body: one changed header bit gives another key and no segment opens.
//
// What openBody guarantees: a byte is enqueued only once the segment holding it authenticated,
// under its own number and last-or-not flag, so a flipped bit, a moved, swapped or dropped
// segment, or a last segment cut off (its predecessor is then not flagged last) all fail before a
// byte of the bad segment is released. Lengths come from the header, never from the body: the
// reader asks for exactly the ciphertext the header's plaintext length implies, a short answer is
// a truncated body, and when it reaches the end it asks for one byte more, which must not come.
import { HkdfSha256 } from '@hpke/core';
import { BodyIntegrityError } from './errors.js';

/** The only body algorithm of format version 1: AES-256-GCM-HKDF-SHA256 streaming (Tink). */
export const BODY_ALGORITHM = 1;

/** Ciphertext bytes per segment. */
export const SEGMENT_SIZE = 1 << 20;

/** Largest plaintext the format admits (256 TiB); keeps every offset a safe integer. */
export const MAX_PLAINTEXT_LENGTH = 2 ** 48;

/** Tink's stream header: one length byte, a salt as long as the key, a 7-byte nonce prefix. */
export const STREAM_HEADER_LENGTH = 40;

/** The AES-GCM tag that ends every segment. */
export const TAG_LENGTH = 16;

/** Plaintext bytes in every segment but the first and the last: 1 048 560. */
export const SEGMENT_PLAINTEXT = SEGMENT_SIZE - TAG_LENGTH;

/** Plaintext bytes in a full first segment, which shares its megabyte with the stream header: 1 048 520. */
export const FIRST_SEGMENT_PLAINTEXT = SEGMENT_PLAINTEXT - STREAM_HEADER_LENGTH;

/** Segments fetched by one readBody call; with one read ahead, twice this many are held at most. */
export const SEGMENTS_PER_READ = 4;

const SALT_LENGTH = 32;
const NONCE_LENGTH = 12;
const NONCE_PREFIX_LENGTH = 7;
const KEY_BITS = 256;
// OpenSSL 3.0, under Node 20's WebCrypto, refuses HKDF info longer than this; browsers do not.
const OPENSSL_HKDF_INFO_LIMIT = 1024;

const subtle = globalThis.crypto.subtle;

// ---------------------------------------------------------------- layout

/**
 * Ciphertext body length for a plaintext of `plaintextLength` bytes (FORMAT.md's formula):
 * with C = P + 40, floor(C / 1 048 560) full segments and a last one of C mod 1 048 560 + 16 bytes.
 */
export function bodyLength(plaintextLength) {
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0 || plaintextLength > MAX_PLAINTEXT_LENGTH) {
    throw new RangeError(`plaintext length must be an integer 0..2^48, was ${plaintextLength}`);
  }
  const covered = plaintextLength + STREAM_HEADER_LENGTH;
  const rest = covered % SEGMENT_PLAINTEXT;
  return Math.floor(covered / SEGMENT_PLAINTEXT) * SEGMENT_SIZE + (rest > 0 ? rest + TAG_LENGTH : 0);
}

/** Where each segment lies in the body and in the plaintext, for one plaintext length. */
class Layout {
  constructor(plaintextLength) {
    this.plaintextLength = plaintextLength;
    this.bodyLength = bodyLength(plaintextLength);
    const covered = plaintextLength + STREAM_HEADER_LENGTH;
    this.segmentCount = Math.ceil(covered / SEGMENT_PLAINTEXT);
  }

  ciphertextStart(i) {
    return i === 0 ? STREAM_HEADER_LENGTH : i * SEGMENT_SIZE;
  }

  ciphertextEnd(i) {
    return Math.min((i + 1) * SEGMENT_SIZE, this.bodyLength);
  }

  plaintextStart(i) {
    return i === 0 ? 0 : FIRST_SEGMENT_PLAINTEXT + (i - 1) * SEGMENT_PLAINTEXT;
  }

  /** The segment holding plaintext byte `offset`; an offset at the very end maps to the last segment. */
  segmentOf(offset) {
    const i = offset < FIRST_SEGMENT_PLAINTEXT ? 0 : 1 + Math.floor((offset - FIRST_SEGMENT_PLAINTEXT) / SEGMENT_PLAINTEXT);
    return Math.min(i, this.segmentCount - 1);
  }

  isLast(i) {
    return i === this.segmentCount - 1;
  }
}

// ---------------------------------------------------------------- opening

/**
 * Opens a body as a stream of plaintext. Nothing is read until the stream is read.
 *
 * The DEK must already have passed checkCommitment. `readBody(from, to, signal)` resolves to the
 * body's bytes [from, to) (offsets within the body, after the envelope header), or fewer only
 * where the body ends: ranged requests to an aggregator, a Blob slice, a Uint8Array subarray.
 *
 * @param {object} options
 * @param {Uint8Array} options.dek the 32-byte data key; copied, and the copy zeroed once the
 *   segment key is derived, or when the stream ends, errors or is cancelled
 * @param {object} options.header a header from parseHeader
 * @param {(from: number, to: number, signal?: AbortSignal) => Promise<Uint8Array>} options.readBody
 * @param {{start: number, end: number}} [options.range] plaintext bytes [start, end); only the
 *   segments holding them (and the stream header) are read and authenticated
 * @param {number} [options.envelopeLength] the whole envelope's size as the caller saw it (a
 *   Content-Range total, a Blob's size): refused here, before anything is read, unless it is
 *   exactly header plus bodyLength(plaintextLength)
 * @param {(plainBytesDone: number) => void} [options.onProgress] after each chunk, with the
 *   plaintext bytes of the range enqueued so far
 * @param {AbortSignal} [options.signal] aborting errors the stream with the signal's reason
 * @returns {ReadableStream<Uint8Array>}
 * @throws {BodyIntegrityError} when envelopeLength disagrees with the header
 */
export function openBody({ dek, header, readBody, range, envelopeLength, onProgress, signal }) {
  if (!(dek instanceof Uint8Array) || dek.length !== 32) throw new TypeError('the data key must be 32 bytes');
  if (header?.bodyAlgorithm !== BODY_ALGORITHM || header.segmentSize !== SEGMENT_SIZE || !(header.encoded instanceof Uint8Array)) {
    throw new TypeError('openBody needs a header from parseHeader');
  }
  if (typeof readBody !== 'function') throw new TypeError('readBody must be a function');
  const layout = new Layout(header.plaintextLength);
  const { start, end } = checkOpenable(header, { range, envelopeLength });
  const first = layout.segmentOf(start);
  // An empty range still authenticates one segment: what it returns (nothing) is then known to
  // belong to this header and key.
  const last = end > start ? layout.segmentOf(end - 1) : first;
  const opening = new BodyReader({ dek, aad: header.encoded, layout, readBody, start, end, first, last, onProgress, signal });
  return new ReadableStream(opening, { highWaterMark: 0 });
}

/**
 * What can be checked of an open from the header alone: the range lies in the plaintext, and the
 * envelope's size (when known) is the header's plus bodyLength(plaintextLength). openBlob runs it
 * before asking the key servers, so a bad range or a cut file costs no release.
 * @returns {{start: number, end: number}} the range, the whole plaintext when none was given
 * @throws {RangeError} a range outside [0, plaintextLength]; {BodyIntegrityError} a wrong envelope size
 */
export function checkOpenable(header, { range, envelopeLength } = {}) {
  if (envelopeLength !== undefined) checkEnvelopeLength(envelopeLength, header.encoded.length + bodyLength(header.plaintextLength));
  return checkRange(range, header.plaintextLength);
}

function checkEnvelopeLength(seen, expected) {
  if (!Number.isSafeInteger(seen) || seen < 0) throw new TypeError(`envelopeLength must be a byte count, was ${seen}`);
  if (seen < expected) {
    throw new BodyIntegrityError('TRUNCATED', `the envelope is ${seen} bytes, its header declares ${expected}: `
      + 'the file was cut short in storage or in transit; fetch it again, or ask its owner to upload it again');
  }
  if (seen > expected) {
    throw new BodyIntegrityError('TRAILING_DATA', `the envelope is ${seen} bytes, its header declares ${expected}: `
      + 'bytes were added to the file; do not trust it, ask its owner for the original');
  }
}

function checkRange(range, plaintextLength) {
  if (range === undefined || range === null) return { start: 0, end: plaintextLength };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > plaintextLength) {
    throw new RangeError(`range must satisfy 0 <= start <= end <= ${plaintextLength}, was [${start}, ${end})`);
  }
  return { start, end };
}

/**
 * The underlying source of one opened body. Segments come in batches of SEGMENTS_PER_READ, one
 * ranged read each, and the read of the next batch is issued as soon as the current one is, so
 * the network works while the current batch is decrypted and while the reader consumes it. The
 * segments of a batch are decrypted by concurrent WebCrypto calls, but each is enqueued only once
 * its own tag verified and all before it were enqueued, so order and "no byte before its tag"
 * hold. With a high-water mark of 0, pull runs only when the reader waits and the queue is empty,
 * so at most two batches of ciphertext (2 x SEGMENTS_PER_READ segments, 8 MiB: the one being
 * decrypted and the one being read) and one batch of plaintext are held at a time.
 */
class BodyReader {
  #dek;
  #aad;
  #layout;
  #readBody;
  #start;
  #end;
  #next;
  #last;
  #onProgress;
  #signal;
  #onAbort = null;
  #key = null;
  #noncePrefix = null;
  #delivered = 0;
  #finished = false;
  /** The read of the batch starting at segment #next, once issued: {from, to, readFrom, bytes}. */
  #ahead = null;
  /** A failure held until the reader took the segments enqueued before it: {error}. */
  #failure = null;

  constructor({ dek, aad, layout, readBody, start, end, first, last, onProgress, signal }) {
    this.#dek = Uint8Array.from(dek);
    this.#aad = Uint8Array.from(aad);
    this.#layout = layout;
    this.#readBody = readBody;
    this.#start = start;
    this.#end = end;
    this.#next = first;
    this.#last = last;
    this.#onProgress = onProgress;
    this.#signal = signal;
  }

  start(controller) {
    const signal = this.#signal;
    if (!signal) return;
    this.#onAbort = () => this.#fail(controller, signal.reason);
    if (signal.aborted) {
      this.#onAbort();
      return;
    }
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  async pull(controller) {
    if (this.#finished) return;
    if (this.#failure !== null) {
      this.#fail(controller, this.#failure.error);
      return;
    }
    let released = false;
    try {
      // A body that does not start at segment 0 needs its stream header alone first; one that
      // does takes it with its first batch.
      if (this.#key === null && this.#next !== 0) {
        await this.#useStreamHeader(await this.#read(0, STREAM_HEADER_LENGTH, false));
        if (this.#finished) return;
      }
      const batch = this.#ahead ?? this.#issue(this.#next);
      this.#ahead = batch.to <= this.#last ? this.#issue(batch.to) : null;
      const bytes = await batch.bytes;
      if (this.#finished) return;
      if (this.#key === null) {
        await this.#useStreamHeader(bytes.subarray(0, STREAM_HEADER_LENGTH));
        if (this.#finished) return;
      }
      const layout = this.#layout;
      const plaintexts = [];
      for (let i = batch.from; i < batch.to; i++) {
        const segment = bytes.subarray(layout.ciphertextStart(i) - batch.readFrom, layout.ciphertextEnd(i) - batch.readFrom);
        plaintexts.push(settled(this.#decrypt(i, segment)));
      }
      for (let i = batch.from; i < batch.to; i++) {
        const plaintext = await plaintexts[i - batch.from];
        if (this.#finished) return;
        released = this.#deliver(controller, i, plaintext) || released;
      }
      this.#next = batch.to;
      if (batch.to > this.#last) {
        this.#finish();
        controller.close();
      }
    } catch (e) {
      // Erroring a stream drops the chunks still queued in it, so a failure that follows segments
      // enqueued by this pull waits for the next pull, which comes once the reader took them all.
      if (released) this.#failure = { error: e };
      else this.#fail(controller, e);
    }
  }

  /**
   * Issues the read of the batch starting at segment `from`. Its promise is marked handled, so a
   * read ahead that fails after the stream ended is not an unhandled rejection; a pull that
   * awaits it still sees the failure.
   */
  #issue(from) {
    const layout = this.#layout;
    const to = Math.min(from + SEGMENTS_PER_READ, this.#last + 1);
    const readFrom = from === 0 ? 0 : layout.ciphertextStart(from);
    const bytes = settled(this.#read(readFrom, layout.ciphertextEnd(to - 1), layout.isLast(to - 1)));
    return { from, to, readFrom, bytes };
  }

  cancel() {
    this.#finish();
  }

  /** Reads body bytes [from, to); with `atEnd`, one more, which a body of the declared length does not have. */
  async #read(from, to, atEnd) {
    const asked = atEnd ? to + 1 : to;
    const got = await this.#readBody(from, asked, this.#signal);
    if (!(got instanceof Uint8Array)) throw new TypeError('readBody must resolve to a Uint8Array');
    if (got.length > asked - from) {
      throw new RangeError(`readBody returned ${got.length} bytes for the ${asked - from} asked at ${from}`);
    }
    const declared = this.#layout.bodyLength;
    if (got.length < to - from) {
      throw new BodyIntegrityError('TRUNCATED', `the body ends at byte ${from + got.length}, its header declares ${declared}: `
        + 'the file was cut short in storage or in transit; fetch it again, or ask its owner to upload it again');
    }
    if (atEnd && got.length === asked - from) {
      throw new BodyIntegrityError('TRAILING_DATA', `the body goes on past the ${declared} bytes its header declares: `
        + 'bytes were added to the file; do not trust it, ask its owner for the original');
    }
    return got.subarray(0, to - from);
  }

  async #useStreamHeader(streamHeader) {
    if (streamHeader[0] !== STREAM_HEADER_LENGTH) {
      throw new BodyIntegrityError('SEGMENT_AUTH', `the body does not start with its stream header (first byte ${streamHeader[0]}, `
        + `not ${STREAM_HEADER_LENGTH}): the file is damaged or is not this envelope's body`);
    }
    const salt = streamHeader.slice(1, 1 + SALT_LENGTH);
    this.#noncePrefix = streamHeader.slice(1 + SALT_LENGTH, STREAM_HEADER_LENGTH);
    try {
      const key = await deriveSegmentKey(this.#dek, salt, this.#aad);
      if (!this.#finished) this.#key = key;
    } finally {
      this.#dek.fill(0);
    }
  }

  async #decrypt(i, segment) {
    const nonce = new Uint8Array(NONCE_LENGTH);
    nonce.set(this.#noncePrefix);
    new DataView(nonce.buffer).setUint32(NONCE_PREFIX_LENGTH, i);
    nonce[NONCE_LENGTH - 1] = this.#layout.isLast(i) ? 1 : 0;
    try {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, tagLength: TAG_LENGTH * 8 }, this.#key, segment));
    } catch (e) {
      throw new BodyIntegrityError('SEGMENT_AUTH', `body segment ${i} does not authenticate: the file was altered, its `
        + 'segments moved, or it does not belong to this header; do not trust it, ask its owner for the original', { cause: e });
    }
  }

  /** Enqueues the part of segment `i` inside the range; whether there was any. */
  #deliver(controller, i, plaintext) {
    const at = this.#layout.plaintextStart(i);
    const from = Math.max(this.#start, at) - at;
    const to = Math.min(this.#end, at + plaintext.length) - at;
    if (to <= from) return false;
    const chunk = from === 0 && to === plaintext.length ? plaintext : plaintext.slice(from, to);
    controller.enqueue(chunk);
    this.#delivered += chunk.length;
    this.#onProgress?.(this.#delivered);
    return true;
  }

  #fail(controller, reason) {
    if (this.#finished) return;
    this.#finish();
    controller.error(reason);
  }

  #finish() {
    this.#finished = true;
    this.#dek.fill(0);
    this.#key = null;
    this.#ahead = null;
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

/** The same promise, with a handler that keeps its rejection from being reported as unhandled. */
function settled(promise) {
  promise.catch(() => {});
  return promise;
}

/**
 * HKDF-SHA256(DEK, salt, info = encoded header) to a non-extractable AES-256-GCM key, by
 * WebCrypto's HKDF. OpenSSL 3.0 (Node 20) caps HKDF info at 1024 bytes, below most headers; there
 * only, the same HKDF is computed by @hpke/core's RFC 5869 extract and expand over WebCrypto's
 * HMAC, and the key bytes imported and zeroed.
 */
async function deriveSegmentKey(dek, salt, info) {
  const aes = { name: 'AES-GCM', length: KEY_BITS };
  const ikm = await subtle.importKey('raw', dek, 'HKDF', false, ['deriveKey']);
  try {
    return await subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, aes, false, ['decrypt']);
  } catch (e) {
    if (info.length <= OPENSSL_HKDF_INFO_LIMIT) throw e;
  }
  const kdf = new HkdfSha256();
  const prk = new Uint8Array(await kdf.extract(salt, dek));
  const okm = new Uint8Array(await kdf.expand(prk, info, KEY_BITS / 8));
  try {
    return await subtle.importKey('raw', okm, aes, false, ['decrypt']);
  } finally {
    prk.fill(0);
    okm.fill(0);
  }
}
