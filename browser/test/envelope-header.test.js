// The header parser against hostile bytes: each rule of docs/FORMAT.md broken on its own, and
// every bit of the committed header flipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FormatError } from '../src/codec.js';
import { headerLength, parseHeader, encodeHeader, MAX_HEADER_BYTES } from '../src/envelope/header.js';
import { combineShares } from '../src/envelope/dataKey.js';
import { openBody, BODY_ALGORITHM } from '../src/envelope/body.js';
import { BodyIntegrityError } from '../src/envelope/errors.js';
import { unsealShare } from './cross/keyServer.js';

const kat = (name) => new Uint8Array(readFileSync(new URL(`../../crypto/src/test/resources/kat/${name}`, import.meta.url)));
const envelope = kat('envelope-v1.bin');
const keys = JSON.parse(new TextDecoder().decode(kat('keys.json')));
const header = parseHeader(envelope.subarray(0, headerLength(envelope)));
const body = envelope.subarray(header.length);

function fields(overrides = {}) {
  return { ...header, slots: header.slots.map((s) => ({ ...s })), ...overrides };
}

function refused(bytes, pattern) {
  assert.throws(() => parseHeader(bytes), (e) => e instanceof FormatError && pattern.test(e.message), `expected ${pattern}`);
}

test('a header re-encodes to exactly the bytes it was parsed from', () => {
  assert.deepEqual(encodeHeader(header), header.encoded);
  assert.ok(Object.isFrozen(header) && Object.isFrozen(header.slots));
});

test('headerLength checks magic, version and the bound before anything is read', () => {
  assert.equal(headerLength(envelope.subarray(0, 9)), header.length);
  assert.throws(() => headerLength(envelope.subarray(0, 8)), FormatError);
  const prefix = envelope.slice(0, 9);
  prefix[0] = 0x44;
  assert.throws(() => headerLength(prefix), /bad magic/);
  const v2 = envelope.slice(0, 9);
  v2[4] = 2;
  assert.throws(() => headerLength(v2), (e) => e instanceof FormatError && /unknown envelope version 2/.test(e.message));
  const huge = envelope.slice(0, 9);
  new DataView(huge.buffer).setUint32(5, 0xffffffff);
  assert.throws(() => headerLength(huge), /more than the limit of 16384/);
  new DataView(huge.buffer).setUint32(5, MAX_HEADER_BYTES - 9);
  assert.equal(headerLength(huge), MAX_HEADER_BYTES);
  new DataView(huge.buffer).setUint32(5, MAX_HEADER_BYTES - 8);
  assert.throws(() => headerLength(huge), FormatError);
});

test('a header of another version is refused naming the version', () => {
  refused(encodeHeader(fields({ version: 7 })), /unknown envelope version 7 \(this build reads 1\)/);
});

test('short, long and trailing input is refused', () => {
  refused(header.encoded.subarray(0, header.length - 1), /declared/);
  const longer = new Uint8Array(header.length + 1);
  longer.set(header.encoded);
  refused(longer, /declared/);
  // One trailing byte inside the declared length: the header body must end at its last slot.
  const trailing = new Uint8Array(header.length + 1);
  trailing.set(header.encoded);
  new DataView(trailing.buffer).setUint32(5, header.length - 9 + 1);
  refused(trailing, /trailing/);
});

test('names must be 1..64 characters of [A-Za-z0-9._:-]', () => {
  refused(encodeHeader(fields({ ledgerId: '' })), /ledger id must be/);
  refused(encodeHeader(fields({ ledgerId: 'a'.repeat(65) })), /ledger id must be/);
  refused(encodeHeader(fields({ ledgerId: 'ledger one' })), /ledger id must be/);
  refused(encodeHeader(fields({ ledgerId: 'légder' })), /ledger id must be/);
  assert.equal(parseHeader(encodeHeader(fields({ ledgerId: 'eip155:1:0x' + 'ab'.repeat(20) }))).ledgerId.length, 51);
  const slots = fields().slots;
  slots[1].keyServerId = 'ks/2';
  refused(encodeHeader(fields({ slots })), /slot 2 key-server id must be/);
});

test('threshold and share count must satisfy 1 <= t <= n <= 32', () => {
  refused(encodeHeader(fields({ threshold: 0 })), /threshold 0/);
  refused(encodeHeader(fields({ threshold: 4 })), /threshold 4/);
  refused(encodeHeader(fields({ slots: [] })), /share count 0/);
  const many = Array.from({ length: 33 }, (_, i) => ({ ...header.slots[0], index: i + 1, keyServerId: `ks-${i + 1}` }));
  refused(encodeHeader(fields({ slots: many })), /share count 33/);
  assert.equal(parseHeader(encodeHeader(fields({ slots: many.slice(0, 32), threshold: 32 }))).shareCount, 32);
});

test('slots must be numbered by position and name distinct key servers', () => {
  const swapped = fields().slots;
  swapped[0].index = 2;
  refused(encodeHeader(fields({ slots: swapped })), /slot 1 carries index 2/);
  const twice = fields().slots;
  twice[2].keyServerId = twice[0].keyServerId;
  refused(encodeHeader(fields({ slots: twice })), /appears twice/);
});

test('a sealed share must be exactly 80 bytes', () => {
  for (const length of [0, 79, 81, 255]) {
    const slots = fields().slots;
    slots[2].sealedShare = new Uint8Array(length);
    refused(encodeHeader(fields({ slots })), /slot 3 sealed share is/);
  }
});

test('the body algorithm, segment size and plaintext bound are enforced', () => {
  refused(encodeHeader(fields({ bodyAlgorithm: BODY_ALGORITHM + 1 })), /unknown body algorithm 2/);
  refused(encodeHeader(fields({ segmentSize: 4096 })), /segments, header says 4096/);
  assert.equal(parseHeader(encodeHeader(fields({ plaintextLength: 2 ** 48 }))).plaintextLength, 2 ** 48);
  refused(encodeHeader(fields({ plaintextLength: 2n ** 48n + 1n })), /exceeds 2\^48/);
  refused(encodeHeader(fields({ plaintextLength: 2n ** 64n - 1n })), /exceeds 2\^48/);
});

test('every flipped bit of the committed header is refused, or changes the associated data so the body fails', async () => {
  const shares = [];
  for (const s of keys.keyServers.slice(0, 2)) shares.push(await unsealShare(header, s.index, Buffer.from(s.privateKey, 'hex')));
  const dek = await combineShares(shares, 2, 3);
  let refusedByParser = 0;
  let refusedByBody = 0;
  for (let at = 0; at < header.length; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const tampered = header.encoded.slice();
      tampered[at] ^= 1 << bit;
      let parsed;
      try {
        parsed = parseHeader(tampered);
      } catch (e) {
        assert.ok(e instanceof FormatError, `byte ${at} bit ${bit}: ${e}`);
        refusedByParser++;
        continue;
      }
      const stream = openBody({ dek, header: parsed, readBody: async (from, to) => body.subarray(from, to) });
      const reader = stream.getReader();
      await assert.rejects(reader.read(), BodyIntegrityError, `byte ${at} bit ${bit} opened a body`);
      refusedByBody++;
    }
  }
  assert.equal(refusedByParser + refusedByBody, header.length * 8);
  assert.ok(refusedByParser > 0 && refusedByBody > 0);
});
