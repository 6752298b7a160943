// A stored identity is used only if it is what the SDK stores: a non-extractable Ed25519 key pair
// that only signs, whose halves belong together. Anything else on the origin is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserIdentity } from '../src/protocol/identity.js';

const ED25519 = { name: 'Ed25519' };
const refused = (what) => (e) => e.code === 'BAD_STORED_IDENTITY' && what.test(e.message) && /Clear this site's data/.test(e.message);

test('a stored non-extractable Ed25519 pair is the identity it was', async () => {
  const keyPair = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
  const a = await BrowserIdentity.fromStored(keyPair);
  const b = await BrowserIdentity.fromStored(keyPair);
  assert.equal(a.address, b.address);
  assert.match(a.address, /^0x[0-9a-f]{64}$/);
});

test('a stored pair whose private key can be exported is refused', async () => {
  const keyPair = await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify']);
  await assert.rejects(BrowserIdentity.fromStored(keyPair, 'default'), refused(/can be exported/));
});

test('a stored pair of another algorithm is refused', async () => {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  await assert.rejects(BrowserIdentity.fromStored(keyPair), refused(/ECDSA key, not Ed25519/));
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  await assert.rejects(BrowserIdentity.fromStored(x), refused(/X25519 key, not Ed25519/));
});

test('a stored record that is not a key pair, or whose halves are of two pairs, is refused', async () => {
  await assert.rejects(BrowserIdentity.fromStored({ privateKey: 'secret', publicKey: 'public' }), refused(/not a pair of WebCrypto keys/));
  await assert.rejects(BrowserIdentity.fromStored(undefined), refused(/not a pair of WebCrypto keys/));
  const one = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
  const two = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
  await assert.rejects(BrowserIdentity.fromStored({ privateKey: one.privateKey, publicKey: two.publicKey }), refused(/another pair/));
  await assert.rejects(BrowserIdentity.fromStored({ privateKey: one.publicKey, publicKey: one.publicKey }), refused(/not a private and a public key/));
});
