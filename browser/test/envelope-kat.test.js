// The committed Java envelope (crypto/src/test/resources/kat) opened by the SDK's envelope code:
// if these fail, the browser no longer reads what Java writes. The opening itself is kat-open.js,
// which test/browser/kat-page.js runs in Chromium too (KnownAnswerInChromiumTest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toHex } from '../src/codec.js';
import { shareContextInfo } from '../src/envelope/shareContext.js';
import { checkCommitment } from '../src/envelope/dataKey.js';
import { unsealShare } from './cross/keyServer.js';
import { sealBody } from './cross/tinkSealer.js';
import { headerMismatches, openFlipped, openWith, privateKey, readKat, rebuildDataKey, SERVER_PAIRS } from './kat-open.js';

const file = (name) => new Uint8Array(readFileSync(new URL(`../../crypto/src/test/resources/kat/${name}`, import.meta.url)));
const kat = readKat({ envelope: file('envelope-v1.bin'), keysJson: file('keys.json'), plaintext: file('plaintext.txt') });
const { header, body, plaintext } = kat;

test('the committed header has the recorded fields', () => {
  assert.deepEqual(headerMismatches(kat), []);
  assert.equal(header.shareCount, 3);
  assert.equal(header.slots.length, 3);
});

test('a header that differs from keys.json is reported field by field', () => {
  const [first, ...rest] = kat.keys.keyServers;
  const keys = { ...kat.keys, ledgerId: 'cachet-other', keyServers: [{ ...first, id: 'ks-x' }, ...rest] };
  assert.deepEqual(headerMismatches({ ...kat, keys }),
    ['ledgerId is cachet-kat, recorded cachet-other', 'slot 1 keyServerId is ks-kat-1, recorded ks-x']);
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

for (const [a, b] of SERVER_PAIRS) {
  test(`the committed envelope opens with key servers ${a} and ${b}`, async () => {
    assert.deepEqual(await openWith(kat, [a, b]), plaintext);
  });
}

test('the committed envelope opens with all three key servers, their shares consistent', async () => {
  const out = await openWith(kat, [1, 2, 3]);
  assert.equal(new TextDecoder().decode(out), new TextDecoder().decode(plaintext));
});

test('one flipped body bit is refused before any plaintext', async () => {
  const { released, error } = await openFlipped(kat);
  assert.equal(released, 0);
  assert.equal(error?.code, 'BODY_TAMPERED');
  assert.equal(error.reason, 'SEGMENT_AUTH');
});

test('a share does not open under another slot\'s context or another key', async () => {
  const moved = { ...header, slots: [header.slots[1], header.slots[0], header.slots[2]].map((s, i) => ({ ...s, index: i + 1 })) };
  await assert.rejects(unsealShare(moved, 1, privateKey(kat, 2)));
  await assert.rejects(unsealShare(header, 1, privateKey(kat, 2)));
});

test('the test sealer reproduces the committed Tink body from its salt, nonce prefix and key', async () => {
  const dek = await rebuildDataKey(kat, [1, 3]);
  const again = await sealBody({ dek, aad: header.encoded, plaintext, salt: body.slice(1, 33), noncePrefix: body.slice(33, 40) });
  assert.deepEqual(again, body);
});
