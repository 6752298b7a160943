// The last hop of the shares (ShareRelease.java, share-release format 2, docs/FORMAT.md section 1):
// a key server seals every share it releases in one response together, once, with HPKE to the
// request's ephemeral X25519 key. The info binds the request id and each released item's number
// and share context, so the shares open only as the answer to exactly these items of this request.
//
//   info      = tag("cachet/share-release/v2") || string8 request id || u8 r
//               || r x (u8 item || bytes8(share context info))
//   plaintext = u8 r || r x (u8 item || u8 share index || [32] share bytes)
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { Writer } from '../codec.js';
import { ProtocolError } from '../errors.js';

export const BAD_SHARE = 'BAD_SHARE';

const TAG = 'cachet/share-release/v2';
const SHARE_BYTES = 32;
const ENTRY_BYTES = 2 + SHARE_BYTES;
const ENC_BYTES = 32;

/** HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the suite of every seal. */
export const hpkeSuite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

/**
 * @param {string} requestId
 * @param {{item: number, contextInfo: Uint8Array}[]} released in request order
 */
export function releaseInfo(requestId, released) {
  const w = Writer.tagged(TAG).string8(requestId).u8(released.length);
  for (const r of released) w.u8(r.item).bytes8(r.contextInfo);
  return w.bytes();
}

/**
 * Opens `sealedShares` with the request's ephemeral key pair as the answer to exactly `released`
 * (each {item, contextInfo, index}); returns one {item, index, bytes} per released item, in order.
 * The caller zeroes each share's bytes once used; the plaintext is zeroed here.
 * @throws {ProtocolError} BAD_SHARE if they do not open, or open to anything else
 */
export async function openReleasedShares(sealedShares, requestId, released, responseKeyPair, serverId) {
  if (released.length === 0) throw new RangeError('no released items to open');
  let plain;
  try {
    if (sealedShares.length <= ENC_BYTES) throw new Error('too short');
    const recipient = await hpkeSuite.createRecipientContext({
      recipientKey: responseKeyPair,
      enc: sealedShares.slice(0, ENC_BYTES),
      info: releaseInfo(requestId, released),
    });
    plain = new Uint8Array(await recipient.open(sealedShares.slice(ENC_BYTES)));
  } catch (e) {
    throw new ProtocolError(
      BAD_SHARE,
      `the shares released by ${serverId} do not open for request ${requestId} and its ${released.length} released item(s)`,
      { cause: e },
    );
  }
  try {
    return parsePlaintext(plain, released, requestId, serverId);
  } finally {
    plain.fill(0);
  }
}

function parsePlaintext(plain, released, requestId, serverId) {
  if (plain.length !== 1 + ENTRY_BYTES * released.length || plain[0] !== released.length) {
    throw new ProtocolError(BAD_SHARE, `the shares released by ${serverId} for request ${requestId} are not ${released.length} share(s)`);
  }
  const shares = [];
  for (let k = 0; k < released.length; k++) {
    const at = 1 + k * ENTRY_BYTES;
    const item = plain[at];
    const index = plain[at + 1];
    if (item !== released[k].item || index !== released[k].index) {
      for (const s of shares) s.bytes.fill(0);
      throw new ProtocolError(
        BAD_SHARE,
        `the share released by ${serverId} in place ${k} is for item ${item} and slot ${index}, ` +
          `not item ${released[k].item} and slot ${released[k].index}`,
      );
    }
    shares.push({ item, index, bytes: plain.slice(at + 2, at + ENTRY_BYTES) });
  }
  return shares;
}
