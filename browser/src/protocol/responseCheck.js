// The reader's side of a fetch_key answer (ResponseCheck.java): holds a response against the
// request it answers and its receipt, and only then opens the released shares. Checks, in this
// order, each refusing the whole response (no share of it is ever handed out):
//
//  1. the response is for this request and the server asked, with one result per item
//     (WRONG_RESPONSE);
//  2. the receipt verifies under the server's pinned key and signs the digest of the sealed shares
//     received; it is for this request (its id and the digest of its signed bytes), requester and
//     server; it was decided within the window around the request's timestamp; it has one entry
//     per item, in order, each naming that item (digest, ledger, policy, object, share index),
//     decided at a height no lower than the request's minimum, stating the decision the response
//     states, status and reason (BAD_RECEIPT);
//  3. the sealed shares open under this request's ephemeral key and the released items' contexts,
//     to one share per released item, each for its item's slot (BAD_SHARE).
//
// A denial's message is not signed: it is the server's own words, to show, never to decide on.
import { constantTimeEqual } from '../codec.js';
import { ProtocolError } from '../errors.js';
import { MAX_WINDOW_MILLIS } from './fetchKey.js';
import { Receipt } from './receipt.js';
import { openReleasedShares } from './shareRelease.js';
import { verifyEd25519 } from './signatures.js';

export const WRONG_RESPONSE = 'WRONG_RESPONSE';
export const BAD_RECEIPT = 'BAD_RECEIPT';

/** How much later than the window a receipt may be stamped (ResponseCheck.MAX_DECISION_DELAY). */
export const MAX_DECISION_DELAY_MILLIS = 2 * 60 * 1000;

/**
 * Checks `response` in full as the answer of the server holding `serverKey` to `request`, made by
 * the reader whose address bytes are `requester` with the ephemeral `responseKeyPair`.
 * @returns {Promise<{result: object, share: {index: number, bytes: Uint8Array} | null}[]>} one per
 *   requested item, in request order; the caller zeroes each share's bytes once used
 * @throws {ProtocolError} WRONG_RESPONSE, BAD_RECEIPT or BAD_SHARE
 */
export async function checkResponse(request, response, serverKey, requester, responseKeyPair, windowMillis = MAX_WINDOW_MILLIS) {
  const server = request.keyServerId;
  const asked = request.items;
  const results = response.items;
  if (response.requestId !== request.requestId || response.keyServerId !== server || results.length !== asked.length) {
    throw new ProtocolError(
      WRONG_RESPONSE,
      `the answer of ${server} is not for request ${request.requestId} and its ${asked.length} item(s)`,
    );
  }
  const receipt = response.receipt;
  if (!(await verifyEd25519(serverKey, receipt.signature, receipt.signedBytes()))) {
    throw badReceipt(`the receipt of ${server} does not verify under its pinned key`);
  }
  if (!constantTimeEqual(Receipt.sealedSharesDigest(response.sealedShares), receipt.sealedSharesDigest)) {
    throw badReceipt(`the receipt of ${server} is for other sealed shares than those received`);
  }
  if (receipt.keyServerId !== server || receipt.requestId !== request.requestId || !constantTimeEqual(receipt.requester, requester)) {
    throw badReceipt(`the receipt of ${server} is for another request, requester or key server`);
  }
  if (!constantTimeEqual(receipt.requestDigest, request.digest())) {
    throw badReceipt(
      `the receipt of ${server} is for another request with the id ${request.requestId} ` +
        '(its signed bytes differ: response key, certificate, timestamp, height or items)',
    );
  }
  const stamped = request.timestampMillis;
  const decided = receipt.decidedAtMillis;
  if (decided < stamped - windowMillis || decided > stamped + windowMillis + MAX_DECISION_DELAY_MILLIS) {
    throw badReceipt(
      `the receipt of ${server} was decided at ${new Date(decided).toISOString()}, outside the window of ` +
        `${windowMillis / 1000} s around the request's timestamp ${new Date(stamped).toISOString()}`,
    );
  }
  if (receipt.entries.length !== asked.length) {
    throw badReceipt(`the receipt of ${server} covers ${receipt.entries.length} item(s); the request asked for ${asked.length}`);
  }
  const released = [];
  for (let i = 0; i < asked.length; i++) {
    const entry = receipt.entries[i];
    if (!names(entry, i, asked[i])) {
      throw badReceipt(`the receipt of ${server} names another item in place ${i} (digest, ledger, policy, object or share index)`);
    }
    if (entry.ledgerHeight < request.minLedgerHeight) {
      throw badReceipt(
        `the receipt of ${server} decided item ${i} at ledger height ${entry.ledgerHeight}, below the height ` +
          `${request.minLedgerHeight} the request needs decided`,
      );
    }
    const result = results[i];
    if (entry.item !== result.item || entry.decision !== result.status || entry.reason !== result.reason) {
      throw badReceipt(`the receipt of ${server} signs another decision for item ${i} than the response states`);
    }
    if (entry.decision === 'released') {
      released.push({ item: i, contextInfo: asked[i].contextInfo, index: asked[i].context.index });
    }
  }
  const shares =
    released.length === 0
      ? []
      : await openReleasedShares(response.sealedShares, request.requestId, released, responseKeyPair, server);
  let k = 0;
  return results.map((result) => ({
    result,
    share: result.status === 'released' ? { index: shares[k].index, bytes: shares[k++].bytes } : null,
  }));
}

/** Whether a receipt entry names exactly `item` as item `index` of its request. */
function names(entry, index, item) {
  const c = item.context;
  return (
    entry.item === index &&
    constantTimeEqual(entry.itemDigest, item.digest()) &&
    entry.ledgerId === c.ledgerId &&
    constantTimeEqual(entry.policyId, c.policyId) &&
    constantTimeEqual(entry.objectId, c.objectId) &&
    entry.shareIndex === c.index
  );
}

function badReceipt(message) {
  return new ProtocolError(BAD_RECEIPT, message);
}
