// Cachet's canonical binary encoding (docs/FORMAT.md, "Conventions"), the one place the browser
// SDK reads and writes it: big-endian integers, byte strings preceded by their length, and tags
// that start every signed or hashed encoding. Mirrors crypto's CanonicalWriter/CanonicalReader, so
// what the browser signs or hashes is byte for byte what Java rebuilds from the same fields.
import { blake2b } from '@noble/hashes/blake2.js';

/** A format rule broken by bytes read from outside: named, so a person can tell what was wrong. */
export class FormatError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FormatError';
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text) {
  return encoder.encode(text);
}

export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** BLAKE2b with a 32-byte output, unkeyed: every digest in Cachet's formats. */
export function blake2b256(...parts) {
  return blake2b(concat(...parts), { dkLen: 32 });
}

/** Compares without stopping at the first difference, so timing tells nothing about where two values differ. */
export function constantTimeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(text, what = 'hex') {
  const hex = text.startsWith('0x') ? text.slice(2) : text;
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new FormatError(`${what} is not hex: ${text.slice(0, 20)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A 32-byte identifier printed as Cachet prints it: 0x and 64 lower-case hex digits. */
export function id32Text(bytes) {
  return '0x' + toHex(bytes);
}

export function id32(text, what) {
  if (!/^0x[0-9a-f]{64}$/.test(text)) {
    throw new FormatError(`${what} must be 0x and 64 lower-case hex digits, was ${String(text).slice(0, 70)}`);
  }
  return fromHex(text, what);
}

/** URL-safe base64 without padding: every byte string in Cachet's JSON. */
export function base64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text, what = 'base64url') {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new FormatError(`${what} is not URL-safe base64 without padding`);
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (base64Url(out) !== text) {
    throw new FormatError(`${what} is not canonical base64url`);
  }
  return out;
}

/** Builds one canonical encoding; each method checks its range as Java's CanonicalWriter does. */
export class Writer {
  #parts = [];

  static tagged(tag) {
    return new Writer().string8(tag);
  }

  u8(v) {
    checkRange(v, 0xff, 'u8');
    this.#parts.push(Uint8Array.of(v));
    return this;
  }

  u16(v) {
    checkRange(v, 0xffff, 'u16');
    this.#parts.push(Uint8Array.of(v >>> 8, v & 0xff));
    return this;
  }

  u32(v) {
    checkRange(v, 0xffffffff, 'u32');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.#parts.push(b);
    return this;
  }

  /** A u64 from a non-negative safe integer or a BigInt. */
  u64(v) {
    const big = BigInt(v);
    if (big < 0n || big > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${v}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, big);
    this.#parts.push(b);
    return this;
  }

  fixed(bytes) {
    this.#parts.push(Uint8Array.from(bytes));
    return this;
  }

  bytes8(bytes) {
    if (bytes.length > 255) throw new RangeError(`bytes8 longer than 255: ${bytes.length}`);
    return this.u8(bytes.length).fixed(bytes);
  }

  string8(text) {
    return this.bytes8(utf8(text));
  }

  bytes() {
    return concat(...this.#parts);
  }
}

function checkRange(v, max, what) {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

/** Reads one canonical encoding; every read past the end, and malformed UTF-8, is a FormatError. */
export class Reader {
  #bytes;
  #at = 0;
  #what;

  constructor(bytes, what = 'encoding') {
    this.#bytes = bytes;
    this.#what = what;
  }

  get offset() {
    return this.#at;
  }

  get remaining() {
    return this.#bytes.length - this.#at;
  }

  #take(n) {
    if (n > this.remaining) {
      throw new FormatError(`${this.#what} ends early: needed ${n} bytes at offset ${this.#at}, ${this.remaining} left`);
    }
    const out = this.#bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  u8() {
    return this.#take(1)[0];
  }

  u16() {
    const b = this.#take(2);
    return (b[0] << 8) | b[1];
  }

  u32() {
    const b = this.#take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  /** A u64 as a BigInt: lengths and times are checked against their own bounds by the caller. */
  u64() {
    const b = this.#take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  fixed(n) {
    return Uint8Array.from(this.#take(n));
  }

  bytes8() {
    return this.fixed(this.u8());
  }

  string8() {
    const raw = this.#take(this.u8());
    try {
      return strictDecoder.decode(raw);
    } catch {
      throw new FormatError(`${this.#what} holds malformed UTF-8 at offset ${this.#at - raw.length}`);
    }
  }

  /** Refuses trailing bytes: every Cachet encoding ends exactly at its last field. */
  end() {
    if (this.remaining !== 0) {
      throw new FormatError(`${this.#what} has ${this.remaining} trailing bytes`);
    }
  }
}
