// The body stream over a four-segment body: whole and ranged reads, the reads it makes, and every
// way a body can be wrong, each failing before a byte of the bad segment is released; then over a
// body longer than two reads: the read ahead, its bound of two reads pending, order kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat } from '../src/codec.js';
import {
  bodyLength, openBody, SEGMENT_SIZE, STREAM_HEADER_LENGTH, FIRST_SEGMENT_PLAINTEXT as FIRST, SEGMENT_PLAINTEXT as FULL, SEGMENTS_PER_READ,
} from '../src/envelope/body.js';
import { BodyIntegrityError } from '../src/envelope/errors.js';
import { sealBody, placeholderHeader, randomBytes } from './cross/tinkSealer.js';

// Segments 0, 1 and 2 full, segment 3 holding the last 1000 bytes.
const P = FIRST + 2 * FULL + 1000;
const header = placeholderHeader(P);
const dek = randomBytes(32);
const plaintext = randomBytes(P);
const body = await sealBody({ dek, aad: header.encoded, plaintext });
const segmentStart = (i) => (i === 0 ? STREAM_HEADER_LENGTH : i * SEGMENT_SIZE);
const plainStart = (i) => (i === 0 ? 0 : FIRST + (i - 1) * FULL);

/** Reads a stream to its end or its error, keeping what it released. */
async function drain(stream) {
  const reader = stream.getReader();
  const chunks = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: concat(...chunks), chunks };
      chunks.push(value);
    }
  } catch (error) {
    return { bytes: concat(...chunks), chunks, error };
  }
}

function source(bytes, log = []) {
  return async (from, to) => {
    log.push([from, to]);
    return bytes.subarray(from, to);
  };
}

function open(bytes, options = {}) {
  return drain(openBody({ dek, header, readBody: source(bytes, options.log), ...options }));
}

/** Asserts the stream failed as `reason` says, having released exactly the plaintext before segment `failedAt`. */
function failedAt(result, reason, failedAt) {
  assert.ok(result.error instanceof BodyIntegrityError, `expected a BodyIntegrityError, got ${result.error}`);
  assert.equal(result.error.reason, reason);
  assert.equal(result.error.code, reason === 'TRUNCATED' ? 'TRUNCATED_BODY' : 'BODY_TAMPERED');
  assert.deepEqual(result.bytes, plaintext.subarray(0, plainStart(failedAt)));
}

test('bodyLength follows the format\'s formula at its edges', () => {
  assert.equal(bodyLength(0), 56);
  assert.equal(bodyLength(1), 57);
  assert.equal(bodyLength(FIRST), SEGMENT_SIZE);
  assert.equal(bodyLength(FIRST + 1), SEGMENT_SIZE + 17);
  assert.equal(bodyLength(FIRST + FULL), 2 * SEGMENT_SIZE);
  assert.equal(bodyLength(P), body.length);
  assert.equal(bodyLength(2 ** 48), Math.floor((2 ** 48 + 40) / FULL) * SEGMENT_SIZE + ((2 ** 48 + 40) % FULL) + 16);
  assert.throws(() => bodyLength(2 ** 48 + 1), RangeError);
  assert.throws(() => bodyLength(-1), RangeError);
});

test('a whole body opens segment by segment, in reads of a bounded size', async () => {
  const log = [];
  const result = await open(body, { log });
  assert.equal(result.error, undefined);
  assert.deepEqual(result.bytes, plaintext);
  assert.deepEqual(result.chunks.map((c) => c.length), [FIRST, FULL, FULL, 1000]);
  for (const [from, to] of log) assert.ok(to - from <= SEGMENTS_PER_READ * SEGMENT_SIZE + 1, `a read of ${to - from} bytes`);
});

test('small bodies open: empty, one byte, and a first segment one short, exactly full, one over', async () => {
  for (const size of [0, 1, FIRST - 1, FIRST, FIRST + 1]) {
    const h = placeholderHeader(size);
    const pt = randomBytes(size);
    const b = await sealBody({ dek, aad: h.encoded, plaintext: pt });
    assert.equal(b.length, bodyLength(size));
    const result = await drain(openBody({ dek, header: h, readBody: source(b) }));
    assert.equal(result.error, undefined, `size ${size}: ${result.error}`);
    assert.deepEqual(result.bytes, pt);
  }
});

test('a header over 1 KiB (32 slots) opens: the key derivation takes any header length', async () => {
  const h = placeholderHeader(5000, 32);
  assert.ok(h.length > 1024);
  const pt = randomBytes(5000);
  const result = await drain(openBody({ dek, header: h, readBody: source(await sealBody({ dek, aad: h.encoded, plaintext: pt })) }));
  assert.deepEqual(result.bytes, pt);
});

test('ranges at every segment boundary give exactly their bytes and read only their segments', async () => {
  const points = [0, 1, P - 1, P];
  for (const b of [FIRST, FIRST + FULL, FIRST + 2 * FULL]) points.push(b - 1, b, b + 1);
  for (const start of points) {
    for (const end of points) {
      if (end < start) continue;
      const log = [];
      const result = await open(body, { range: { start, end }, log });
      assert.equal(result.error, undefined, `[${start}, ${end}): ${result.error}`);
      assert.deepEqual(result.bytes, plaintext.subarray(start, end), `[${start}, ${end})`);
      const first = segmentOf(start);
      const last = end > start ? segmentOf(end - 1) : first;
      for (const [from, to] of log) {
        const inStreamHeader = from === 0 && to === STREAM_HEADER_LENGTH;
        const inSegments = from >= (first === 0 ? 0 : segmentStart(first)) && to <= Math.min((last + 1) * SEGMENT_SIZE, body.length) + 1;
        assert.ok(inStreamHeader || inSegments, `[${start}, ${end}) read body bytes [${from}, ${to})`);
      }
    }
  }
});

function segmentOf(offset) {
  return Math.min(3, offset < FIRST ? 0 : 1 + Math.floor((offset - FIRST) / FULL));
}

test('a flipped bit in any segment, its tag included, fails that segment before any of its bytes', async () => {
  for (let i = 0; i < 4; i++) {
    const end = Math.min((i + 1) * SEGMENT_SIZE, body.length);
    for (const at of [segmentStart(i), segmentStart(i) + 500, end - 16, end - 1]) {
      const tampered = body.slice();
      tampered[at] ^= 0x08;
      failedAt(await open(tampered), 'SEGMENT_AUTH', i);
    }
  }
});

test('a damaged stream header fails before anything is released', async () => {
  for (const at of [0, 1, 32, 33, 39]) {
    const tampered = body.slice();
    tampered[at] ^= 0x01;
    failedAt(await open(tampered), 'SEGMENT_AUTH', 0);
  }
});

test('a swapped pair of segments fails at the first of them', async () => {
  const tampered = body.slice();
  tampered.set(body.subarray(2 * SEGMENT_SIZE, 3 * SEGMENT_SIZE), SEGMENT_SIZE);
  tampered.set(body.subarray(SEGMENT_SIZE, 2 * SEGMENT_SIZE), 2 * SEGMENT_SIZE);
  failedAt(await open(tampered), 'SEGMENT_AUTH', 1);
});

test('a truncated body fails, wherever it is cut', async () => {
  for (const cut of [body.length - 1, 3 * SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE, 2 * SEGMENT_SIZE - 7, STREAM_HEADER_LENGTH, 10, 0]) {
    failedAt(await open(body.subarray(0, cut)), 'TRUNCATED', 0);
  }
});

test('a segment dropped from the middle fails', async () => {
  const dropped = concat(body.subarray(0, SEGMENT_SIZE), body.subarray(2 * SEGMENT_SIZE));
  failedAt(await open(dropped), 'TRUNCATED', 0);
});

test('one extra byte, or a whole extra segment, fails as data past the end', async () => {
  failedAt(await open(concat(body, Uint8Array.of(0))), 'TRAILING_DATA', 0);
  failedAt(await open(concat(body, body.subarray(SEGMENT_SIZE, 2 * SEGMENT_SIZE))), 'TRAILING_DATA', 0);
});

test('a body whose last segment was cut off, with a header declaring what is left, fails at the new last segment', async () => {
  const shorter = placeholderHeader(FIRST + 2 * FULL);
  // What is left of a body sealed under the new header (as if the owner's header had been swapped
  // for one declaring fewer bytes): every segment genuine, none of them flagged last.
  const b = await sealBody({ dek, aad: shorter.encoded, plaintext: plaintext.subarray(0, FIRST + 2 * FULL), lastFlag: () => false });
  assert.equal(b.length, 3 * SEGMENT_SIZE);
  const result = await drain(openBody({ dek, header: shorter, readBody: source(b) }));
  failedAt(result, 'SEGMENT_AUTH', 2);
});

test('a last segment not flagged last, or an earlier one flagged last, fails at that segment', async () => {
  const salt = body.slice(1, 33);
  const noncePrefix = body.slice(33, 40);
  const unflagged = await sealBody({ dek, aad: header.encoded, plaintext, salt, noncePrefix, lastFlag: () => false });
  failedAt(await open(unflagged), 'SEGMENT_AUTH', 3);
  const early = await sealBody({ dek, aad: header.encoded, plaintext, salt, noncePrefix, lastFlag: (i, isLast) => isLast || i === 1 });
  failedAt(await open(early), 'SEGMENT_AUTH', 1);
});

test('another key, or another header, opens nothing', async () => {
  failedAt(await drain(openBody({ dek: randomBytes(32), header, readBody: source(body) })), 'SEGMENT_AUTH', 0);
  const other = placeholderHeader(P);
  failedAt(await drain(openBody({ dek, header: other, readBody: source(body) })), 'SEGMENT_AUTH', 0);
});

test('an envelope length other than header plus body is refused before anything is read', () => {
  const log = [];
  const exact = header.length + body.length;
  assert.ok(openBody({ dek, header, readBody: source(body, log), envelopeLength: exact }) instanceof ReadableStream);
  assert.throws(() => openBody({ dek, header, readBody: source(body, log), envelopeLength: exact - 1 }),
    (e) => e instanceof BodyIntegrityError && e.code === 'TRUNCATED_BODY');
  assert.throws(() => openBody({ dek, header, readBody: source(body, log), envelopeLength: exact + 1 }),
    (e) => e instanceof BodyIntegrityError && e.code === 'BODY_TAMPERED' && e.reason === 'TRAILING_DATA');
  assert.deepEqual(log, []);
});

test('progress counts the plaintext of the range released so far', async () => {
  const seen = [];
  const result = await open(body, { range: { start: 10, end: FIRST + FULL + 5 }, onProgress: (n) => seen.push(n) });
  assert.deepEqual(seen, [FIRST - 10, FIRST - 10 + FULL, FIRST + FULL - 5]);
  assert.equal(result.bytes.length, FIRST + FULL - 5);
});

test('aborting errors the stream with the signal\'s reason, even while a read is pending, and stops reading', async () => {
  const controller = new AbortController();
  const log = [];
  let release;
  const reader = openBody({
    dek, header, signal: controller.signal,
    readBody: (from, to, signal) => {
      log.push(signal);
      return new Promise((resolve) => { release = () => resolve(body.subarray(from, to)); });
    },
  }).getReader();
  const pending = reader.read();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(log[0], controller.signal);
  const reason = new Error('the viewer closed the page');
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  release();
  await assert.rejects(reader.read(), (e) => e === reason);
  assert.equal(log.length, 1);

  const early = new AbortController();
  early.abort();
  const reads = [];
  const result = await drain(openBody({ dek, header, readBody: source(body, reads), signal: early.signal }));
  assert.equal(result.error.name, 'AbortError');
  assert.deepEqual(reads, []);
});

test('cancelling stops reading, and the caller\'s key is left as it was', async () => {
  const mine = dek.slice();
  const log = [];
  const reader = openBody({ dek: mine, header, readBody: source(body, log) }).getReader();
  await reader.read();
  const reads = log.length;
  await reader.cancel();
  assert.equal(log.length, reads);
  assert.deepEqual(mine, dek);
});

test('bad arguments are refused when the stream is made', () => {
  const readBody = source(body);
  assert.throws(() => openBody({ dek: dek.subarray(1), header, readBody }), TypeError);
  assert.throws(() => openBody({ dek, header: { plaintextLength: 5 }, readBody }), TypeError);
  assert.throws(() => openBody({ dek, header }), TypeError);
  assert.throws(() => openBody({ dek, header, readBody, range: { start: 5, end: 4 } }), RangeError);
  assert.throws(() => openBody({ dek, header, readBody, range: { start: 0, end: P + 1 } }), RangeError);
  assert.throws(() => openBody({ dek, header, readBody, range: { start: -1, end: 4 } }), RangeError);
});

test('a readBody that returns more than asked, or not bytes, errors the stream', async () => {
  const tooMuch = await drain(openBody({ dek, header, readBody: async (from, to) => new Uint8Array(to - from + 5) }));
  assert.ok(tooMuch.error instanceof RangeError);
  const notBytes = await drain(openBody({ dek, header, readBody: async () => 'text' }));
  assert.ok(notBytes.error instanceof TypeError);
});

// A body longer than two reads: segments 0 to 2 x SEGMENTS_PER_READ, the last holding 700 bytes.
const LONG_SEGMENTS = 2 * SEGMENTS_PER_READ + 1;
const longPlaintext = randomBytes(FIRST + (LONG_SEGMENTS - 2) * FULL + 700);
const longHeader = placeholderHeader(longPlaintext.length);
const longBody = await sealBody({ dek, aad: longHeader.encoded, plaintext: longPlaintext });

/** A readBody whose answers wait until released, counting the reads pending at once. */
function heldSource(bytes) {
  const held = { pending: [], most: 0, log: [] };
  held.readBody = (from, to) => new Promise((resolve) => {
    held.log.push([from, to]);
    held.pending.push(() => resolve(bytes.subarray(from, to)));
    held.most = Math.max(held.most, held.pending.length);
  });
  held.releaseOne = () => held.pending.shift()?.();
  return held;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('a long body opens in order, reading the next batch while the current one is decrypted, two reads at most', async () => {
  const held = heldSource(longBody);
  const reader = openBody({ dek, header: longHeader, readBody: held.readBody }).getReader();
  const chunks = [];
  let done = false;
  const draining = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
    }
    done = true;
  })();
  await tick();
  // The first pull issues the first batch and the one after it before either answers.
  assert.equal(held.pending.length, 2);
  assert.equal(chunks.length, 0);
  while (!done) {
    held.releaseOne();
    await tick();
    assert.ok(held.pending.length <= 2, `${held.pending.length} reads pending`);
  }
  await draining;
  assert.equal(held.most, 2);
  assert.deepEqual(concat(...chunks), longPlaintext);
  assert.equal(chunks.length, LONG_SEGMENTS);
  assert.deepEqual(held.log.map(([from]) => from), [0, SEGMENTS_PER_READ * SEGMENT_SIZE, 2 * SEGMENTS_PER_READ * SEGMENT_SIZE]);
  for (const [from, to] of held.log) assert.ok(to - from <= SEGMENTS_PER_READ * SEGMENT_SIZE + 1);
});

test('a flipped bit in a long body fails its segment, the segments before it all released, whichever batch it is in', async () => {
  for (const i of [1, SEGMENTS_PER_READ - 1, SEGMENTS_PER_READ, SEGMENTS_PER_READ + 2, LONG_SEGMENTS - 1]) {
    const tampered = longBody.slice();
    tampered[i * SEGMENT_SIZE + 99] ^= 0x40;
    const result = await drain(openBody({ dek, header: longHeader, readBody: source(tampered) }));
    assert.equal(result.error?.reason, 'SEGMENT_AUTH', `segment ${i}`);
    assert.deepEqual(result.bytes, longPlaintext.subarray(0, plainStart(i)), `segment ${i}`);
  }
});

test('a long body cut short, or one byte long, fails only after every whole segment before the fault was released', async () => {
  const cut = await drain(openBody({ dek, header: longHeader, readBody: source(longBody.subarray(0, longBody.length - 1)) }));
  assert.equal(cut.error?.reason, 'TRUNCATED');
  assert.deepEqual(cut.bytes, longPlaintext.subarray(0, plainStart(2 * SEGMENTS_PER_READ)));
  const long = await drain(openBody({ dek, header: longHeader, readBody: source(concat(longBody, Uint8Array.of(1))) }));
  assert.equal(long.error?.reason, 'TRAILING_DATA');
  assert.deepEqual(long.bytes, longPlaintext.subarray(0, plainStart(2 * SEGMENTS_PER_READ)));
});

test('a range inside a long body reads only its own batches, the stream header apart', async () => {
  const log = [];
  const start = plainStart(SEGMENTS_PER_READ + 1) + 3;
  const end = plainStart(LONG_SEGMENTS - 1) + 10;
  const result = await drain(openBody({ dek, header: longHeader, readBody: source(longBody, log), range: { start, end } }));
  assert.equal(result.error, undefined);
  assert.deepEqual(result.bytes, longPlaintext.subarray(start, end));
  assert.deepEqual(log[0], [0, STREAM_HEADER_LENGTH]);
  assert.equal(log[1][0], (SEGMENTS_PER_READ + 1) * SEGMENT_SIZE);
  assert.equal(log.at(-1)[1], longBody.length + 1);
});

test('cancelling a long body mid-way issues no read after the cancel', async () => {
  const log = [];
  const reader = openBody({ dek, header: longHeader, readBody: source(longBody, log) }).getReader();
  await reader.read();
  await tick();
  const reads = log.length;
  assert.equal(reads, 2);
  await reader.cancel();
  await tick();
  assert.equal(log.length, reads);
});

test('a reader slower than the decryption still gets every segment before the failing one', async () => {
  const tampered = longBody.slice();
  tampered[2 * SEGMENT_SIZE + 5] ^= 0x01;
  const reader = openBody({ dek, header: longHeader, readBody: source(tampered) }).getReader();
  const chunks = [(await reader.read()).value];
  // By now the whole first batch was decrypted and segment 2 refused; segment 1 must still come.
  await new Promise((resolve) => setTimeout(resolve, 100));
  let error;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (e) {
    error = e;
  }
  assert.equal(error?.reason, 'SEGMENT_AUTH');
  assert.deepEqual(concat(...chunks), longPlaintext.subarray(0, plainStart(2)));
});
