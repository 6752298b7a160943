// openBlob over HTTP on loopback: crypto's known-answer envelope (kat/envelope-v1.bin, its three
// key servers' X25519 keys in kat/keys.json) served by an aggregator that honours Range, and three
// key servers that open their slot's share with those keys and answer as Cachet's key servers do
// (a v3 receipt signed by their own Ed25519 key, the share sealed with share-release v2). Each
// server can be told to misbehave; the SDK must open the file, or fail with the right error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { Writer, base64Url, blake2b256, fromBase64Url, fromHex, id32Text } from '../src/codec.js';
import { AccessRefusedError, KeyServersUnavailableError } from '../src/errors.js';
import { Network } from '../src/network.js';
import { openBlob, openPatch } from '../src/open.js';
import { BrowserIdentity } from '../src/protocol/identity.js';
import { Receipt, parseReceipt } from '../src/protocol/receipt.js';
import { hpkeSuite, releaseInfo } from '../src/protocol/shareRelease.js';

const katDir = new URL('../../crypto/src/test/resources/kat/', import.meta.url);
const envelope = new Uint8Array(readFileSync(new URL('envelope-v1.bin', katDir)));
const plaintext = new Uint8Array(readFileSync(new URL('plaintext.txt', katDir)));
const keys = JSON.parse(readFileSync(new URL('keys.json', katDir), 'utf8'));
const BLOB_ID = 'K'.repeat(43);
/** Patch 2 of a quilt: quilt id, version 1, start 2, end 3 (storage's QuiltPatchId). */
const PATCH_ID = base64Url(Uint8Array.from([...new Uint8Array(32).fill(0x29), 1, 2, 0, 3, 0]));
const HEIGHT = 12;

const servers = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

function listen(handler) {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res, status, json, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(json));
}

function apiError(res, status, reason, message, headers) {
  send(res, status, { error: { code: status, status: 'X', message, details: [{ reason }] } }, headers);
}

/** The aggregator (ranges honoured unless told not to) and the ledger's head, on one server. */
async function storage({ ignoreRange = false, hideContentRange = false, trailing = 0 } = {}) {
  const stored = trailing > 0 ? Uint8Array.from([...envelope, ...new Uint8Array(trailing)]) : envelope;
  return listen((req, res) => {
    if (req.url === '/v1/head') return send(res, 200, { height: HEIGHT });
    if (req.url === `/v1/blobs/by-quilt-patch-id/${PATCH_ID}`) {
      // as Walrus serves a patch: whole, whatever Range asked
      res.writeHead(200, { 'content-length': stored.length, 'x-quilt-patch-identifier': 'kat.txt' });
      return res.end(stored);
    }
    if (req.url.startsWith('/v1/blobs/by-quilt-patch-id/')) return apiError(res, 404, 'QUILT_PATCH_NOT_FOUND', 'no such patch');
    if (req.url !== `/v1/blobs/${BLOB_ID}`) return apiError(res, 404, 'BLOB_NOT_FOUND', 'no such blob');
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m || ignoreRange) {
      res.writeHead(200, { 'content-length': stored.length });
      return res.end(stored);
    }
    const from = Number(m[1]);
    const to = Math.min(Number(m[2]), stored.length - 1);
    res.writeHead(206, hideContentRange ? {} : { 'content-range': `bytes ${from}-${to}/${stored.length}` });
    res.end(stored.subarray(from, to + 1));
  });
}

/**
 * A key server of slot `index`: `behaviour` is 'release', 'deny', 'behind' (503 LEDGER_BEHIND on
 * the first request), 'forge' (a receipt signed by another key), 'wrong-share' (a share off the
 * polynomial under a valid receipt), 'slow' (answers after 3 s), 'late' (releases after 300 ms) or 'down'.
 */
async function keyServer(index, behaviour, seen) {
  const k = keys.keyServers[index - 1];
  const signing = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const forger = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const signingKey = new Uint8Array(await crypto.subtle.exportKey('raw', signing.publicKey));
  const hpkeKey = await hpkeSuite.kem.importKey('raw', fromHex(k.privateKey).buffer, false);
  let requests = 0;
  const url = await listen(async (req, res) => {
    const request = JSON.parse(await body(req));
    requests++;
    seen?.push(request.requestId);
    if (behaviour === 'slow') await new Promise((r) => setTimeout(r, 3000));
    if (behaviour === 'late') await new Promise((r) => setTimeout(r, 300));
    if (behaviour === 'behind' && requests === 1) return apiError(res, 503, 'LEDGER_BEHIND', 'catching up', { 'retry-after': '0' });
    const item = request.items[0];
    const c = item.context;
    const info = Writer.tagged('cachet/share/v1').u8(c.formatVersion).string8(c.ledgerId).fixed(fromHex(c.policyId))
      .fixed(fromHex(c.objectId)).u8(c.threshold).u8(c.shareCount).string8(c.keyServerId).u8(c.index).bytes();
    const sealedShare = fromBase64Url(item.sealedShare);
    const share = new Uint8Array(await hpkeSuite.open(
      { recipientKey: hpkeKey, enc: sealedShare.slice(0, 32), info }, sealedShare.slice(32), new Uint8Array(0)));
    if (behaviour === 'wrong-share') share[0] ^= 0x5a;
    const released = behaviour !== 'deny';
    let sealed = null;
    if (released) {
      const recipientPublicKey = await crypto.subtle.importKey('raw', fromBase64Url(request.responseKey), { name: 'X25519' }, true, []);
      const sender = await hpkeSuite.createSenderContext({ recipientPublicKey, info: releaseInfo(request.requestId, [{ item: 0, contextInfo: info }]) });
      const plain = new Writer().u8(1).u8(0).u8(c.index).fixed(share).bytes();
      sealed = new Uint8Array([...new Uint8Array(sender.enc), ...new Uint8Array(await sender.seal(plain))]);
    }
    const itemDigest = blake2b256(new Writer().bytes8(info).fixed(fromBase64Url(item.keyFingerprint)).bytes8(sealedShare).bytes());
    const receipt = {
      version: 3, keyServerId: k.id, requestId: request.requestId,
      requestDigest: base64Url(new Uint8Array(32)), // filled below from the request's own signed bytes
      requester: request.certificate.address, decidedAtMillis: Date.now(),
      entries: [{
        item: 0, decision: released ? 'released' : 'denied', reason: released ? null : 'NOT_A_MEMBER',
        itemDigest: base64Url(itemDigest), ledgerId: c.ledgerId, policyId: c.policyId, objectId: c.objectId,
        shareIndex: c.index, ledgerHeight: request.minLedgerHeight, ledgerTimeMillis: Date.now(), decisionBlockHash: '',
      }],
      sealedSharesDigest: base64Url(Receipt.sealedSharesDigest(sealed)), signature: '',
    };
    receipt.requestDigest = base64Url(blake2b256(requestSignedBytes(request, info)));
    const key = behaviour === 'forge' ? forger.privateKey : signing.privateKey;
    receipt.signature = base64Url(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, parseReceipt(receipt).signedBytes())));
    send(res, 200, {
      version: 2, requestId: request.requestId, keyServerId: k.id, ledgerHeight: request.minLedgerHeight,
      items: [released ? { item: 0, status: 'released', reason: null, message: null }
        : { item: 0, status: 'denied', reason: 'NOT_A_MEMBER', message: `${request.certificate.address} is not on the allow-list` }],
      sealedShares: sealed && base64Url(sealed), receipt,
    });
  });
  if (behaviour === 'down') servers.at(-1).close();
  return { id: k.id, url, signingKey: base64Url(signingKey) };
}

/** The request's signed bytes, rebuilt on the server's side from its JSON (docs/FORMAT.md section 2). */
function requestSignedBytes(r, info) {
  const c = r.certificate;
  const cert = Writer.tagged('cachet/session-certificate/v1').fixed(fromHex(c.address)).fixed(fromBase64Url(c.identityKey))
    .fixed(fromBase64Url(c.sessionKey)).u64(c.createdAtMillis).u32(c.ttlSeconds).u8(c.audience.length);
  for (const a of c.audience) cert.string8(a);
  const item = r.items[0];
  return Writer.tagged('cachet/fetch-key/v2').string8(r.requestId).string8(r.keyServerId).u64(r.timestampMillis)
    .u64(r.minLedgerHeight).fixed(blake2b256(cert.bytes(), fromBase64Url(c.signature))).fixed(fromBase64Url(r.responseKey))
    .u8(1).bytes8(info).fixed(fromBase64Url(item.keyFingerprint)).bytes8(fromBase64Url(item.sealedShare)).bytes();
}

async function networkOf(behaviours, { ignoreRange, hideContentRange, trailing, seen } = {}) {
  const store = await storage({ ignoreRange, hideContentRange, trailing });
  const ks = [];
  for (let i = 0; i < 3; i++) ks.push(await keyServer(i + 1, behaviours[i], seen));
  return Network.fromDescriptor({
    format: 'cachet-network/1',
    ledger: { url: store, ledgerId: keys.ledgerId, sequencerKey: base64Url(new Uint8Array(32).fill(1)) },
    keyServers: { threshold: 2, servers: ks },
    storage: { publisher: store, aggregator: store },
  });
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(...c);
  return Uint8Array.from(chunks);
}

const reader = await BrowserIdentity.ephemeral();

test('three releasing key servers: the file opens, the header by range, at the ledger head the SDK read', async () => {
  const seen = [];
  const network = await networkOf(['release', 'release', 'release'], { seen });
  const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader });
  assert.deepEqual(await readAll(opened.stream), plaintext);
  assert.equal(opened.plaintextLength, plaintext.length);
  assert.equal(id32Text(opened.header.policyId), keys.policyId);
  assert.equal(opened.outcomes.filter((o) => o.kind === 'released').length >= 2, true);
  const ranged = await openBlob({ network, blobId: BLOB_ID, identity: reader, range: { start: 100, end: 700 } });
  assert.deepEqual(await readAll(ranged.stream), plaintext.subarray(100, 700));
});

test('an aggregator that ignores Range still serves: its whole answer is cut to the range', async () => {
  const network = await networkOf(['release', 'release', 'release'], { ignoreRange: true });
  const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader });
  assert.deepEqual(await readAll(opened.stream), plaintext);
});

test('a 206 whose Content-Range is not exposed (a cross-origin answer) is read as the range asked for', async () => {
  const network = await networkOf(['release', 'release', 'release'], { hideContentRange: true });
  const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader, range: { start: 5, end: 1000 } });
  assert.deepEqual(await readAll(opened.stream), plaintext.subarray(5, 1000));
});

test('a server behind the signed height is asked again with a freshly signed request', async () => {
  const seen = [];
  const network = await networkOf(['behind', 'down', 'release'], { seen });
  const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader });
  assert.deepEqual(await readAll(opened.stream), plaintext);
  assert.equal(new Set(seen).size, seen.length, 'every request has its own id');
  assert.equal(opened.outcomes.find((o) => o.serverId === 'ks-kat-2').kind, 'unavailable');
});

test('denials refuse access, naming the header\'s policy, each key server\'s outcome and the first refusal\'s reason', async () => {
  const network = await networkOf(['deny', 'deny', 'down']);
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader }), (e) => {
    assert.ok(e instanceof AccessRefusedError);
    assert.equal(e.code, 'ACCESS_REFUSED');
    assert.equal(e.reason, 'NOT_A_MEMBER');
    assert.match(e.policyId, /^0x[0-9a-f]{64}$/);
    assert.equal(e.policyId, keys.policyId);
    assert.equal(e.ledgerId, keys.ledgerId);
    assert.ok(e.message.includes(`access to policy ${keys.policyId} refused`));
    assert.deepEqual(e.outcomes.map((o) => o.serverId), ['ks-kat-1', 'ks-kat-2', 'ks-kat-3']);
    assert.equal(e.outcomes.filter((o) => o.kind === 'denied').length >= 1, true);
    assert.match(e.message, /ks-kat-[12]: denied NOT_A_MEMBER: 0x[0-9a-f]{64} is not on the allow-list/);
    return true;
  });
});

test('a forged receipt and a server down: unavailable, the header\'s policy and each outcome named, no share used', async () => {
  const network = await networkOf(['forge', 'down', 'release']);
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader }), (e) => {
    assert.ok(e instanceof KeyServersUnavailableError);
    assert.equal(e.policyId, keys.policyId);
    assert.equal(e.ledgerId, keys.ledgerId);
    const byId = Object.fromEntries(e.outcomes.map((o) => [o.serverId, o]));
    assert.equal(byId['ks-kat-1'].kind, 'invalid');
    assert.equal(byId['ks-kat-1'].reason, 'BAD_RECEIPT');
    assert.equal(byId['ks-kat-2'].kind, 'unavailable');
    assert.equal(byId['ks-kat-2'].reason, 'UNREACHABLE');
    return true;
  });
});

test('a wrong share under a valid receipt is outvoted by the third server', async () => {
  const network = await networkOf(['wrong-share', 'release', 'release']);
  const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader });
  assert.deepEqual(await readAll(opened.stream), plaintext);
});

test('an outvoted wrong share is named: its server invalid WRONG_SHARE, the others released', async () => {
  // the wrong share comes first, so the round sees the mismatch before the third share outvotes it
  const network = await networkOf(['wrong-share', 'late', 'late']);
  const warned = [];
  const warn = console.warn;
  console.warn = (line) => warned.push(line);
  try {
    const opened = await openBlob({ network, blobId: BLOB_ID, identity: reader });
    assert.deepEqual(await readAll(opened.stream), plaintext);
    const byId = Object.fromEntries(opened.outcomes.map((o) => [o.serverId, o]));
    assert.equal(byId['ks-kat-1'].kind, 'invalid');
    assert.equal(byId['ks-kat-1'].reason, 'WRONG_SHARE');
    assert.equal(byId['ks-kat-2'].kind, 'released');
    assert.equal(byId['ks-kat-3'].kind, 'released');
    assert.equal(warned.filter((l) => /event=wrong_share_outvoted server=ks-kat-1/.test(l)).length, 1);
  } finally {
    console.warn = warn;
  }
});

test('a wrong share with no third server to outvote it: COMMITMENT_MISMATCH', async () => {
  const network = await networkOf(['wrong-share', 'release', 'down']);
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader }), (e) => e.code === 'COMMITMENT_MISMATCH');
});

test('a range off the plaintext, or a blob longer than its header says, is refused before any key server is asked', async () => {
  const seen = [];
  const network = await networkOf(['release', 'release', 'release'], { seen });
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader, range: { start: 0, end: plaintext.length + 1 } }), RangeError);
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader, range: { start: 5, end: 4 } }), RangeError);
  const padded = await networkOf(['release', 'release', 'release'], { seen, trailing: 1 });
  await assert.rejects(openBlob({ network: padded, blobId: BLOB_ID, identity: reader }), (e) => e.reason === 'TRAILING_DATA');
  assert.equal(seen.length, 0, 'no key server was asked, so none released a share');
});

test('a blob of another ledger is refused before any key server is asked; an unknown blob is BLOB_NOT_FOUND', async () => {
  const seen = [];
  const network = await networkOf(['release', 'release', 'release'], { seen });
  const other = Network.fromDescriptor({ ...network.descriptor, ledger: { ...network.descriptor.ledger, ledgerId: 'cachet-other' } });
  await assert.rejects(openBlob({ network: other, blobId: BLOB_ID, identity: reader }), (e) => e.code === 'WRONG_LEDGER');
  assert.equal(seen.length, 0);
  await assert.rejects(openBlob({ network, blobId: 'Z'.repeat(43), identity: reader }), (e) => e.code === 'BLOB_NOT_FOUND');
  await assert.rejects(openBlob({ network, blobId: '../v1/head', identity: reader }), (e) => e.code === 'BAD_BLOB_ID');
});

test('the caller\'s abort ends the open with its reason', async () => {
  const network = await networkOf(['release', 'release', 'release']);
  const controller = new AbortController();
  controller.abort(new Error('the reader left'));
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader, signal: controller.signal }), /the reader left/);
});

test('an abort while the key servers are asked ends the open at once with its reason', async () => {
  const network = await networkOf(['slow', 'slow', 'slow']);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('the reader closed the tab')), 300);
  const started = Date.now();
  await assert.rejects(openBlob({ network, blobId: BLOB_ID, identity: reader, signal: controller.signal }), /closed the tab/);
  assert.ok(Date.now() - started < 2500, 'did not wait for the slow servers');
});

test('a quilt patch opens by its patch id, whole or by range, from an aggregator that serves patches whole', async () => {
  const network = await networkOf(['release', 'deny', 'release']);
  const opened = await openPatch({ network, patchId: PATCH_ID, identity: reader });
  assert.deepEqual(await readAll(opened.stream), plaintext);
  assert.equal(id32Text(opened.header.policyId), keys.policyId);
  const ranged = await openPatch({ network, patchId: PATCH_ID, identity: reader, range: { start: 10, end: 300 } });
  assert.deepEqual(await readAll(ranged.stream), plaintext.subarray(10, 300));
});

test('a patch id of a patch the aggregator does not hold is BLOB_NOT_FOUND, naming the patch', async () => {
  const network = await networkOf(['release', 'release', 'release']);
  const other = base64Url(Uint8Array.from([...new Uint8Array(32).fill(0x29), 1, 9, 0, 10, 0]));
  await assert.rejects(openPatch({ network, patchId: other, identity: reader }), (e) => {
    assert.equal(e.code, 'BLOB_NOT_FOUND');
    assert.ok(e.message.includes(`quilt patch ${other} is not stored`));
    return true;
  });
});

test('a malformed patch id is refused before anything is asked', async () => {
  const network = await networkOf(['down', 'down', 'down']);
  const version2 = base64Url(Uint8Array.from([...new Uint8Array(32), 2, 0, 0, 1, 0]));
  for (const bad of [BLOB_ID, PATCH_ID.slice(0, 49), `${PATCH_ID.slice(0, 49)}=`, version2, PATCH_ID.replace(/.$/, 'B'), 42, undefined]) {
    await assert.rejects(openPatch({ network, patchId: bad, identity: reader }), (e) => {
      assert.equal(e.code, 'BAD_PATCH_ID', String(bad));
      return true;
    });
  }
});
