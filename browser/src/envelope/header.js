// The envelope header (docs/FORMAT.md, section 1), read as strictly as crypto's EnvelopeHeader:
// magic, version, a length bounded before anything is allocated, every field in its one place and
// within its bounds, no trailing bytes, and a parse that re-encodes to exactly the bytes read. The
// exact bytes matter beyond the fields: they are the associated data of every body segment, so a
// header that parsed but differs in one bit still opens no body.
import { Reader, Writer, FormatError, concat, constantTimeEqual } from '../codec.js';
import { BODY_ALGORITHM, SEGMENT_SIZE, MAX_PLAINTEXT_LENGTH } from './body.js';

export { MAX_PLAINTEXT_LENGTH };

/** "CCHT": the first four bytes of every envelope. */
export const MAGIC = Uint8Array.of(0x43, 0x43, 0x48, 0x54);

/** The one envelope format version this build reads. */
export const VERSION = 1;

/** Magic (4), version (1), header body length (4). */
export const PREFIX_LENGTH = 9;

/** Largest encoded header a reader accepts; 32 full slots need under 6 KiB. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Largest n the format admits. */
export const MAX_SHARES = 32;

/** HPKE encapsulated key (32), ciphertext of the 32-byte share (32), tag (16). */
export const SEALED_SHARE_LENGTH = 80;

const DIGEST_LENGTH = 32;
const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Checks the first nine bytes of an envelope and returns the length of its whole header, so a
 * reader fetches exactly that many bytes next. Extra bytes after the ninth are ignored.
 * @param {Uint8Array} prefix
 * @returns {number} 9 + L
 */
export function headerLength(prefix) {
  if (!(prefix instanceof Uint8Array)) throw new TypeError('the header prefix must be a Uint8Array');
  if (prefix.length < PREFIX_LENGTH) {
    throw new FormatError(`envelope: ${prefix.length} bytes, too short for a header`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (prefix[i] !== MAGIC[i]) throw new FormatError('not a Cachet envelope (bad magic)');
  }
  const version = prefix[4];
  if (version !== VERSION) {
    throw new FormatError(`unknown envelope version ${version} (this build reads ${VERSION}); a newer Cachet SDK may read it`);
  }
  const bodyLength = new DataView(prefix.buffer, prefix.byteOffset + 5, 4).getUint32(0);
  if (bodyLength > MAX_HEADER_BYTES - PREFIX_LENGTH) {
    throw new FormatError(`envelope header claims ${bodyLength} bytes, more than the limit of ${MAX_HEADER_BYTES}`);
  }
  return PREFIX_LENGTH + bodyLength;
}

/**
 * Parses a complete header and nothing else.
 * @param {Uint8Array} bytes exactly the header, magic to last slot
 * @returns the header's fields, `encoded` (a copy of the bytes: the body's associated data) and `length`
 * @throws {FormatError} naming the rule broken
 */
export function parseHeader(bytes) {
  const total = headerLength(bytes);
  if (bytes.length !== total) {
    throw new FormatError(`envelope header: declared ${total - PREFIX_LENGTH} bytes after the prefix, ${bytes.length - PREFIX_LENGTH} given`);
  }
  const r = new Reader(bytes, 'envelope header');
  r.fixed(PREFIX_LENGTH);
  const ledgerId = name(r.string8(), 'ledger id');
  const policyId = r.fixed(DIGEST_LENGTH);
  const objectId = r.fixed(DIGEST_LENGTH);
  const threshold = r.u8();
  const shareCount = r.u8();
  checkThreshold(threshold, shareCount);
  const bodyAlgorithm = r.u8();
  if (bodyAlgorithm !== BODY_ALGORITHM) {
    throw new FormatError(`envelope header: unknown body algorithm ${bodyAlgorithm} (this build reads ${BODY_ALGORITHM})`);
  }
  const segmentSize = r.u32();
  if (segmentSize !== SEGMENT_SIZE) {
    throw new FormatError(`envelope header: body algorithm ${BODY_ALGORITHM} uses ${SEGMENT_SIZE}-byte segments, header says ${segmentSize}`);
  }
  const plaintextLength = r.u64();
  if (plaintextLength > BigInt(MAX_PLAINTEXT_LENGTH)) {
    throw new FormatError(`envelope header: plaintext length ${plaintextLength} exceeds 2^48`);
  }
  const commitment = r.fixed(DIGEST_LENGTH);
  const slots = [];
  const ids = new Set();
  for (let position = 1; position <= shareCount; position++) {
    const index = r.u8();
    if (index !== position) {
      throw new FormatError(`envelope header: slot ${position} carries index ${index}`);
    }
    const keyServerId = name(r.string8(), `slot ${position} key-server id`);
    if (ids.has(keyServerId)) {
      throw new FormatError(`envelope header: key server ${keyServerId} appears twice`);
    }
    ids.add(keyServerId);
    const keyFingerprint = r.fixed(DIGEST_LENGTH);
    const sealedShare = r.bytes8();
    if (sealedShare.length !== SEALED_SHARE_LENGTH) {
      throw new FormatError(`envelope header: slot ${position} sealed share is ${sealedShare.length} bytes, not ${SEALED_SHARE_LENGTH}`);
    }
    slots.push(Object.freeze({ index, keyServerId, keyFingerprint, sealedShare }));
  }
  r.end();
  const header = {
    version: VERSION,
    ledgerId,
    policyId,
    objectId,
    threshold,
    shareCount,
    bodyAlgorithm,
    segmentSize,
    plaintextLength: Number(plaintextLength),
    commitment,
    slots: Object.freeze(slots),
    encoded: Uint8Array.from(bytes),
    length: bytes.length,
  };
  // Every field has one encoding, so this holds by construction; checked as Java checks it, so a
  // future field with a second encoding cannot slip in unnoticed.
  const again = encodeHeader(header);
  if (!constantTimeEqual(again, bytes)) {
    throw new FormatError('envelope header is not in canonical form');
  }
  return Object.freeze(header);
}

/**
 * Encodes header fields as FORMAT.md lays them out: the inverse of parseHeader, used by it to
 * check canonical form and by tests to build hostile headers. Checks only what encoding needs.
 */
export function encodeHeader(fields) {
  const w = new Writer()
    .string8(fields.ledgerId)
    .fixed(fields.policyId)
    .fixed(fields.objectId)
    .u8(fields.threshold)
    .u8(fields.slots.length)
    .u8(fields.bodyAlgorithm ?? BODY_ALGORITHM)
    .u32(fields.segmentSize ?? SEGMENT_SIZE)
    .u64(fields.plaintextLength)
    .fixed(fields.commitment);
  for (const s of fields.slots) {
    w.u8(s.index).string8(s.keyServerId).fixed(s.keyFingerprint).bytes8(s.sealedShare);
  }
  const body = w.bytes();
  return concat(MAGIC, new Writer().u8(fields.version ?? VERSION).u32(body.length).bytes(), body);
}

function name(text, what) {
  if (!NAME.test(text)) {
    throw new FormatError(`envelope header: ${what} must be 1..64 characters of [A-Za-z0-9._:-], was '${text.slice(0, 70)}'`);
  }
  return text;
}

function checkThreshold(t, n) {
  if (n < 1 || n > MAX_SHARES) {
    throw new FormatError(`envelope header: share count ${n} is outside 1..${MAX_SHARES}`);
  }
  if (t < 1 || t > n) {
    throw new FormatError(`envelope header: threshold ${t} is outside 1..${n} (the share count)`);
  }
}
