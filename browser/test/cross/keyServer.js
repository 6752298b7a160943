// What a key server does with its own slot, for tests only: open the slot's sealed share with the
// server's X25519 private key under the slot's share context (HPKE base mode, DHKEM-X25519-
// HKDF-SHA256, HKDF-SHA256, AES-256-GCM, empty aad; the sealed share is enc(32) || ct+tag). The
// SDK itself never holds a key server's key; the known-answer test and the Java cross runs do.
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, Aes256Gcm } from '@hpke/core';
import { shareContextInfo } from '../../src/envelope/shareContext.js';

const ENC_LENGTH = 32;

export const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

/** Opens slot `index`'s share with the key server's 32-byte X25519 private key; resolves to {index, bytes}. */
export async function unsealShare(header, index, privateKey) {
  const slot = header.slots[index - 1];
  const recipientKey = await suite.kem.importKey('raw', Uint8Array.from(privateKey).buffer, false);
  const plaintext = await suite.open(
    { recipientKey, enc: slot.sealedShare.slice(0, ENC_LENGTH), info: shareContextInfo(header, slot) },
    slot.sealedShare.slice(ENC_LENGTH),
    new Uint8Array(0),
  );
  return { index, bytes: new Uint8Array(plaintext) };
}
