import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffContent, SNIFF_BYTES } from '../viewer/contentType.js';

const bytes = (...parts) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

test('the formats shown inline are told by their first bytes', () => {
  const cases = [
    [bytes([0x89], 'PNG\r\n', [0x1a, 0x0a], 'rest'), 'image/png', 'image'],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg', 'image'],
    [bytes('GIF89a', [1, 2]), 'image/gif', 'image'],
    [bytes('GIF87a'), 'image/gif', 'image'],
    [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '), 'image/webp', 'image'],
    [bytes('%PDF-1.7\n'), 'application/pdf', 'pdf'],
    [bytes([0, 0, 0, 0x20], 'ftypisom', [0, 0, 2, 0]), 'video/mp4', 'video'],
    [bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84], 'webm'), 'video/webm', 'video'],
  ];
  for (const [head, type, show] of cases) {
    const kind = sniffContent(head);
    assert.equal(kind.type, type);
    assert.equal(kind.show, show);
  }
});

test('anything else, and too few bytes to tell, is a download', () => {
  for (const head of [new Uint8Array(0), bytes('hello'), bytes([0x89], 'PN'), bytes('RIFF', [0, 0, 0, 0], 'WAVE'),
    bytes([0x1a, 0x45, 0xdf, 0xa3], 'matroska'), bytes('<html><script>'), bytes('<svg xmlns=')]) {
    assert.deepEqual({ ...sniffContent(head) }, { type: 'application/octet-stream', show: 'download', extension: 'bin' });
  }
});

test('SVG and HTML are never shown inline: a blob: URL of them would run their scripts in the viewer\'s origin', () => {
  assert.equal(sniffContent(bytes('<?xml version="1.0"?><svg')).show, 'download');
  assert.equal(sniffContent(bytes('<!doctype html>')).show, 'download');
});

test('the signatures fit in the bytes the sink keeps', () => {
  assert.ok(SNIFF_BYTES >= 12);
});
