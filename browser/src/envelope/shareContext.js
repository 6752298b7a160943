// What a sealed share is bound to (docs/FORMAT.md, "Share context"; crypto's ShareContext): its
// bytes are the HPKE info the share was sealed under, so a share opens only for the exact ledger,
// policy, object, threshold, key server and slot of this header. The SDK sends them to key
// servers in fetch_key items and rebuilds them to check what comes back.
import { Writer } from '../codec.js';
import { VERSION } from './header.js';

const TAG = 'cachet/share/v1';

/**
 * @param header a header from parseHeader
 * @param slot one of header.slots, or its index (1..n)
 * @returns {Uint8Array} tag("cachet/share/v1") || u8 1 || string8 ledger id || [32] policy
 *   || [32] object || u8 t || u8 n || string8 key-server id || u8 index
 */
export function shareContextInfo(header, slot) {
  const index = typeof slot === 'number' ? slot : slot?.index;
  const own = Number.isInteger(index) ? header.slots[index - 1] : undefined;
  if (own === undefined || (typeof slot !== 'number' && own.keyServerId !== slot.keyServerId)) {
    throw new RangeError(`no such slot in this header: ${typeof slot === 'number' ? slot : slot?.keyServerId}`);
  }
  return Writer.tagged(TAG)
    .u8(VERSION)
    .string8(header.ledgerId)
    .fixed(header.policyId)
    .fixed(header.objectId)
    .u8(header.threshold)
    .u8(header.shareCount)
    .string8(own.keyServerId)
    .u8(own.index)
    .bytes();
}
