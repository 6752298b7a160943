// Ed25519 verification through WebCrypto: the one way the SDK checks a key server's signature
// (receipts, service descriptors) under the key pinned in the network descriptor.

/** Whether `signature` is `publicKey`'s Ed25519 signature over `message`; false for any malformed input. */
export async function verifyEd25519(publicKey, signature, message) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch {
    return false;
  }
}
