// A session: a fresh Ed25519 session key (non-extractable) that signs each fetch_key request, and
// the certificate in which the reader's identity vouches for it, for at most 30 minutes and only
// to the network's key servers (SessionCertificate.java, docs/FORMAT.md section 2). The identity
// signs once per session, not once per request.
//
// The certificate's signer is a seam: anything with `scheme`, `addressBytes`, `address` and
// `certify(fields)` may sign. BrowserIdentity certifies with Ed25519; an injected EVM wallet would
// certify as EIP-712 typed data (scheme 'eip712', not built yet).
import { Writer, blake2b256, base64Url, id32Text } from '../codec.js';

/** Longest session a certificate may grant (SessionCertificate.MAX_TTL). */
export const MAX_TTL_SECONDS = 1800;

/** The session length the SDK asks for, as the Java client does (10 minutes). */
export const DEFAULT_TTL_SECONDS = 600;

/** Most key servers one certificate may name. */
const MAX_AUDIENCE = 32;

const TAG = 'cachet/session-certificate/v1';

/** An Ed25519 session certificate: its fields, signed bytes, digest and JSON. */
export class SessionCertificate {
  /**
   * @param {{addressBytes: Uint8Array, identityKey: Uint8Array, sessionKey: Uint8Array,
   *          createdAtMillis: number, ttlSeconds: number, audience: string[], signature?: Uint8Array}} f
   */
  constructor(f) {
    if (!Number.isSafeInteger(f.ttlSeconds) || f.ttlSeconds < 1 || f.ttlSeconds > MAX_TTL_SECONDS) {
      throw new RangeError(`ttlSeconds must be 1..${MAX_TTL_SECONDS}, was ${f.ttlSeconds}`);
    }
    if (!Array.isArray(f.audience) || f.audience.length < 1 || f.audience.length > MAX_AUDIENCE) {
      throw new RangeError(`a session certificate names 1..${MAX_AUDIENCE} key servers`);
    }
    this.scheme = 'ed25519';
    this.addressBytes = f.addressBytes;
    this.identityKey = f.identityKey;
    this.sessionKey = f.sessionKey;
    this.createdAtMillis = f.createdAtMillis;
    this.ttlSeconds = f.ttlSeconds;
    this.audience = [...f.audience];
    this.signature = f.signature ?? new Uint8Array(0);
  }

  /** The bytes the identity signs; the certificate digest covers them and the signature. */
  signedBytes() {
    const w = Writer.tagged(TAG)
      .fixed(this.addressBytes)
      .fixed(this.identityKey)
      .fixed(this.sessionKey)
      .u64(this.createdAtMillis)
      .u32(this.ttlSeconds)
      .u8(this.audience.length);
    for (const a of this.audience) w.string8(a);
    return w.bytes();
  }

  /** BLAKE2b-256(signed bytes || signature): how a request names this exact certificate. */
  digest() {
    return blake2b256(this.signedBytes(), this.signature);
  }

  get expiresAtMillis() {
    return this.createdAtMillis + this.ttlSeconds * 1000;
  }

  /** The JSON a key server reads: an Ed25519 certificate has no `scheme` field. */
  toJSON() {
    return {
      address: id32Text(this.addressBytes),
      identityKey: base64Url(this.identityKey),
      sessionKey: base64Url(this.sessionKey),
      createdAtMillis: this.createdAtMillis,
      ttlSeconds: this.ttlSeconds,
      audience: this.audience,
      signature: base64Url(this.signature),
    };
  }
}

/** Signs an Ed25519 certificate for `sessionKey` with a BrowserIdentity (its Ed25519 scheme). */
async function certifyEd25519(identity, { sessionKey, createdAtMillis, ttlSeconds, audience }) {
  const unsigned = new SessionCertificate({
    addressBytes: identity.addressBytes,
    identityKey: identity.publicKey,
    sessionKey,
    createdAtMillis,
    ttlSeconds,
    audience,
  });
  return new SessionCertificate({ ...unsigned, signature: await identity.sign(unsigned.signedBytes()) });
}

export class Session {
  #keyPair;

  constructor(keyPair, certificate) {
    this.#keyPair = keyPair;
    this.certificate = certificate;
    Object.freeze(this);
  }

  /**
   * A new session of `signer` for the key servers `audience`, starting `now`.
   * @param {object} signer a BrowserIdentity (Ed25519), or later a wallet signer of scheme 'eip712'
   */
  static async create(signer, audience, { ttlSeconds = DEFAULT_TTL_SECONDS, now = Date.now() } = {}) {
    if (signer.scheme !== 'ed25519') {
      throw new TypeError(`session certificates of scheme ${signer.scheme} are not built yet; only ed25519`);
    }
    const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const sessionKey = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
    const certificate = await certifyEd25519(signer, { sessionKey, createdAtMillis: now, ttlSeconds, audience });
    return new Session(keyPair, certificate);
  }

  /** Whether at least a fifth of the session's life is left at `now` (else the Java client makes a new one). */
  isFresh(now = Date.now()) {
    return now + (this.certificate.ttlSeconds * 1000) / 5 <= this.certificate.expiresAtMillis;
  }

  /** The session key's signature over `bytes`. */
  async sign(bytes) {
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, this.#keyPair.privateKey, bytes));
  }
}
