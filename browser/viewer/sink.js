// Where an opened file's plaintext goes: into a Blob, so the page can show it from a blob: URL or
// offer it as a download.
//
// What the platform forces: a blob: URL can only be made from a Blob, and a Blob cannot be built
// from a stream as it arrives; the Blob constructor copies the bytes it is given. Collecting the
// whole file as Uint8Arrays and then making one Blob would hold two full copies at once. Instead
// every PART_BYTES of plaintext are handed to a Blob of their own and dropped from the page's heap;
// the final Blob is made of those Blobs, which Chromium joins by reference, not by copying, and
// keeps in its blob store outside the renderer (paging large ones to disk). So the page holds at
// most one part of plaintext beyond the Blob store's single copy. (Writing straight to a file
// through the File System Access API would avoid the Blob store too, but it needs a prompt the
// person answers, and browsers other than Chromium lack it.)
//
// Nothing is made visible until the stream has ended cleanly: the SDK authenticates each segment
// before it enqueues a byte of it, but only the end of the stream proves the body was not cut short.

import { SNIFF_BYTES } from './contentType.js';

/** Plaintext handed to the Blob store at a time: small beside a large file, large beside a segment. */
export const PART_BYTES = 8 * 1024 * 1024;

/**
 * Reads `stream` to its end into a Blob of `type(head)`.
 * @param {ReadableStream<Uint8Array>} stream
 * @param {{ onBytes?: (done: number) => void, type?: (head: Uint8Array) => string, partBytes?: number }} options
 * @returns {Promise<{ blob: Blob, bytes: number, head: Uint8Array }>}
 */
export async function collectBlob(stream, { onBytes, type = () => 'application/octet-stream', partBytes = PART_BYTES } = {}) {
  const reader = stream.getReader();
  const blobs = [];
  let pending = [];
  let pendingBytes = 0;
  let bytes = 0;
  const head = new Uint8Array(SNIFF_BYTES);
  let headBytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (headBytes < SNIFF_BYTES) {
        const take = Math.min(SNIFF_BYTES - headBytes, value.length);
        head.set(value.subarray(0, take), headBytes);
        headBytes += take;
      }
      pending.push(value);
      pendingBytes += value.length;
      bytes += value.length;
      if (pendingBytes >= partBytes) {
        blobs.push(new Blob(pending));
        pending = [];
        pendingBytes = 0;
      }
      onBytes?.(bytes);
    }
  } catch (e) {
    // what arrived before the failure is dropped with the parts: nothing of it is shown
    blobs.length = 0;
    pending = [];
    throw e;
  } finally {
    reader.releaseLock();
  }
  if (pending.length) blobs.push(new Blob(pending));
  const sniffed = head.slice(0, headBytes);
  return { blob: new Blob(blobs, { type: type(sniffed) }), bytes, head: sniffed };
}
