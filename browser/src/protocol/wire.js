// Strict reading of the protocol's JSON, as crypto's Json reads it: an object must have exactly its
// fields (unknown and missing ones are refused), numbers are integers in range, byte strings are
// canonical base64url. What a key server sends is read only through these, so a field the check
// does not know cannot slip past it.
import { FormatError, fromBase64Url } from '../codec.js';

/** Largest protocol document read (crypto's Json.MAX_DOCUMENT_BYTES). */
export const MAX_DOCUMENT_BYTES = 1 << 20;

/** Names: 1 to 64 characters of [A-Za-z0-9._:-] (docs/FORMAT.md). */
const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

export function parseDocument(text, what) {
  if (text.length > MAX_DOCUMENT_BYTES) {
    throw new FormatError(`${what}: document of ${text.length} characters exceeds the limit of ${MAX_DOCUMENT_BYTES}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${what}: not JSON (${e.message})`);
  }
}

/** Checks `value` is an object with exactly `names` as its fields; returns it. */
export function exactObject(value, names, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError(`${what} must be a JSON object`);
  }
  const keys = Object.keys(value);
  for (const k of keys) {
    if (!names.includes(k)) throw new FormatError(`${what} has an unknown field "${k}"`);
  }
  for (const n of names) {
    if (!(n in value)) throw new FormatError(`${what} lacks the field "${n}"`);
  }
  return value;
}

/** An integer within [min, max] (at most 2^53 - 1: a larger u64 cannot be read exactly here). */
export function integer(value, what, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new FormatError(`${what} must be an integer in ${min}..${max}, was ${JSON.stringify(value)}`);
  }
  return value;
}

export function text(value, what) {
  if (typeof value !== 'string') throw new FormatError(`${what} must be a string`);
  return value;
}

export function name(value, what) {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new FormatError(`${what} must be 1 to 64 characters of [A-Za-z0-9._:-]`);
  }
  return value;
}

export function array(value, what, min, max) {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw new FormatError(`${what} must be an array of ${min}..${max} entries`);
  }
  return value;
}

/** Canonical base64url; `length` when the field has a fixed size. */
export function bytes(value, what, length) {
  const out = fromBase64Url(text(value, what), what);
  if (length !== undefined && out.length !== length) {
    throw new FormatError(`${what} must be ${length} bytes, was ${out.length}`);
  }
  return out;
}

/** A request id: 32 lower-case hex digits (FetchKeyRequest.checkRequestId). */
export function requestId(value, what) {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value)) {
    throw new FormatError(`${what} must be 32 lower-case hex digits`);
  }
  return value;
}

/**
 * An address as the 32 bytes signatures cover: `0x` + 64 lower-case hex digits, or an EVM address
 * (`0x` + 40 hex digits) as its ABI word, 12 zero bytes then the 20.
 */
export function address(value, what) {
  const t = text(value, what);
  if (/^0x[0-9a-f]{64}$/.test(t)) return hexBytes(t.slice(2));
  if (/^0x[0-9a-fA-F]{40}$/.test(t)) {
    const out = new Uint8Array(32);
    out.set(hexBytes(t.slice(2).toLowerCase()), 12);
    return out;
  }
  throw new FormatError(`${what} must be an address (0x and 64 lower-case hex digits, or an EVM address)`);
}

function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
