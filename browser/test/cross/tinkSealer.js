// A body sealer for tests only: Tink's AES-GCM-HKDF streaming layout written with WebCrypto, so
// the node suite can make multi-segment bodies (and bodies deliberately wrong) without Java. It
// derives its key by @hpke/core's RFC 5869 HKDF rather than WebCrypto's, so that opening what it
// seals also checks the SDK's derivation against a second one. The known-answer test pins it:
// given the KAT's salt, nonce prefix and key it reproduces the committed Tink body byte for byte.
import { HkdfSha256 } from '@hpke/core';
import { concat } from '../../src/codec.js';
import { encodeHeader, parseHeader } from '../../src/envelope/header.js';
import { STREAM_HEADER_LENGTH, FIRST_SEGMENT_PLAINTEXT, SEGMENT_PLAINTEXT } from '../../src/envelope/body.js';

const subtle = globalThis.crypto.subtle;

export function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/**
 * Seals `plaintext` as Tink would under `dek` with `aad`. `lastFlag(i, isLast)` may lie about the
 * last-segment flag, to make hostile bodies.
 */
export async function sealBody({ dek, aad, plaintext, salt = randomBytes(32), noncePrefix = randomBytes(7), lastFlag }) {
  const kdf = new HkdfSha256();
  const okm = await kdf.expand(await kdf.extract(salt, dek), aad, 32);
  const key = await subtle.importKey('raw', okm, 'AES-GCM', false, ['encrypt']);
  const pieces = [];
  for (let at = 0, i = 0; ; i++) {
    const size = i === 0 ? FIRST_SEGMENT_PLAINTEXT : SEGMENT_PLAINTEXT;
    const end = Math.min(at + size, plaintext.length);
    // Tink writes a full segment as the last one when the plaintext ends exactly at its end.
    const isLast = end === plaintext.length;
    const nonce = new Uint8Array(12);
    nonce.set(noncePrefix);
    new DataView(nonce.buffer).setUint32(7, i);
    nonce[11] = (lastFlag ? lastFlag(i, isLast) : isLast) ? 1 : 0;
    pieces.push(new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, plaintext.subarray(at, end))));
    at = end;
    if (isLast) break;
  }
  return concat(Uint8Array.of(STREAM_HEADER_LENGTH), salt, noncePrefix, ...pieces);
}

/** A parsed header for `plaintextLength` bytes with `n` slots whose shares are placeholders: enough to open a body with. */
export function placeholderHeader(plaintextLength, n = 3) {
  const slots = [];
  for (let i = 1; i <= n; i++) {
    slots.push({ index: i, keyServerId: `ks-${i}`, keyFingerprint: new Uint8Array(32).fill(i), sealedShare: new Uint8Array(80).fill(i) });
  }
  return parseHeader(encodeHeader({
    ledgerId: 'cachet-test', policyId: new Uint8Array(32).fill(0x11), objectId: randomBytes(32), threshold: Math.min(2, n),
    plaintextLength, commitment: new Uint8Array(32), slots,
  }));
}
