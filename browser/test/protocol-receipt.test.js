// The receipt and share-release formats against their known answers (crypto's kat/receipt-v3.json,
// rebuilt independently there with Python), and the strict reading of what a key server sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FormatError, blake2b256, fromHex, toHex } from '../src/codec.js';
import { FetchKeyItem } from '../src/protocol/fetchKey.js';
import { Receipt, parseFetchKeyResponse, parseReceipt } from '../src/protocol/receipt.js';
import { releaseInfo } from '../src/protocol/shareRelease.js';
import { verifyEd25519 } from '../src/protocol/signatures.js';

const kat = JSON.parse(
  readFileSync(new URL('../../crypto/src/test/resources/kat/receipt-v3.json', import.meta.url), 'utf8'),
);

function katItem(i) {
  const k = kat.items[i];
  return new FetchKeyItem(
    { ...k.context, policyId: fromHex(k.context.policyId), objectId: fromHex(k.context.objectId) },
    fromHex(k.contextInfo),
    fromHex(k.keyFingerprint),
    fromHex(k.sealedShare),
  );
}

test('receipt KAT: signed bytes rebuilt byte for byte, and the signature verifies under the server key', async () => {
  const receipt = parseReceipt(kat.receipt);
  assert.equal(toHex(receipt.signedBytes()), kat.signedBytes);
  assert.equal(await verifyEd25519(fromHex(kat.serverPublicKey), receipt.signature, receipt.signedBytes()), true);
  assert.equal('0x' + toHex(receipt.signature), kat.signature);
  assert.equal('0x' + toHex(blake2b256(fromHex(kat.requestSignedBytes))), kat.requestDigest);
  assert.equal('0x' + toHex(receipt.requestDigest), kat.requestDigest);
  assert.equal('0x' + toHex(Receipt.sealedSharesDigest(fromHex(kat.sealedShares))), kat.sealedSharesDigest);
});

test('receipt KAT: a changed byte anywhere in the signed fields fails the signature', async () => {
  const key = fromHex(kat.serverPublicKey);
  const changed = structuredClone(kat.receipt);
  changed.entries[1].ledgerHeight = 42;
  const r = parseReceipt(changed);
  assert.equal(await verifyEd25519(key, r.signature, r.signedBytes()), false);
  const otherReason = structuredClone(kat.receipt);
  otherReason.entries[1].reason = 'NOT_A_MEMBER';
  const r2 = parseReceipt(otherReason);
  assert.equal(await verifyEd25519(key, r2.signature, r2.signedBytes()), false);
});

test('receipt KAT: item signed bytes and digests as the request signs them', () => {
  for (let i = 0; i < kat.items.length; i++) {
    const item = katItem(i);
    assert.equal(toHex(item.signedBytes()), kat.items[i].signedBytes);
    assert.equal('0x' + toHex(item.digest()), kat.items[i].digest);
  }
});

test('share-release KAT: the HPKE info of the one released item', () => {
  const info = releaseInfo(kat.receipt.requestId, [{ item: 0, contextInfo: fromHex(kat.items[0].contextInfo) }]);
  assert.equal(toHex(info), kat.shareRelease.info);
});

test('a version 2 receipt is refused naming its version', () => {
  assert.throws(() => parseReceipt(kat.receiptV2), (e) => e instanceof FormatError && /receipt format version 2 is not supported; this build reads version 3/.test(e.message));
  const noVersion = structuredClone(kat.receiptV2);
  delete noVersion.version;
  assert.throws(() => parseReceipt(noVersion), /receipt format version 1 is not supported/);
});

test('receipts are read strictly: unknown, missing and mistyped fields are refused', () => {
  const extra = { ...structuredClone(kat.receipt), note: 'hi' };
  assert.throws(() => parseReceipt(extra), /unknown field "note"/);
  const missing = structuredClone(kat.receipt);
  delete missing.sealedSharesDigest;
  assert.throws(() => parseReceipt(missing), /lacks the field "sealedSharesDigest"/);
  const padded = structuredClone(kat.receipt);
  padded.requestDigest += '=';
  assert.throws(() => parseReceipt(padded), FormatError);
  const stringHeight = structuredClone(kat.receipt);
  stringHeight.entries[0].ledgerHeight = '41';
  assert.throws(() => parseReceipt(stringHeight), /ledgerHeight must be an integer/);
  const outOfOrder = structuredClone(kat.receipt);
  outOfOrder.entries.reverse();
  assert.throws(() => parseReceipt(outOfOrder), /one per item, in request order/);
});

test('a version 1 response (no version field) is refused naming its version', () => {
  const v1 = JSON.stringify({ requestId: kat.receipt.requestId, keyServerId: 'ks-kat-1', ledgerHeight: 41, items: [] });
  assert.throws(() => parseFetchKeyResponse(v1), /fetch_key response format version 1 is not supported; this build reads version 2/);
});

test('a response whose sealed shares do not match its released items is refused', () => {
  const base = {
    version: 2,
    requestId: kat.receipt.requestId,
    keyServerId: 'ks-kat-1',
    ledgerHeight: 41,
    items: [
      { item: 0, status: 'released', reason: null, message: null },
      { item: 1, status: 'denied', reason: 'POLICY_DENIED', message: 'not on the list' },
    ],
    sealedShares: null,
    receipt: kat.receipt,
  };
  assert.throws(() => parseFetchKeyResponse(JSON.stringify(base)), /released items need sealedShares/);
  const ok = parseFetchKeyResponse(JSON.stringify({ ...base, sealedShares: 'AAAA' }));
  assert.equal(ok.items[1].message, 'not on the list');
  const releasedWithReason = structuredClone(base);
  releasedWithReason.sealedShares = 'AAAA';
  releasedWithReason.items[0].reason = 'X';
  assert.throws(() => parseFetchKeyResponse(JSON.stringify(releasedWithReason)), /carries no reason/);
});
