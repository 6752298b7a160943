package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * An account address: {@code 0x} + hex of BLAKE2b-256 over a signature-scheme byte and the public
 * key, as Sui derives its addresses ({@code 0x00} is Ed25519, the only scheme Cachet uses).
 */
public final class Address extends Id32 {
  /** The scheme byte of Ed25519 keys, hashed in front of the key. */
  public static final byte ED25519_SCHEME = 0x00;

  private Address(byte[] bytes) {
    super(bytes, "Address");
  }

  public static Address of(byte[] bytes) {
    return new Address(bytes);
  }

  /** The address that an Ed25519 public key owns. */
  public static Address ofEd25519(byte[] publicKey) {
    if (publicKey == null || publicKey.length != VerifyingKey.LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
    }
    return new Address(Blake2b.hash256(new byte[] {ED25519_SCHEME}, publicKey));
  }

  @JsonCreator
  public static Address parse(String text) throws FormatException {
    return new Address(Hex.from0x(text, LENGTH, "Address"));
  }
}
