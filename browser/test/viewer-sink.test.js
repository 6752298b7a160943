import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectBlob } from '../viewer/sink.js';
import { sniffContent } from '../viewer/contentType.js';

function streamOf(chunks, failAfter = Infinity) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i === failAfter) {
        const e = new Error('segment 2 failed its tag');
        e.code = 'BODY_TAMPERED';
        controller.error(e);
      } else if (i < chunks.length) {
        controller.enqueue(chunks[i++]);
      } else {
        controller.close();
      }
    },
  });
}

const filled = (n, seed) => Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) & 0xff);

test('the chunks come out as one Blob, byte for byte, handed over in parts, with progress', async () => {
  const chunks = [filled(1000, 1), filled(1, 2), filled(4096, 3), filled(10, 4)];
  const seen = [];
  const { blob, bytes, head } = await collectBlob(streamOf(chunks), { partBytes: 1024, onBytes: (n) => seen.push(n) });
  const expected = Buffer.concat(chunks);
  assert.equal(bytes, expected.length);
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), expected);
  assert.deepEqual(seen, [1000, 1001, 5097, 5107]);
  assert.deepEqual(Buffer.from(head), expected.subarray(0, 64));
});

test('the type is told from the first bytes even when they come in pieces', async () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const { blob } = await collectBlob(streamOf([png.subarray(0, 3), png.subarray(3), filled(100, 5)]),
    { type: (h) => sniffContent(h).type });
  assert.equal(blob.type, 'image/png');
});

test('an empty file is an empty Blob', async () => {
  const { blob, bytes, head } = await collectBlob(streamOf([]));
  assert.equal(bytes, 0);
  assert.equal(blob.size, 0);
  assert.equal(head.length, 0);
});

test('a stream that fails part way rejects with its error, and nothing collected is returned', async () => {
  await assert.rejects(collectBlob(streamOf([filled(10, 1), filled(10, 2)], 1)), { code: 'BODY_TAMPERED' });
});
