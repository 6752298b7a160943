// POST /v1/fetch_key, request format version 2 (FetchKeyRequest.java, FetchKeyItem.java,
// docs/FORMAT.md section 2): a batch of sealed shares for one key server, the session certificate,
// the ephemeral X25519 key the released shares are to be sealed to, a random request id, a
// timestamp and the lowest ledger height the reader needs decided, signed by the session key.
// The JSON is exactly what Java's strict reader takes: every field, nothing more.
import { Writer, base64Url, blake2b256, id32Text, toHex } from '../codec.js';

export const FETCH_KEY_VERSION = 2;

/** Most items one request may carry. */
export const MAX_ITEMS = 100;

/**
 * The longest request window any key server may accept (FetchKeyRequest.MAX_WINDOW); the client
 * keeps no window of its own and judges a receipt's decision time against this one.
 */
export const MAX_WINDOW_MILLIS = 30 * 60 * 1000;

const TAG = 'cachet/fetch-key/v2';

/**
 * One share asked for: its slot's context (the fields, and their canonical bytes, the HPKE info),
 * the fingerprint of the key the share was sealed to and the sealed share, as the header states them.
 */
export class FetchKeyItem {
  /**
   * @param {{formatVersion: number, ledgerId: string, policyId: Uint8Array, objectId: Uint8Array,
   *          threshold: number, shareCount: number, keyServerId: string, index: number}} context
   * @param {Uint8Array} contextInfo the share context's canonical bytes (shareContextInfo)
   */
  constructor(context, contextInfo, keyFingerprint, sealedShare) {
    if (keyFingerprint.length !== 32) throw new RangeError('keyFingerprint must be 32 bytes');
    if (sealedShare.length !== 80) throw new RangeError('sealedShare must be 80 bytes');
    this.context = Object.freeze({ ...context });
    this.contextInfo = contextInfo;
    this.keyFingerprint = keyFingerprint;
    this.sealedShare = sealedShare;
  }

  /** The item of one slot of a parsed header, given that slot's share context info. */
  static ofSlot(header, slot, contextInfo) {
    return new FetchKeyItem(
      {
        formatVersion: header.version,
        ledgerId: header.ledgerId,
        policyId: header.policyId,
        objectId: header.objectId,
        threshold: header.threshold,
        shareCount: header.shareCount,
        keyServerId: slot.keyServerId,
        index: slot.index,
      },
      contextInfo,
      slot.keyFingerprint,
      slot.sealedShare,
    );
  }

  /** bytes8(context info) || [32] key fingerprint || bytes8(sealed share). */
  signedBytes() {
    return new Writer().bytes8(this.contextInfo).fixed(this.keyFingerprint).bytes8(this.sealedShare).bytes();
  }

  /** BLAKE2b-256 of the signed bytes: how a receipt entry names this exact item. */
  digest() {
    return blake2b256(this.signedBytes());
  }

  toJSON() {
    const c = this.context;
    return {
      context: {
        formatVersion: c.formatVersion,
        ledgerId: c.ledgerId,
        policyId: id32Text(c.policyId),
        objectId: id32Text(c.objectId),
        threshold: c.threshold,
        shareCount: c.shareCount,
        keyServerId: c.keyServerId,
        index: c.index,
      },
      keyFingerprint: base64Url(this.keyFingerprint),
      sealedShare: base64Url(this.sealedShare),
    };
  }
}

export class FetchKeyRequest {
  constructor(f) {
    this.version = FETCH_KEY_VERSION;
    this.requestId = f.requestId;
    this.keyServerId = f.keyServerId;
    this.timestampMillis = f.timestampMillis;
    this.minLedgerHeight = f.minLedgerHeight;
    this.certificate = f.certificate;
    this.responseKey = f.responseKey;
    this.items = [...f.items];
    this.signature = f.signature ?? new Uint8Array(0);
    if (this.items.length < 1 || this.items.length > MAX_ITEMS) {
      throw new RangeError(`a request carries 1..${MAX_ITEMS} items, not ${this.items.length}`);
    }
    if (!Number.isSafeInteger(this.minLedgerHeight) || this.minLedgerHeight < 0) {
      throw new RangeError('minLedgerHeight must be a non-negative integer');
    }
    if (this.responseKey.length !== 32) throw new RangeError('responseKey must be a 32-byte X25519 key');
  }

  /**
   * Builds a request to `keyServerId` and signs it with the session key.
   * @param {import('./session.js').Session} session
   * @param {Uint8Array} responseKey the raw public key of a fresh X25519 key pair
   */
  static async create(session, keyServerId, responseKey, items, { minLedgerHeight = 0, now = Date.now() } = {}) {
    const unsigned = new FetchKeyRequest({
      requestId: newRequestId(),
      keyServerId,
      timestampMillis: now,
      minLedgerHeight,
      certificate: session.certificate,
      responseKey,
      items,
    });
    return new FetchKeyRequest({ ...unsigned, signature: await session.sign(unsigned.signedBytes()) });
  }

  signedBytes() {
    const w = Writer.tagged(TAG)
      .string8(this.requestId)
      .string8(this.keyServerId)
      .u64(this.timestampMillis)
      .u64(this.minLedgerHeight)
      .fixed(this.certificate.digest())
      .fixed(this.responseKey)
      .u8(this.items.length);
    for (const item of this.items) w.fixed(item.signedBytes());
    return w.bytes();
  }

  /** BLAKE2b-256 of the signed bytes: what a receipt signs to name this very request. */
  digest() {
    return blake2b256(this.signedBytes());
  }

  toJSON() {
    return {
      version: this.version,
      requestId: this.requestId,
      keyServerId: this.keyServerId,
      timestampMillis: this.timestampMillis,
      minLedgerHeight: this.minLedgerHeight,
      certificate: this.certificate.toJSON(),
      responseKey: base64Url(this.responseKey),
      items: this.items.map((i) => i.toJSON()),
      signature: base64Url(this.signature),
    };
  }
}

/** 16 random bytes as 32 lower-case hex digits. */
function newRequestId() {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}
