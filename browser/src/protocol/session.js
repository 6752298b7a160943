// A session: a fresh Ed25519 session key (non-extractable) that signs each fetch_key request, and
// the certificate in which the reader's identity vouches for it, for at most 30 minutes and only
// to the network's key servers (SessionCertificate.java, docs/FORMAT.md section 2). The identity
// signs once per session, not once per request.
//
// Two schemes (docs/FORMAT.md "Session certificates: two schemes"): a BrowserIdentity signs the
// certificate's canonical bytes with Ed25519; an Ethereum account (WalletIdentity, wallet.js) has
// its wallet sign the same fields as EIP-712 typed data, which the key servers check by recovering
// the signer. Both name the certificate to a request by the same kind of digest, BLAKE2b-256 over
// canonical fields and signature.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Writer, blake2b256, base64Url, concat, id32Text, toHex, utf8 } from '../codec.js';
import { CachetError } from '../errors.js';

/** Longest session a certificate may grant (SessionCertificate.MAX_TTL). */
export const MAX_TTL_SECONDS = 1800;

/** The session length the SDK asks for, as the Java client does (10 minutes). */
export const DEFAULT_TTL_SECONDS = 600;

/** Most key servers one certificate may name. */
const MAX_AUDIENCE = 32;

const TAG = 'cachet/session-certificate/v1';
const EIP712_TAG = 'cachet/session-certificate/eip712/v1';

/** The EIP-712 primary type, field by field, exactly as SessionTypedData.java writes it. */
export const SESSION_TYPES = 'CachetSession(address requester,bytes32 sessionKey,uint64 createdAtMillis,uint32 ttlSeconds,string audience)';
const DOMAIN_TYPES = 'EIP712Domain(string name,string version,uint256 chainId)';
const DOMAIN_NAME = 'Cachet';
const DOMAIN_VERSION = '1';
/** Key-server ids cannot contain a comma, so the joined audience reads back unambiguously. */
const AUDIENCE_SEPARATOR = ',';

function checkCommon(f) {
  if (!Number.isSafeInteger(f.ttlSeconds) || f.ttlSeconds < 1 || f.ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be 1..${MAX_TTL_SECONDS}, was ${f.ttlSeconds}`);
  }
  if (!Array.isArray(f.audience) || f.audience.length < 1 || f.audience.length > MAX_AUDIENCE) {
    throw new RangeError(`a session certificate names 1..${MAX_AUDIENCE} key servers`);
  }
  if (!Number.isSafeInteger(f.createdAtMillis) || f.createdAtMillis < 0) {
    throw new RangeError(`createdAtMillis must be a non-negative integer, was ${f.createdAtMillis}`);
  }
}

/**
 * What both schemes share: a session key, its life and its audience, checked once, and the digest
 * a request names the certificate by (BLAKE2b-256 of the canonical fields and the signature).
 */
class Certificate {
  constructor(scheme, f) {
    checkCommon(f);
    this.scheme = scheme;
    this.addressBytes = f.addressBytes;
    this.sessionKey = f.sessionKey;
    this.createdAtMillis = f.createdAtMillis;
    this.ttlSeconds = f.ttlSeconds;
    this.audience = [...f.audience];
    this.signature = f.signature ?? new Uint8Array(0);
  }

  /** Ends a scheme's canonical fields with the ones both sign alike: created-at, ttl, audience. */
  endWithLife(w) {
    w.u64(this.createdAtMillis).u32(this.ttlSeconds).u8(this.audience.length);
    for (const a of this.audience) w.string8(a);
    return w.bytes();
  }

  /** BLAKE2b-256(canonical fields || signature): how a request names this exact certificate. */
  digest() {
    return blake2b256(this.signedBytes(), this.signature);
  }

  get expiresAtMillis() {
    return this.createdAtMillis + this.ttlSeconds * 1000;
  }
}

/** An Ed25519 session certificate: its fields, signed bytes, digest and JSON. */
export class SessionCertificate extends Certificate {
  /**
   * @param {{addressBytes: Uint8Array, identityKey: Uint8Array, sessionKey: Uint8Array,
   *          createdAtMillis: number, ttlSeconds: number, audience: string[], signature?: Uint8Array}} f
   */
  constructor(f) {
    super('ed25519', f);
    this.identityKey = f.identityKey;
  }

  /** The bytes the identity signs; the certificate digest covers them and the signature. */
  signedBytes() {
    return this.endWithLife(Writer.tagged(TAG).fixed(this.addressBytes).fixed(this.identityKey).fixed(this.sessionKey));
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

/**
 * An EIP-712 certificate: an Ethereum account vouching for the session key on chain `chainId`. It
 * carries no identity key; the key servers recover the signer from the signature (65 bytes,
 * r ‖ s ‖ v) and require it to be `address`.
 */
export class Eip712SessionCertificate extends Certificate {
  /**
   * @param {{chainId: number, addressBytes: Uint8Array, sessionKey: Uint8Array, createdAtMillis: number,
   *          ttlSeconds: number, audience: string[], address: string, signature?: Uint8Array}} f
   *   `addressBytes` the 32-byte ABI word (12 zero bytes, then the 20); `address` its EIP-55 spelling
   */
  constructor(f) {
    if (!Number.isSafeInteger(f.chainId) || f.chainId < 1) {
      throw new RangeError(`an EIP-712 session certificate names a positive chain id, not ${f.chainId}`);
    }
    if (f.addressBytes.length !== 32 || f.addressBytes.subarray(0, 12).some((b) => b !== 0)) {
      throw new RangeError('an EIP-712 session certificate is for an EVM address (12 zero bytes, then 20)');
    }
    if (f.sessionKey.length !== 32) throw new RangeError('a session key is 32 bytes');
    super('eip712', f);
    this.chainId = f.chainId;
    this.address = f.address;
  }

  /** The canonical fields the certificate digest covers (not what the wallet signs: see typedData). */
  signedBytes() {
    return this.endWithLife(Writer.tagged(EIP712_TAG).u64(this.chainId).fixed(this.addressBytes).fixed(this.sessionKey));
  }

  /** The typed data as eth_signTypedData_v4 takes it, and as a wallet shows it to its owner. */
  typedData() {
    return {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
        ],
        CachetSession: [
          { name: 'requester', type: 'address' },
          { name: 'sessionKey', type: 'bytes32' },
          { name: 'createdAtMillis', type: 'uint64' },
          { name: 'ttlSeconds', type: 'uint32' },
          { name: 'audience', type: 'string' },
        ],
      },
      primaryType: 'CachetSession',
      domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: this.chainId },
      message: {
        requester: '0x' + toHex(this.addressBytes.subarray(12)),
        sessionKey: '0x' + toHex(this.sessionKey),
        createdAtMillis: this.createdAtMillis,
        ttlSeconds: this.ttlSeconds,
        audience: this.audience.join(AUDIENCE_SEPARATOR),
      },
    };
  }

  /**
   * The 32 bytes the wallet's secp256k1 signature covers, written out as docs/FORMAT.md gives them,
   * so the SDK knows what it asked a wallet to sign without trusting the wallet's encoder.
   */
  typedDataDigest() {
    const domainSeparator = keccak_256(
      concat(keccak_256(utf8(DOMAIN_TYPES)), keccak_256(utf8(DOMAIN_NAME)), keccak_256(utf8(DOMAIN_VERSION)), word(this.chainId)),
    );
    const hashStruct = keccak_256(
      concat(
        keccak_256(utf8(SESSION_TYPES)),
        this.addressBytes,
        this.sessionKey,
        word(this.createdAtMillis),
        word(this.ttlSeconds),
        keccak_256(utf8(this.audience.join(AUDIENCE_SEPARATOR))),
      ),
    );
    return keccak_256(concat(Uint8Array.of(0x19, 0x01), domainSeparator, hashStruct));
  }

  /** The JSON a key server reads, fields in Java's order. */
  toJSON() {
    return {
      scheme: this.scheme,
      chainId: this.chainId,
      address: this.address,
      sessionKey: base64Url(this.sessionKey),
      createdAtMillis: this.createdAtMillis,
      ttlSeconds: this.ttlSeconds,
      audience: this.audience,
      signature: base64Url(this.signature),
    };
  }
}

/** A non-negative safe integer as a 32-byte big-endian ABI word. */
function word(n) {
  const out = new Uint8Array(32);
  let v = BigInt(n);
  for (let i = 31; v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
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
   * A new session of `signer` for the key servers `audience`. Its start is taken just before the
   * identity signs, and checked again once it has: a wallet's prompt can wait on its owner for most
   * of the session's life, and the wallet signs the start, so it cannot be moved after the prompt.
   * @param {object} signer a BrowserIdentity (scheme 'ed25519'), or a WalletIdentity (scheme 'eip712')
   *   whose `certify(fields)` has its wallet sign the typed data and returns the checked certificate
   * @param {{ttlSeconds?: number, now?: number, clock?: () => number}} [options] `now` fixes the
   *   start (no freshness check then: the caller chose the time); `clock` reads the time otherwise
   * @throws CachetError SESSION_STALE when less than a fifth of the session is left once signed
   */
  static async create(signer, audience, { ttlSeconds = DEFAULT_TTL_SECONDS, now, clock = Date.now } = {}) {
    if (signer.scheme !== 'ed25519' && signer.scheme !== 'eip712') {
      throw new TypeError(`session certificates of scheme ${signer.scheme} are not known; only ed25519 and eip712`);
    }
    const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    const sessionKey = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
    const fields = { sessionKey, createdAtMillis: now ?? clock(), ttlSeconds, audience };
    const certificate = signer.scheme === 'ed25519' ? await certifyEd25519(signer, fields) : await signer.certify(fields);
    const session = new Session(keyPair, certificate);
    if (now === undefined) session.checkFresh(clock());
    return session;
  }

  /**
   * Refuses a session with less than a fifth of its life left at `now`: the key servers would
   * answer SESSION_EXPIRED before long. Not retried, so a slow wallet owner is not prompted in a loop.
   * @throws CachetError SESSION_STALE
   */
  checkFresh(now = Date.now()) {
    if (this.isFresh(now)) return;
    const left = Math.max(0, Math.round((this.certificate.expiresAtMillis - now) / 1000));
    throw new CachetError(
      'SESSION_STALE',
      `the session was signed with ${left} of its ${this.certificate.ttlSeconds} s left: the signature took ` +
        'too long (a wallet prompt left waiting?). Open again and sign the new prompt promptly.',
    );
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
