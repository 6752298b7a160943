// The known-answer envelope (crypto/src/test/resources/kat) opened by the SDK's envelope code,
// written once for both places that open it: node (envelope-kat.test.js, files read from disk)
// and a real Chromium (test/browser/kat-page.js, files fetched from the test's server). It takes
// bytes, never paths or URLs, and imports nothing from node, so esbuild can bundle it for a page.
//
// The key servers' part is played with their private keys from keys.json (test/cross/keyServer.js);
// everything after the shares are unsealed is the SDK's own code: Shamir combine, the DEK
// commitment, and the streaming body.
import { blake2b256, constantTimeEqual, fromBase64Url, fromHex, id32Text, utf8 } from '../src/codec.js';
import { headerLength, parseHeader, PREFIX_LENGTH } from '../src/envelope/header.js';
import { combineShares, checkCommitment } from '../src/envelope/dataKey.js';
import { bodyLength, openBody, STREAM_HEADER_LENGTH } from '../src/envelope/body.js';
import { unsealShare } from './cross/keyServer.js';

/** The KAT files, by the names they are committed under. */
export const KAT_FILES = Object.freeze(['envelope-v1.bin', 'keys.json', 'plaintext.txt']);

/** Every pair of the three key servers, in both orders for one, as the threshold of 2 allows. */
export const SERVER_PAIRS = Object.freeze([[1, 2], [1, 3], [2, 3], [2, 1]]);

/** Body offset of the bit the hostile case flips: inside segment 0's ciphertext, past the stream header. */
export const FLIPPED_BODY_OFFSET = STREAM_HEADER_LENGTH + 100;

/**
 * The known-answer envelope, parsed: `envelope`, `plaintext`, `keys` (keys.json), `header` (from
 * parseHeader) and `body` (the envelope after its header).
 * @param {{envelope: Uint8Array, keysJson: Uint8Array, plaintext: Uint8Array}} files
 */
export function readKat({ envelope, keysJson, plaintext }) {
  const keys = JSON.parse(new TextDecoder().decode(keysJson));
  const header = parseHeader(envelope.subarray(0, headerLength(envelope.subarray(0, PREFIX_LENGTH))));
  return { envelope, plaintext, keys, header, body: envelope.subarray(header.length) };
}

/** Key server `index`'s 32-byte X25519 private key, as keys.json records it in hex. */
export function privateKey(kat, index) {
  return fromHex(kat.keys.keyServers[index - 1].privateKey, `key server ${index}'s private key`);
}

/**
 * Where the parsed header differs from what keys.json and plaintext.txt record, one line per
 * field: empty when the header is the recorded one.
 */
export function headerMismatches(kat) {
  const { header, keys, envelope, plaintext } = kat;
  const found = [];
  const expect = (field, seen, recorded) => {
    if (seen !== recorded) found.push(`${field} is ${seen}, recorded ${recorded}`);
  };
  expect('version', header.version, 1);
  expect('ledgerId', header.ledgerId, keys.ledgerId);
  expect('policyId', id32Text(header.policyId), keys.policyId);
  expect('objectId', id32Text(header.objectId), keys.objectId);
  expect('threshold', header.threshold, keys.threshold);
  expect('shareCount', header.shareCount, keys.keyServers.length);
  expect('bodyAlgorithm', header.bodyAlgorithm, 1);
  expect('segmentSize', header.segmentSize, 1 << 20);
  expect('plaintextLength', header.plaintextLength, plaintext.length);
  expect('encoded header length', header.encoded.length, header.length);
  expect('envelope length', envelope.length, header.length + bodyLength(header.plaintextLength));
  if (!constantTimeEqual(header.encoded, envelope.subarray(0, header.length))) {
    found.push('the header re-encodes to other bytes than the envelope holds');
  }
  for (const server of keys.keyServers) {
    const slot = header.slots[server.index - 1];
    if (!slot) {
      found.push(`slot ${server.index} is missing`);
      continue;
    }
    expect(`slot ${server.index} index`, slot.index, server.index);
    expect(`slot ${server.index} keyServerId`, slot.keyServerId, server.id);
    expect(`slot ${server.index} sealed share length`, slot.sealedShare.length, 80);
    // Java hashes the fingerprint tag's bytes with no length byte (HpkeRecipientKey.FINGERPRINT_TAG).
    const fingerprint = blake2b256(utf8('cachet/hpke-key/v1'), fromBase64Url(server.publicKey));
    if (!constantTimeEqual(slot.keyFingerprint, fingerprint)) {
      found.push(`slot ${server.index}'s key fingerprint is not BLAKE2b of key server ${server.index}'s public key`);
    }
  }
  return found;
}

/**
 * Unseals the shares of `servers` (key server indices) with their private keys, combines them and
 * checks the header's commitment; resolves to the DEK, which the caller zeroes once used.
 */
export async function rebuildDataKey(kat, servers) {
  const shares = [];
  try {
    for (const index of servers) {
      const key = privateKey(kat, index);
      try {
        shares.push(await unsealShare(kat.header, index, key));
      } finally {
        key.fill(0);
      }
    }
    const dek = await combineShares(shares, kat.header.threshold, kat.header.shareCount);
    try {
      checkCommitment(kat.header, dek);
    } catch (e) {
      dek.fill(0);
      throw e;
    }
    return dek;
  } finally {
    for (const share of shares) share.bytes.fill(0);
  }
}

/** Opens the envelope with the shares of `servers`; resolves to the whole plaintext. */
export async function openWith(kat, servers, envelope = kat.envelope) {
  const dek = await rebuildDataKey(kat, servers);
  try {
    const body = envelope.subarray(kat.header.length);
    const stream = openBody({ dek, header: kat.header, readBody: async (from, to) => body.subarray(from, to), envelopeLength: envelope.length });
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } finally {
    dek.fill(0);
  }
}

/**
 * The hostile case: the envelope with one body bit flipped at FLIPPED_BODY_OFFSET, opened with
 * key servers 1 and 2 and read chunk by chunk. Resolves to `released` (plaintext bytes that came
 * out of the stream) and `error` (what the stream failed with, null if it did not).
 */
export async function openFlipped(kat) {
  const damaged = Uint8Array.from(kat.envelope);
  damaged[kat.header.length + FLIPPED_BODY_OFFSET] ^= 0x01;
  const body = damaged.subarray(kat.header.length);
  const dek = await rebuildDataKey(kat, [1, 2]);
  let released = 0;
  try {
    const reader = openBody({ dek, header: kat.header, readBody: async (from, to) => body.subarray(from, to), envelopeLength: damaged.length }).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { released, error: null };
      released += value.length;
    }
  } catch (error) {
    return { released, error };
  } finally {
    dek.fill(0);
  }
}
