// GET /v1/service (ServiceDescriptor.java): a key server's id, its current HPKE key and version,
// its receipt-signing Ed25519 key, and a proof of possession, the signing key's signature over all
// of them. The HPKE key is taken only once the proof verifies under the signing key the network
// descriptor pins for that id, so nobody can advertise their own key under another server's name.
//
// Reading a file needs no service descriptor: the key fetcher asks with the pinned signing key
// alone, and the header's key fingerprint is a hint the key server uses to pick its key version.
// This is here for pages that show a server's state or check a slot against its current key.
import { Writer, blake2b256, constantTimeEqual, utf8 } from '../codec.js';
import { ProtocolError } from '../errors.js';
import { endpoint, getJson } from './http.js';
import { verifyEd25519 } from './signatures.js';
import * as wire from './wire.js';

const FIELDS = ['serverId', 'keyVersion', 'hpkePublicKey', 'verifyingKey', 'softwareVersion', 'proofOfPossession'];

/**
 * BLAKE2b-256(ASCII "cachet/hpke-key/v1" || X25519 key), the tag's bare bytes with no length byte
 * as Java's HpkeRecipientKey hashes them: how a header's slot names the key its share was sealed to.
 */
export function hpkeKeyFingerprint(hpkePublicKey) {
  return blake2b256(utf8('cachet/hpke-key/v1'), hpkePublicKey);
}

/**
 * Parses a service descriptor (a JSON object) and verifies it as the descriptor of `server`
 * ({id, signingKey} from the network descriptor).
 * @throws {FormatError} (codec.js) when malformed; {ProtocolError} BAD_SERVICE_DESCRIPTOR when it is not `server`'s
 */
export async function verifyServiceDescriptor(doc, server) {
  const d = wire.exactObject(doc, FIELDS, 'service descriptor');
  const parsed = {
    serverId: wire.name(d.serverId, 'serverId'),
    keyVersion: wire.integer(d.keyVersion, 'keyVersion', 1, 0xffffffff),
    hpkePublicKey: wire.bytes(d.hpkePublicKey, 'hpkePublicKey', 32),
    verifyingKey: wire.bytes(d.verifyingKey, 'verifyingKey', 32),
    softwareVersion: wire.name(d.softwareVersion, 'softwareVersion'),
  };
  const proof = wire.bytes(d.proofOfPossession, 'proofOfPossession');
  if (parsed.serverId !== server.id || !constantTimeEqual(parsed.verifyingKey, server.signingKey)) {
    throw new ProtocolError(
      'BAD_SERVICE_DESCRIPTOR',
      `the service descriptor at ${server.id}'s address names ${parsed.serverId} and another signing key than the network descriptor pins`,
    );
  }
  const signed = Writer.tagged('cachet/service/v1')
    .string8(parsed.serverId)
    .u32(parsed.keyVersion)
    .fixed(parsed.hpkePublicKey)
    .fixed(parsed.verifyingKey)
    .string8(parsed.softwareVersion)
    .bytes();
  if (!(await verifyEd25519(server.signingKey, proof, signed))) {
    throw new ProtocolError('BAD_SERVICE_DESCRIPTOR', `the service descriptor of ${server.id}: proof of possession does not verify`);
  }
  return { ...parsed, keyFingerprint: hpkeKeyFingerprint(parsed.hpkePublicKey) };
}

/** Fetches and verifies `server`'s service descriptor. */
export async function fetchServiceDescriptor(server, { signal, timeoutMillis } = {}) {
  const doc = await getJson(endpoint(server.url, '/v1/service'), { signal, timeoutMillis, what: `${server.id}'s service descriptor` });
  return verifyServiceDescriptor(doc, server);
}

/** Whether a header slot's share was sealed to the key `descriptor` advertises now (false after a rotation). */
export function slotMatchesCurrentKey(slot, descriptor) {
  return constantTimeEqual(slot.keyFingerprint, descriptor.keyFingerprint);
}
