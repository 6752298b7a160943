// The share token (cli/.../blob/ShareToken.java): what a reader needs to open a blob, as one string
// to paste, `cachet1.` + base64url(JSON {blobId, network}). Only public URLs and public keys are in
// it; the network descriptor in it is read by Network.fromDescriptor like any other.
import { fromBase64Url } from '../codec.js';
import { ShareTokenError } from '../errors.js';

export const SHARE_TOKEN_PREFIX = 'cachet1.';

/** A token longer than this is not one Cachet made; refused before decoding. */
export const MAX_SHARE_TOKEN_CHARS = 64 * 1024;

/** @returns {{blobId: string, network: object}} the blob id and the network descriptor's JSON object */
export function parseShareToken(text) {
  if (typeof text !== 'string' || !text.startsWith(SHARE_TOKEN_PREFIX)) {
    throw new ShareTokenError(`not a share token; paste it whole, starting with ${SHARE_TOKEN_PREFIX}`);
  }
  if (text.length > MAX_SHARE_TOKEN_CHARS) {
    throw new ShareTokenError(`a share token is at most ${MAX_SHARE_TOKEN_CHARS} characters`);
  }
  let o;
  try {
    const json = fromBase64Url(text.slice(SHARE_TOKEN_PREFIX.length), 'share token');
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw new ShareTokenError(`not a share token (${e.message}); paste it whole, starting with ${SHARE_TOKEN_PREFIX}`);
  }
  const network = o?.network;
  if (typeof o?.blobId !== 'string' || network === null || typeof network !== 'object' || Array.isArray(network)) {
    throw new ShareTokenError('the share token lacks its blob id or network');
  }
  return { blobId: o.blobId, network };
}
