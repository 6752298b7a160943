// The fetch_key answer as it arrives (FetchKeyResponse.java version 2, ItemResult.java) and its
// one receipt (Receipt.java version 3, ReceiptEntry.java): read strictly, and the receipt's signed
// bytes rebuilt exactly as the key server signed them (docs/FORMAT.md section 2).
import { FormatError, Writer, blake2b256 } from '../codec.js';
import { MAX_ITEMS } from './fetchKey.js';
import * as wire from './wire.js';

export const RESPONSE_VERSION = 2;
export const RECEIPT_VERSION = 3;

const RECEIPT_TAG = 'cachet/receipt/v3';
const RELEASED = 'released';
const DENIED = 'denied';

const RESPONSE_FIELDS = ['version', 'requestId', 'keyServerId', 'ledgerHeight', 'items', 'sealedShares', 'receipt'];
const ITEM_FIELDS = ['item', 'status', 'reason', 'message'];
const RECEIPT_FIELDS = [
  'version', 'keyServerId', 'requestId', 'requestDigest', 'requester', 'decidedAtMillis', 'entries',
  'sealedSharesDigest', 'signature',
];
const ENTRY_FIELDS = [
  'item', 'decision', 'reason', 'itemDigest', 'ledgerId', 'policyId', 'objectId', 'shareIndex', 'ledgerHeight',
  'ledgerTimeMillis', 'decisionBlockHash',
];

/** A version this build does not read is refused naming it (a document without one is version 1). */
function checkVersion(doc, expected, what, upgrade) {
  const declared = doc && typeof doc === 'object' && 'version' in doc ? doc.version : 1;
  if (declared !== expected) {
    throw new FormatError(
      `${what} format version ${JSON.stringify(declared)} is not supported; this build reads version ${expected}` +
        (typeof declared === 'number' && declared < expected ? `: upgrade the ${upgrade}` : ''),
    );
  }
}

/** Parses a fetch_key response document (text) strictly; throws FormatError naming what is wrong. */
export function parseFetchKeyResponse(text) {
  const doc = wire.parseDocument(text, 'fetch_key response');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new FormatError('fetch_key response must be a JSON object');
  }
  checkVersion(doc, RESPONSE_VERSION, 'fetch_key response', 'key server');
  wire.exactObject(doc, RESPONSE_FIELDS, 'fetch_key response');
  const items = wire.array(doc.items, 'items', 1, MAX_ITEMS).map((it, i) => parseItem(it, i));
  const anyReleased = items.some((r) => r.status === RELEASED);
  if (anyReleased !== (doc.sealedShares !== null)) {
    throw new FormatError(anyReleased ? 'released items need sealedShares' : 'sealedShares without a released item');
  }
  return {
    version: RESPONSE_VERSION,
    requestId: wire.requestId(doc.requestId, 'requestId'),
    keyServerId: wire.name(doc.keyServerId, 'keyServerId'),
    ledgerHeight: wire.integer(doc.ledgerHeight, 'ledgerHeight'),
    items,
    sealedShares: doc.sealedShares === null ? null : wire.bytes(doc.sealedShares, 'sealedShares'),
    receipt: parseReceipt(doc.receipt),
  };
}

function parseItem(value, i) {
  const it = wire.exactObject(value, ITEM_FIELDS, `items[${i}]`);
  if (wire.integer(it.item, `items[${i}].item`, 0, MAX_ITEMS - 1) !== i) {
    throw new FormatError('item results must be in request order');
  }
  if (it.status === RELEASED) {
    if (it.reason !== null || it.message !== null) throw new FormatError('a released item carries no reason');
    return { item: i, status: RELEASED, reason: null, message: null };
  }
  if (it.status === DENIED) {
    return {
      item: i,
      status: DENIED,
      reason: wire.text(it.reason, `items[${i}].reason`),
      message: wire.text(it.message, `items[${i}].message`),
    };
  }
  throw new FormatError(`items[${i}].status must be released or denied, was ${JSON.stringify(it.status)}`);
}

/** Parses a version 3 receipt object; its `signedBytes()` are the bytes the key server signed. */
export function parseReceipt(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError('receipt must be a JSON object');
  }
  checkVersion(value, RECEIPT_VERSION, 'receipt', 'key server');
  const r = wire.exactObject(value, RECEIPT_FIELDS, 'receipt');
  const entries = wire.array(r.entries, 'receipt.entries', 1, MAX_ITEMS).map((e, i) => parseEntry(e, i));
  return new Receipt({
    keyServerId: wire.name(r.keyServerId, 'receipt.keyServerId'),
    requestId: wire.requestId(r.requestId, 'receipt.requestId'),
    requestDigest: wire.bytes(r.requestDigest, 'receipt.requestDigest', 32),
    requester: wire.address(r.requester, 'receipt.requester'),
    decidedAtMillis: wire.integer(r.decidedAtMillis, 'receipt.decidedAtMillis'),
    entries,
    sealedSharesDigest: wire.bytes(r.sealedSharesDigest, 'receipt.sealedSharesDigest', 32),
    signature: wire.bytes(r.signature, 'receipt.signature'),
  });
}

function parseEntry(value, i) {
  const what = `receipt.entries[${i}]`;
  const e = wire.exactObject(value, ENTRY_FIELDS, what);
  if (wire.integer(e.item, `${what}.item`, 0, MAX_ITEMS - 1) !== i) {
    throw new FormatError('receipt entries must be one per item, in request order');
  }
  let reason = null;
  if (e.decision === RELEASED) {
    if (e.reason !== null) throw new FormatError(`${what}: a released entry carries no reason`);
  } else if (e.decision === DENIED) {
    reason = wire.name(e.reason, `${what}.reason`);
  } else {
    throw new FormatError(`${what}.decision must be released or denied`);
  }
  const blockHash = wire.bytes(e.decisionBlockHash, `${what}.decisionBlockHash`);
  if (blockHash.length !== 0 && blockHash.length !== 32) {
    throw new FormatError(`${what}.decisionBlockHash must be empty or 32 bytes`);
  }
  return {
    item: i,
    decision: e.decision,
    reason,
    itemDigest: wire.bytes(e.itemDigest, `${what}.itemDigest`, 32),
    ledgerId: wire.name(e.ledgerId, `${what}.ledgerId`),
    policyId: id32Field(e.policyId, `${what}.policyId`),
    objectId: id32Field(e.objectId, `${what}.objectId`),
    shareIndex: wire.integer(e.shareIndex, `${what}.shareIndex`, 1, 32),
    ledgerHeight: wire.integer(e.ledgerHeight, `${what}.ledgerHeight`),
    ledgerTimeMillis: wire.integer(e.ledgerTimeMillis, `${what}.ledgerTimeMillis`),
    decisionBlockHash: blockHash,
  };
}

function id32Field(value, what) {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{64}$/.test(value)) {
    throw new FormatError(`${what} must be 0x and 64 lower-case hex digits`);
  }
  return wire.address(value, what);
}

export class Receipt {
  constructor(f) {
    Object.assign(this, f);
    Object.freeze(this);
  }

  /** The digest a receipt signs for a response's sealed shares; none released digests the empty string. */
  static sealedSharesDigest(sealedShares) {
    return blake2b256(sealedShares ?? new Uint8Array(0));
  }

  signedBytes() {
    const w = Writer.tagged(RECEIPT_TAG)
      .string8(this.keyServerId)
      .string8(this.requestId)
      .fixed(this.requestDigest)
      .fixed(this.requester)
      .u64(this.decidedAtMillis)
      .fixed(this.sealedSharesDigest)
      .u8(this.entries.length);
    for (const e of this.entries) {
      w.u8(e.item)
        .u8(e.decision === RELEASED ? 1 : 2)
        .string8(e.reason ?? '')
        .fixed(e.itemDigest)
        .string8(e.ledgerId)
        .fixed(e.policyId)
        .fixed(e.objectId)
        .u8(e.shareIndex)
        .u64(e.ledgerHeight)
        .u64(e.ledgerTimeMillis)
        .bytes8(e.decisionBlockHash);
    }
    return w.bytes();
  }
}
