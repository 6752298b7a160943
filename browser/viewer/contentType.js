// What kind of file a plaintext is, told by its first bytes: the envelope carries no content type
// (a type in the header would be metadata the owner did not choose to publish), so the viewer
// recognises the few formats it shows inline by their signatures and offers anything else as a
// download. Only formats the browser renders itself are listed; nothing is guessed from text.

/** How many leading bytes the signatures below need at most. */
export const SNIFF_BYTES = 64;

/**
 * @typedef {{ type: string, show: 'image' | 'video' | 'pdf' | 'download', extension: string }} ContentKind
 */

/** @type {ContentKind} */
const UNKNOWN = Object.freeze({ type: 'application/octet-stream', show: 'download', extension: 'bin' });

/**
 * The kind of a plaintext from its first bytes (at least {@link SNIFF_BYTES} of them when the
 * plaintext is that long).
 * @param {Uint8Array} head
 * @returns {ContentKind}
 */
export function sniffContent(head) {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return kind('image/png', 'image', 'png');
  if (startsWith(head, [0xff, 0xd8, 0xff])) return kind('image/jpeg', 'image', 'jpg');
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return kind('image/gif', 'image', 'gif');
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return kind('image/webp', 'image', 'webp');
  if (ascii(head, 0, '%PDF-')) return kind('application/pdf', 'pdf', 'pdf');
  // ISO base media (MP4): a first box of type 'ftyp'; its brands are not checked, the browser judges
  if (head.length >= 12 && ascii(head, 4, 'ftyp')) return kind('video/mp4', 'video', 'mp4');
  // EBML, with the document type WebM (Matroska's other files are not shown inline)
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]) && contains(head, 'webm')) return kind('video/webm', 'video', 'webm');
  return UNKNOWN;
}

function kind(type, show, extension) {
  return Object.freeze({ type, show, extension });
}

function startsWith(bytes, signature) {
  if (bytes.length < signature.length) return false;
  return signature.every((b, i) => bytes[i] === b);
}

function ascii(bytes, at, text) {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function contains(bytes, text) {
  for (let at = 0; at + text.length <= bytes.length; at++) {
    if (ascii(bytes, at, text)) return true;
  }
  return false;
}
