// Rebuilding the data key from the committed envelope's Java-made shares, and refusing shares
// that do not agree or do not suffice. Other thresholds are checked against Java by the cross test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { headerLength, parseHeader } from '../src/envelope/header.js';
import { combineShares, checkCommitment } from '../src/envelope/dataKey.js';
import { InconsistentSharesError, InsufficientSharesError, CommitmentMismatchError } from '../src/envelope/errors.js';
import { unsealShare } from './cross/keyServer.js';

const kat = (name) => new Uint8Array(readFileSync(new URL(`../../crypto/src/test/resources/kat/${name}`, import.meta.url)));
const envelope = kat('envelope-v1.bin');
const keys = JSON.parse(new TextDecoder().decode(kat('keys.json')));
const header = parseHeader(envelope.subarray(0, headerLength(envelope)));

async function katShares() {
  const shares = [];
  for (const s of keys.keyServers) shares.push(await unsealShare(header, s.index, Buffer.from(s.privateKey, 'hex')));
  return shares;
}

const damaged = (share, at = 5) => {
  const bytes = share.bytes.slice();
  bytes[at] ^= 0x40;
  return { index: share.index, bytes };
};

test('every pair of the Java-made shares rebuilds the one committed key', async () => {
  const [s1, s2, s3] = await katShares();
  const keysSeen = [];
  for (const pair of [[s1, s2], [s1, s3], [s2, s3], [s3, s1]]) {
    const dek = await combineShares(pair, 2, 3);
    checkCommitment(header, dek);
    keysSeen.push(dek);
  }
  for (const k of keysSeen) assert.deepEqual(k, keysSeen[0]);
});

test('combining leaves the shares given untouched and returns a key of its own', async () => {
  const shares = await katShares();
  const before = shares.map((s) => s.bytes.slice());
  const dek = await combineShares(shares, 2, 3);
  const copy = dek.slice();
  shares.forEach((s, i) => assert.deepEqual(s.bytes, before[i]));
  dek.fill(0);
  assert.deepEqual(await combineShares(shares, 2, 3), copy);
  shares.forEach((s, i) => assert.deepEqual(s.bytes, before[i]));
});

test('a damaged third share is refused as inconsistent, wherever it comes in the list', async () => {
  const [s1, s2, s3] = await katShares();
  for (const shares of [[s1, s2, damaged(s3)], [damaged(s3), s2, s1], [s1, damaged(s2), s3], [damaged(s1, 31), s2, s3]]) {
    await assert.rejects(combineShares(shares, 2, 3), (e) => e instanceof InconsistentSharesError && e.code === 'INCONSISTENT_SHARES'
      && /does not lie on the polynomial/.test(e.message));
  }
});

test('with only t shares a damaged one gives a key the commitment refuses', async () => {
  const [s1, s2] = await katShares();
  const dek = await combineShares([s1, damaged(s2)], 2, 3);
  assert.throws(() => checkCommitment(header, dek), (e) => e instanceof CommitmentMismatchError && e.code === 'COMMITMENT_MISMATCH');
});

test('a wrong key fails the commitment, one bit off or all zero', async () => {
  const dek = await combineShares((await katShares()).slice(0, 2), 2, 3);
  checkCommitment(header, dek);
  for (let bit = 0; bit < 256; bit += 37) {
    const wrong = dek.slice();
    wrong[bit >> 3] ^= 1 << (bit & 7);
    assert.throws(() => checkCommitment(header, wrong), CommitmentMismatchError);
  }
  assert.throws(() => checkCommitment(header, new Uint8Array(32)), CommitmentMismatchError);
  assert.throws(() => checkCommitment({ ...header, objectId: new Uint8Array(32) }, dek), CommitmentMismatchError);
  assert.throws(() => checkCommitment(header, dek.subarray(0, 31)), RangeError);
});

test('the same share twice counts once; two different shares for one index are refused', async () => {
  const [s1, s2] = await katShares();
  await assert.rejects(combineShares([s1, { ...s1, bytes: s1.bytes.slice() }], 2, 3), InsufficientSharesError);
  const dek = await combineShares([s1, s1, s2], 2, 3);
  checkCommitment(header, dek);
  await assert.rejects(combineShares([s1, damaged(s1), s2], 2, 3), (e) => e instanceof InconsistentSharesError && /two different shares for index 1/.test(e.message));
});

test('fewer distinct shares than the threshold are refused', async () => {
  const [s1] = await katShares();
  await assert.rejects(combineShares([s1], 2, 3), (e) => e instanceof InsufficientSharesError && e.code === 'INSUFFICIENT_SHARES'
    && /need 2 distinct shares to rebuild the key, have 1/.test(e.message));
  await assert.rejects(combineShares([], 1, 1), InsufficientSharesError);
});

test('share indices, lengths, threshold and count are checked', async () => {
  const [s1, s2] = await katShares();
  await assert.rejects(combineShares([s1, { index: 4, bytes: s2.bytes }], 2, 3), RangeError);
  await assert.rejects(combineShares([s1, { index: 0, bytes: s2.bytes }], 2, 3), RangeError);
  await assert.rejects(combineShares([s1, { index: 2, bytes: s2.bytes.subarray(1) }], 2, 3), RangeError);
  await assert.rejects(combineShares([s1, s2], 3, 2), RangeError);
  await assert.rejects(combineShares([s1, s2], 2, 33), RangeError);
  await assert.rejects(combineShares([s1, s2], 0, 3), RangeError);
});

test('with threshold 1 every share is the key itself, and extra shares must equal it', async () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  assert.deepEqual(await combineShares([{ index: 2, bytes: key }], 1, 3), key);
  assert.deepEqual(await combineShares([{ index: 1, bytes: key }, { index: 3, bytes: key }], 1, 3), key);
  await assert.rejects(combineShares([{ index: 1, bytes: key }, damaged({ index: 3, bytes: key })], 1, 3), InconsistentSharesError);
});
