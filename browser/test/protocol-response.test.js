// ResponseCheck in the browser: a key server's answer is held against the request and its receipt,
// and only then are the shares opened. The answers here are made as a key server makes them (a
// receipt signed by an Ed25519 key of the test's own, the shares sealed with HPKE to the request's
// ephemeral key); each hostile variant must be refused with its code and yield no share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writer, base64Url, fromHex, id32Text } from '../src/codec.js';
import { ProtocolError } from '../src/errors.js';
import { FetchKeyItem, FetchKeyRequest, MAX_WINDOW_MILLIS } from '../src/protocol/fetchKey.js';
import { BrowserIdentity } from '../src/protocol/identity.js';
import { Receipt, parseFetchKeyResponse, parseReceipt } from '../src/protocol/receipt.js';
import { checkResponse } from '../src/protocol/responseCheck.js';
import { Session } from '../src/protocol/session.js';
import { hpkeSuite, releaseInfo } from '../src/protocol/shareRelease.js';

const kat = JSON.parse(
  readFileSync(new URL('../../crypto/src/test/resources/kat/receipt-v3.json', import.meta.url), 'utf8'),
);
const SERVER = 'ks-kat-1';
const SHARE = Uint8Array.from({ length: 32 }, (_, i) => 0xe0 + (i % 32));

function katItem(i) {
  const k = kat.items[i];
  return new FetchKeyItem(
    { ...k.context, policyId: fromHex(k.context.policyId), objectId: fromHex(k.context.objectId) },
    fromHex(k.contextInfo),
    fromHex(k.keyFingerprint),
    fromHex(k.sealedShare),
  );
}

const serverKeys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
const serverKey = new Uint8Array(await crypto.subtle.exportKey('raw', serverKeys.publicKey));
const reader = await BrowserIdentity.ephemeral();
const session = await Session.create(reader, [SERVER]);

/** A request for both KAT items, with its fresh ephemeral key pair. */
async function newRequest(minLedgerHeight = 40) {
  const ephemeral = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const responseKey = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
  const request = await FetchKeyRequest.create(session, SERVER, responseKey, [katItem(0), katItem(1)], { minLedgerHeight });
  return { request, ephemeral };
}

/**
 * The key server's answer: item 0 released, item 1 denied. `spoil` may change the plaintext, the
 * receipt's fields before signing, the signature, or the response after signing.
 */
async function answer(request, spoil = {}) {
  const released = [{ item: 0, contextInfo: request.items[0].contextInfo }];
  const plaintext = spoil.plaintext ?? new Writer().u8(1).u8(0).u8(request.items[0].context.index).fixed(SHARE).bytes();
  const recipientPublicKey = await crypto.subtle.importKey('raw', request.responseKey, { name: 'X25519' }, true, []);
  const sender = await hpkeSuite.createSenderContext({ recipientPublicKey, info: releaseInfo(request.requestId, released) });
  const sealed = new Uint8Array([...new Uint8Array(sender.enc), ...new Uint8Array(await sender.seal(plaintext))]);
  const entry = (i, decision, reason) => ({
    item: i,
    decision,
    reason,
    itemDigest: base64Url(request.items[i].digest()),
    ledgerId: request.items[i].context.ledgerId,
    policyId: id32Text(request.items[i].context.policyId),
    objectId: id32Text(request.items[i].context.objectId),
    shareIndex: request.items[i].context.index,
    ledgerHeight: 41,
    ledgerTimeMillis: request.timestampMillis - 500,
    decisionBlockHash: '',
  });
  const receipt = {
    version: 3,
    keyServerId: SERVER,
    requestId: request.requestId,
    requestDigest: base64Url(request.digest()),
    requester: reader.address,
    decidedAtMillis: request.timestampMillis + 20,
    entries: [entry(0, 'released', null), entry(1, 'denied', 'POLICY_DENIED')],
    sealedSharesDigest: base64Url(Receipt.sealedSharesDigest(sealed)),
    signature: '',
  };
  spoil.receipt?.(receipt);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, serverKeys.privateKey, parseReceipt(receipt).signedBytes()));
  receipt.signature = base64Url(spoil.signature?.(signature) ?? signature);
  const response = {
    version: 2,
    requestId: request.requestId,
    keyServerId: SERVER,
    ledgerHeight: 41,
    items: [
      { item: 0, status: 'released', reason: null, message: null },
      { item: 1, status: 'denied', reason: 'POLICY_DENIED', message: 'not on the allow-list' },
    ],
    sealedShares: base64Url(sealed),
    receipt,
  };
  spoil.response?.(response);
  return parseFetchKeyResponse(JSON.stringify(response));
}

async function refusedWith(code, spoil, { minLedgerHeight, window } = {}) {
  const { request, ephemeral } = await newRequest(minLedgerHeight);
  const response = await answer(request, spoil);
  await assert.rejects(
    checkResponse(request, response, serverKey, reader.addressBytes, ephemeral, window ?? MAX_WINDOW_MILLIS),
    (e) => e instanceof ProtocolError && e.code === code,
  );
}

test('a sound answer opens: the released item gives its slot share, the denied one its reason', async () => {
  const { request, ephemeral } = await newRequest();
  const outcomes = await checkResponse(request, await answer(request), serverKey, reader.addressBytes, ephemeral);
  assert.equal(outcomes.length, 2);
  assert.equal(outcomes[0].share.index, 2);
  assert.deepEqual(outcomes[0].share.bytes, SHARE);
  assert.equal(outcomes[1].share, null);
  assert.equal(outcomes[1].result.reason, 'POLICY_DENIED');
  assert.equal(outcomes[1].result.message, 'not on the allow-list');
});

test('a receipt signed by another key is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { signature: (s) => { s[5] ^= 1; return s; } });
});

test('a receipt for another request digest is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.requestDigest = base64Url(new Uint8Array(32).fill(7)); } });
});

test('a receipt naming another item digest is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.entries[0].itemDigest = base64Url(new Uint8Array(32).fill(9)); } });
});

test('a receipt decided below the request\'s minimum height is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', {}, { minLedgerHeight: 42 });
  // the denied item is held to the height too: its denial is not the policy's
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.entries[1].ledgerHeight = 39; } });
});

test('a receipt over other sealed shares than those received is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.sealedSharesDigest = base64Url(new Uint8Array(32)); } });
  await refusedWith('BAD_RECEIPT', { response: (resp) => { resp.sealedShares = base64Url(new Uint8Array(80).fill(1)); } });
});

test('a receipt for another requester, or decided outside the window, is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.requester = id32Text(new Uint8Array(32).fill(3)); } });
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.decidedAtMillis -= MAX_WINDOW_MILLIS + 1000; } });
  await refusedWith('BAD_RECEIPT', { receipt: (r) => { r.decidedAtMillis += 30_000 + 120_000 + 1; } }, { window: 30_000 });
});

test('a receipt signing another decision than the response states is refused: BAD_RECEIPT', async () => {
  await refusedWith('BAD_RECEIPT', { response: (resp) => { resp.items[1].reason = 'NOT_A_MEMBER'; } });
});

test('an answer to another request, or from another server, is refused: WRONG_RESPONSE', async () => {
  await refusedWith('WRONG_RESPONSE', { response: (resp) => { resp.requestId = '0'.repeat(32); } });
  await refusedWith('WRONG_RESPONSE', { response: (resp) => { resp.keyServerId = 'ks-other'; } });
});

test('share-release plaintext with item numbers out of order is refused: BAD_SHARE', async () => {
  await refusedWith('BAD_SHARE', { plaintext: new Writer().u8(1).u8(1).u8(2).fixed(SHARE).bytes() });
});

test('share-release plaintext for another slot, or of the wrong length, is refused: BAD_SHARE', async () => {
  await refusedWith('BAD_SHARE', { plaintext: new Writer().u8(1).u8(0).u8(3).fixed(SHARE).bytes() });
  await refusedWith('BAD_SHARE', { plaintext: new Writer().u8(1).u8(0).u8(2).fixed(SHARE).u8(0).bytes() });
  await refusedWith('BAD_SHARE', { plaintext: new Writer().u8(2).u8(0).u8(2).fixed(SHARE).bytes() });
});

test('shares sealed to another request id do not open: BAD_SHARE', async () => {
  const { request, ephemeral } = await newRequest();
  const other = (await newRequest()).request;
  const sealedForOther = await answer(other);
  const response = await answer(request, { response: (resp) => { resp.sealedShares = base64Url(sealedForOther.sealedShares); } });
  // the receipt signs what was received, so only the HPKE info (request id) is wrong
  const resigned = await answer(request, {
    receipt: (r) => { r.sealedSharesDigest = base64Url(Receipt.sealedSharesDigest(sealedForOther.sealedShares)); },
    response: (resp) => { resp.sealedShares = base64Url(sealedForOther.sealedShares); },
  });
  await assert.rejects(checkResponse(request, response, serverKey, reader.addressBytes, ephemeral), (e) => e.code === 'BAD_RECEIPT');
  await assert.rejects(checkResponse(request, resigned, serverKey, reader.addressBytes, ephemeral), (e) => e.code === 'BAD_SHARE');
});
