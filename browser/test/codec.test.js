import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writer, Reader, FormatError, base64Url, fromBase64Url, toHex, blake2b256, utf8 } from '../src/codec.js';

test('a writer and a reader agree on every field kind', () => {
  const bytes = Writer.tagged('cachet/test/v1').u8(7).u16(513).u32(0xfffffffe).u64(2n ** 63n).fixed([1, 2]).bytes8([9]).string8('é').bytes();
  const r = new Reader(bytes, 'test');
  assert.equal(r.string8(), 'cachet/test/v1');
  assert.equal(r.u8(), 7);
  assert.equal(r.u16(), 513);
  assert.equal(r.u32(), 0xfffffffe);
  assert.equal(r.u64(), 2n ** 63n);
  assert.deepEqual([...r.fixed(2)], [1, 2]);
  assert.deepEqual([...r.bytes8()], [9]);
  assert.equal(r.string8(), 'é');
  r.end();
});

test('a reader refuses short input, malformed UTF-8 and trailing bytes', () => {
  assert.throws(() => new Reader(Uint8Array.of(5, 1), 'x').bytes8(), FormatError);
  assert.throws(() => new Reader(Uint8Array.of(1, 0xff), 'x').string8(), FormatError);
  assert.throws(() => new Reader(Uint8Array.of(1), 'x').end(), FormatError);
});

test('base64url round-trips and refuses padding and non-canonical text', () => {
  const b = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  assert.deepEqual(fromBase64Url(base64Url(b)), b);
  assert.throws(() => fromBase64Url('AA=='), FormatError);
  assert.throws(() => fromBase64Url('AB'), FormatError);
});

test('BLAKE2b-256 matches the known answer for the empty string', () => {
  assert.equal(toHex(blake2b256(utf8(''))), '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
});
