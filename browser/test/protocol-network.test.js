// The network descriptor, the share token, the service descriptor, the session certificate and the
// HTTP conventions the key fetcher relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writer, base64Url, blake2b256, concat, fromBase64Url, fromHex, toHex, utf8 } from '../src/codec.js';
import { headerLength, parseHeader } from '../src/envelope/header.js';
import { NetworkDescriptorError, ShareTokenError, WrongNetworkError } from '../src/errors.js';
import { Network } from '../src/network.js';
import { BrowserIdentity } from '../src/protocol/identity.js';
import { endpoint, parseApiError, parseRetryAfter, retryWait } from '../src/protocol/http.js';

import { hpkeKeyFingerprint, slotMatchesCurrentKey, verifyServiceDescriptor } from '../src/protocol/service.js';
import { Session } from '../src/protocol/session.js';
import { parseShareToken } from '../src/protocol/shareToken.js';
import { verifyEd25519 } from '../src/protocol/signatures.js';

const KEY = base64Url(new Uint8Array(32).fill(1));

function descriptor() {
  return {
    format: 'cachet-network/1',
    ledger: { url: 'http://127.0.0.1:7300', ledgerId: 'cachet-devnet', sequencerKey: KEY, genesisDigest: '0x' + 'ab'.repeat(32) },
    keyServers: {
      threshold: 2,
      servers: ['ks-1', 'ks-2', 'ks-3'].map((id, i) => ({ id, url: `http://127.0.0.1:740${i}/mount?x=1`, signingKey: KEY })),
    },
    storage: { publisher: 'http://127.0.0.1:7500', aggregator: 'http://127.0.0.1:7500', epochs: 2 },
    somethingNew: { ignored: true },
  };
}

test('an embedded descriptor is read; unknown fields are ignored', () => {
  const n = Network.fromDescriptor(JSON.stringify(descriptor()));
  assert.equal(n.ledgerId, 'cachet-devnet');
  assert.equal(n.threshold, 2);
  assert.equal(n.keyServers.length, 3);
  assert.equal(n.keyServer('ks-2').url, 'http://127.0.0.1:7401/mount?x=1');
  assert.equal(n.isEvm, false);
  assert.equal(n.epochs, 2);
});

test('a malformed descriptor is refused naming the field', () => {
  const cases = [
    [(d) => { d.format = 'cachet-network/2'; }, /format must be "cachet-network\/1"/],
    [(d) => { d.keyServers.servers[1].signingKey = 'short'; }, /keyServers.servers\[1\].signingKey is not an Ed25519 public key/],
    [(d) => { d.keyServers.threshold = 4; }, /keyServers.threshold must be an integer in 1..3/],
    [(d) => { d.keyServers.servers[2].id = 'ks-1'; }, /one id twice/],
    [(d) => { d.storage.aggregator = 'file:///etc'; }, /storage.aggregator must be an http\(s\) URL/],
    [(d) => { delete d.ledger; }, /ledger must be an object/],
    [(d) => { d.chain = { kind: 'solana' }; }, /chain.kind must be "embedded" or "evm"/],
  ];
  for (const [spoil, message] of cases) {
    const d = descriptor();
    spoil(d);
    assert.throws(() => Network.fromDescriptor(d), (e) => e instanceof NetworkDescriptorError && message.test(e.message), String(message));
  }
});

test('an EVM descriptor is read; a wrong EIP-55 checksum is refused', () => {
  const d = descriptor();
  delete d.ledger;
  d.chain = {
    kind: 'evm', rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, confirmations: 0,
    policies: '0x5FbDB2315678afecb367f032d93F642f64180aa3', blobRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  };
  const n = Network.fromDescriptor(d);
  assert.equal(n.isEvm, true);
  assert.equal(n.ledgerId, 'eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3');
  d.chain.policies = '0x5FbDB2315678afecb367f032d93F642f64180aA3';
  assert.throws(() => Network.fromDescriptor(d), /chain.policies must be an EVM address: .* fails its EIP-55 checksum/);
});

test('a header of another ledger, of an EVM policy, or of unlisted key servers is refused with a clear code', () => {
  const n = Network.fromDescriptor(descriptor());
  const slots = (ids) => ids.map((keyServerId, i) => ({ index: i + 1, keyServerId }));
  assert.throws(() => n.checkDecidesFor({ ledgerId: 'other', threshold: 2, slots: slots(['ks-1', 'ks-2']) }),
    (e) => e instanceof WrongNetworkError && e.code === 'WRONG_LEDGER');
  assert.throws(() => n.checkDecidesFor({ ledgerId: 'cachet-devnet', threshold: 2, slots: slots(['ks-1', 'ks-9', 'ks-8']) }),
    (e) => e.code === 'UNKNOWN_KEY_SERVER' && /ks-9, ks-8/.test(e.message));
  n.checkDecidesFor({ ledgerId: 'cachet-devnet', threshold: 2, slots: slots(['ks-1', 'ks-2', 'ks-9']) });
  const d = descriptor();
  d.chain = { kind: 'evm', rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, policies: '0x' + '11'.repeat(20), blobRegistry: '0x' + '22'.repeat(20) };
  assert.throws(() => Network.fromDescriptor(d).checkDecidesFor({ ledgerId: 'eip155:31337:0x' + '33'.repeat(20), threshold: 1, slots: slots(['ks-1']) }),
    (e) => e.code === 'NEEDS_EVM_WALLET');
});

test('a share token made as the CLI makes it is read back; anything else is refused', () => {
  const network = descriptor();
  const token = 'cachet1.' + base64Url(utf8(JSON.stringify({ blobId: 'A'.repeat(43), network })));
  const parsed = parseShareToken(token);
  assert.equal(parsed.blobId, 'A'.repeat(43));
  assert.deepEqual(parsed.network, network);
  assert.equal(Network.fromDescriptor(parsed.network).ledgerId, 'cachet-devnet');
  assert.throws(() => parseShareToken('cachet2.xyz'), ShareTokenError);
  assert.throws(() => parseShareToken('cachet1.' + 'A'.repeat(70_000)), /at most 65536 characters/);
  assert.throws(() => parseShareToken('cachet1.' + base64Url(utf8('{"blobId":1}'))), /lacks its blob id or network/);
  assert.throws(() => parseShareToken('cachet1.!!'), /not a share token/);
});

test('a service descriptor is taken only when its proof verifies under the pinned key and id', async () => {
  const keys = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const signingKey = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
  const hpke = new Uint8Array(32).fill(5);
  const signed = Writer.tagged('cachet/service/v1').string8('ks-1').u32(3).fixed(hpke).fixed(signingKey).string8('0.9.0').bytes();
  const proof = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, signed));
  const doc = { serverId: 'ks-1', keyVersion: 3, hpkePublicKey: base64Url(hpke), verifyingKey: base64Url(signingKey), softwareVersion: '0.9.0', proofOfPossession: base64Url(proof) };
  const server = { id: 'ks-1', signingKey };
  const d = await verifyServiceDescriptor(doc, server);
  assert.deepEqual(d.hpkePublicKey, hpke);
  assert.deepEqual(d.keyFingerprint, hpkeKeyFingerprint(hpke));
  await assert.rejects(verifyServiceDescriptor({ ...doc, hpkePublicKey: base64Url(new Uint8Array(32).fill(6)) }, server), (e) => e.code === 'BAD_SERVICE_DESCRIPTOR');
  await assert.rejects(verifyServiceDescriptor(doc, { id: 'ks-2', signingKey }), (e) => e.code === 'BAD_SERVICE_DESCRIPTOR');
  await assert.rejects(verifyServiceDescriptor({ ...doc, extra: 1 }, server), /unknown field "extra"/);
});

test('key fingerprints as Java makes them: each slot of the known-answer envelope names its key server\'s key', () => {
  const kat = new URL('../../crypto/src/test/resources/kat/', import.meta.url);
  const envelope = new Uint8Array(readFileSync(new URL('envelope-v1.bin', kat)));
  const header = parseHeader(envelope.subarray(0, headerLength(envelope.subarray(0, 9))));
  const keys = JSON.parse(readFileSync(new URL('keys.json', kat), 'utf8'));
  for (const k of keys.keyServers) {
    const slot = header.slots[k.index - 1];
    assert.equal(slot.keyServerId, k.id);
    assert.deepEqual(hpkeKeyFingerprint(fromBase64Url(k.publicKey)), slot.keyFingerprint);
    assert.equal(slotMatchesCurrentKey(slot, { keyFingerprint: hpkeKeyFingerprint(fromBase64Url(k.publicKey)) }), true);
  }
});

test('identity: address is BLAKE2b-256(0x00 || public key); session certificate signed bytes as FORMAT.md lays them out', async () => {
  const id = await BrowserIdentity.ephemeral();
  assert.equal(id.address, '0x' + toHex(blake2b256(Uint8Array.of(0), id.publicKey)));
  assert.match(id.address, /^0x[0-9a-f]{64}$/);
  const session = await Session.create(id, ['ks-1', 'ks-2'], { now: 1_767_225_600_000, ttlSeconds: 600 });
  const c = session.certificate;
  const expected = concat(
    Uint8Array.of(29), utf8('cachet/session-certificate/v1'), id.addressBytes, id.publicKey, c.sessionKey,
    fromHex('0000019b76daa800'), fromHex('00000258'), Uint8Array.of(2), Uint8Array.of(4), utf8('ks-1'), Uint8Array.of(4), utf8('ks-2'),
  );
  assert.deepEqual(c.signedBytes(), expected);
  assert.equal(await verifyEd25519(id.publicKey, c.signature, expected), true);
  assert.deepEqual(c.digest(), blake2b256(expected, c.signature));
  assert.deepEqual(Object.keys(c.toJSON()), ['address', 'identityKey', 'sessionKey', 'createdAtMillis', 'ttlSeconds', 'audience', 'signature']);
  await assert.rejects(Session.create(id, ['ks-1'], { ttlSeconds: 1801 }), RangeError);
  assert.equal(session.isFresh(1_767_225_600_000 + 479_000), true);
  assert.equal(session.isFresh(1_767_225_600_000 + 481_000), false);
});

test('HTTP conventions: routes keep the mount path and query; errors and Retry-After are read as Java reads them', () => {
  assert.equal(endpoint('http://h:1/mount?x=1', '/v1/fetch_key').toString(), 'http://h:1/mount/v1/fetch_key?x=1');
  assert.equal(endpoint('http://h:1/', '/v1/service').toString(), 'http://h:1/v1/service');
  const body = '{"error":{"code":503,"status":"UNAVAILABLE","message":"behind","details":[{"@type":"x","reason":"LEDGER_BEHIND"}]}}';
  assert.deepEqual(parseApiError(body, 503), { code: 503, status: 'UNAVAILABLE', reason: 'LEDGER_BEHIND', message: 'behind' });
  assert.equal(parseApiError('<html>bad gateway</html>', 502), null);
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(''), null);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(retryWait(null, () => 0), 500);
  assert.equal(retryWait(60_000, () => 0), 2000);
  assert.equal(retryWait(1000, () => 1), 1500);
});
