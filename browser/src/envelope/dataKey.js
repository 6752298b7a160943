// The data key (DEK) from its shares, and the check that it is the key the header committed to
// (docs/FORMAT.md, "The data key, its shares and its commitment"; crypto's Shamir and
// DekCommitment). Interpolation is shamir-secret-sharing's: the same field as Bouncy Castle's
// ShamirSecretSplitter (GF(2^8) with the AES polynomial), its shares laid out as the y bytes then
// one x byte, where Cachet's share bytes leave x to the slot index.
//
// Consistency: with more than t shares, every share must lie on one polynomial. For each share
// beyond the first t, the key is rebuilt from the first t-1 plus that one; a point off the
// polynomial through the first t changes the constant term (the two interpolants differ by
// c * prod(x - x_i) with c != 0 and no x_i = 0), so any disagreement shows. As crypto's Shamir.
import { combine } from 'shamir-secret-sharing';
import { blake2b } from '@noble/hashes/blake2.js';
import { constantTimeEqual, utf8 } from '../codec.js';
import { InconsistentSharesError, InsufficientSharesError, CommitmentMismatchError } from './errors.js';
import { MAX_SHARES } from './header.js';

/** Bytes of the DEK and of every share. */
export const DEK_LENGTH = 32;

// Java hashes the tag's ASCII bytes without a length byte (DekCommitment.TAG); the known answer
// in crypto's KnownAnswerTest pins it so.
const COMMITMENT_TAG = utf8('cachet/dek-commitment/v1');

/**
 * Rebuilds the DEK from at least `threshold` shares with distinct indices in 1..shareCount,
 * checking that all given lie on one polynomial. The caller zeroes the returned key once used;
 * the share bytes passed in are left as they are.
 * @param {{index: number, bytes: Uint8Array}[]} shares
 * @returns {Promise<Uint8Array>} the 32-byte DEK
 * @throws {InsufficientSharesError|InconsistentSharesError}
 */
export async function combineShares(shares, threshold, shareCount) {
  if (!Number.isInteger(shareCount) || shareCount < 1 || shareCount > MAX_SHARES) {
    throw new RangeError(`share count must be 1..${MAX_SHARES}, was ${shareCount}`);
  }
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > shareCount) {
    throw new RangeError(`threshold must be 1..${shareCount}, was ${threshold}`);
  }
  const byIndex = new Map();
  for (const share of shares) {
    const { index, bytes } = share;
    if (!Number.isInteger(index) || index < 1 || index > shareCount) {
      throw new RangeError(`share index must be 1..${shareCount}, was ${index}`);
    }
    if (!(bytes instanceof Uint8Array) || bytes.length !== DEK_LENGTH) {
      throw new RangeError(`share ${index} must be ${DEK_LENGTH} bytes`);
    }
    const prior = byIndex.get(index);
    if (prior !== undefined) {
      if (!constantTimeEqual(prior.bytes, bytes)) {
        throw new InconsistentSharesError(`two different shares for index ${index}: a key server sent a damaged or false share`);
      }
      continue;
    }
    byIndex.set(index, share);
  }
  if (byIndex.size < threshold) {
    throw new InsufficientSharesError(`need ${threshold} distinct shares to rebuild the key, have ${byIndex.size}`);
  }
  const ordered = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const first = ordered.slice(0, threshold);
  const key = await interpolate(first);
  for (const extra of ordered.slice(threshold)) {
    const again = await interpolate([...first.slice(0, threshold - 1), extra]);
    const same = constantTimeEqual(key, again);
    again.fill(0);
    if (!same) {
      key.fill(0);
      throw new InconsistentSharesError(`share ${extra.index} does not lie on the polynomial of shares `
        + `${first.map((s) => s.index).join(', ')}: a key server sent a damaged or false share`);
    }
  }
  return key;
}

/** The polynomial's value at 0 through the given points, as many as its degree plus one. */
async function interpolate(points) {
  // A polynomial of degree 0 is its constant: with t = 1 every share is the key itself. The
  // library needs two points at least, and there is nothing to interpolate.
  if (points.length === 1) return Uint8Array.from(points[0].bytes);
  const laidOut = points.map(({ index, bytes }) => {
    const s = new Uint8Array(DEK_LENGTH + 1);
    s.set(bytes);
    s[DEK_LENGTH] = index;
    return s;
  });
  try {
    return await combine(laidOut);
  } finally {
    for (const s of laidOut) s.fill(0);
  }
}

/**
 * Checks a rebuilt key against the header's commitment, BLAKE2b-256("cachet/dek-commitment/v1"
 * || object id || DEK), in constant time, before anything is decrypted with it: AES-GCM does not
 * commit to its key, so without this an encryptor could give two readers two keys that decrypt
 * one body to two plaintexts.
 * @throws {CommitmentMismatchError}
 */
export function checkCommitment(header, dek) {
  if (!(dek instanceof Uint8Array) || dek.length !== DEK_LENGTH) {
    throw new RangeError(`a data key is ${DEK_LENGTH} bytes`);
  }
  // Hashed in parts rather than through codec's blake2b256, which would leave a copy of the key
  // in a concatenation buffer nobody zeroes.
  const computed = blake2b.create({ dkLen: 32 }).update(COMMITMENT_TAG).update(header.objectId).update(dek).digest();
  if (!constantTimeEqual(computed, header.commitment)) {
    throw new CommitmentMismatchError('the data key rebuilt from the key servers\' shares does not match the '
      + 'envelope\'s commitment: the envelope was made to mislead, or a share was damaged; do not trust this file');
  }
}
