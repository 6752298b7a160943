// The committed Java envelope (crypto/src/test/resources/kat) opened by the SDK's envelope code:
// if these fail, the browser no longer reads what Java writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blake2b256, fromBase64Url, id32Text, toHex, utf8 } from '../src/codec.js';
import { headerLength, parseHeader } from '../src/envelope/header.js';
import { shareContextInfo } from '../src/envelope/shareContext.js';
import { combineShares, checkCommitment } from '../src/envelope/dataKey.js';
import { bodyLength, openBody } from '../src/envelope/body.js';
import { unsealShare } from './cross/keyServer.js';
import { sealBody } from './cross/tinkSealer.js';

const kat = (name) => new Uint8Array(readFileSync(new URL(`../../crypto/src/test/resources/kat/${name}`, import.meta.url)));
const envelope = kat('envelope-v1.bin');
const plaintext = kat('plaintext.txt');
const keys = JSON.parse(new TextDecoder().decode(kat('keys.json')));
const privateKey = (index) => Uint8Array.from(Buffer.from(keys.keyServers[index - 1].privateKey, 'hex'));

const header = parseHeader(envelope.subarray(0, headerLength(envelope.subarray(0, 9))));
const body = envelope.subarray(header.length);

async function readAll(stream) {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

test('the committed header has the recorded fields', () => {
  assert.equal(header.version, 1);
  assert.equal(header.ledgerId, keys.ledgerId);
  assert.equal(id32Text(header.policyId), keys.policyId);
  assert.equal(id32Text(header.objectId), keys.objectId);
  assert.equal(header.threshold, keys.threshold);
  assert.equal(header.shareCount, 3);
  assert.equal(header.bodyAlgorithm, 1);
  assert.equal(header.segmentSize, 1 << 20);
  assert.equal(header.plaintextLength, plaintext.length);
  assert.equal(header.length, header.encoded.length);
  assert.deepEqual(header.encoded, envelope.subarray(0, header.length));
  assert.equal(envelope.length, header.length + bodyLength(header.plaintextLength));
  for (const server of keys.keyServers) {
    const slot = header.slots[server.index - 1];
    assert.equal(slot.index, server.index);
    assert.equal(slot.keyServerId, server.id);
    assert.equal(slot.sealedShare.length, 80);
    // Java hashes the fingerprint tag's bytes with no length byte (HpkeRecipientKey.FINGERPRINT_TAG).
    assert.deepEqual(slot.keyFingerprint, blake2b256(utf8('cachet/hpke-key/v1'), fromBase64Url(server.publicKey)));
  }
});

test('the share context info is the one Java pins', () => {
  const fixed = {
    ledgerId: 'cachet-kat', policyId: new Uint8Array(32).fill(0x11), objectId: new Uint8Array(32).fill(0x22),
    threshold: 2, shareCount: 3, slots: [{ index: 1, keyServerId: 'ks-kat-1' }, { index: 2, keyServerId: 'ks-kat-2' }],
  };
  assert.equal(toHex(shareContextInfo(fixed, 2)),
    '0f6361636865742f73686172652f7631' + '01' + '0a6361636865742d6b6174' + '11'.repeat(32) + '22'.repeat(32)
    + '02' + '03' + '086b732d6b61742d32' + '02');
  assert.deepEqual(shareContextInfo(fixed, fixed.slots[1]), shareContextInfo(fixed, 2));
  assert.throws(() => shareContextInfo(fixed, 3), RangeError);
  assert.throws(() => shareContextInfo(fixed, { index: 2, keyServerId: 'ks-kat-1' }), RangeError);
});

test('the DEK commitment is the one Java pins', () => {
  const dek = Uint8Array.from({ length: 32 }, (_, i) => i);
  const pinned = { objectId: new Uint8Array(32).fill(0x22), commitment: Uint8Array.from(Buffer.from('085af0e993fc33e98bb1128f930e986ce750e78d07565fafea0fbf172b9b9970', 'hex')) };
  checkCommitment(pinned, dek);
  dek[31] ^= 1;
  assert.throws(() => checkCommitment(pinned, dek), { code: 'COMMITMENT_MISMATCH' });
});

for (const [a, b] of [[1, 2], [1, 3], [2, 3], [2, 1]]) {
  test(`the committed envelope opens with key servers ${a} and ${b}`, async () => {
    const shares = [await unsealShare(header, a, privateKey(a)), await unsealShare(header, b, privateKey(b))];
    const dek = await combineShares(shares, header.threshold, header.shareCount);
    checkCommitment(header, dek);
    const out = await readAll(openBody({ dek, header, readBody: async (from, to) => body.subarray(from, to), envelopeLength: envelope.length }));
    assert.deepEqual(out, plaintext);
  });
}

test('the committed envelope opens with all three key servers, their shares consistent', async () => {
  const shares = [];
  for (let i = 1; i <= 3; i++) shares.push(await unsealShare(header, i, privateKey(i)));
  const dek = await combineShares(shares, 2, 3);
  checkCommitment(header, dek);
  const out = await readAll(openBody({ dek, header, readBody: async (from, to) => body.subarray(from, to) }));
  assert.equal(new TextDecoder().decode(out), new TextDecoder().decode(plaintext));
});

test('a share does not open under another slot\'s context or another key', async () => {
  const moved = { ...header, slots: [header.slots[1], header.slots[0], header.slots[2]].map((s, i) => ({ ...s, index: i + 1 })) };
  await assert.rejects(unsealShare(moved, 1, privateKey(2)));
  await assert.rejects(unsealShare(header, 1, privateKey(2)));
});

test('the test sealer reproduces the committed Tink body from its salt, nonce prefix and key', async () => {
  const shares = [await unsealShare(header, 1, privateKey(1)), await unsealShare(header, 3, privateKey(3))];
  const dek = await combineShares(shares, 2, 3);
  const again = await sealBody({ dek, aad: header.encoded, plaintext, salt: body.slice(1, 33), noncePrefix: body.slice(33, 40) });
  assert.deepEqual(again, body);
});
