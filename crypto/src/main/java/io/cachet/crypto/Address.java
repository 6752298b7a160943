package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * An account address, of one of two kinds, always held as 32 bytes so that every format carries
 * it the same way:
 *
 * <ul>
 *   <li>an embedded-ledger address: BLAKE2b-256 over a signature-scheme byte and an Ed25519 public
 *       key, as Sui derives its addresses, printed {@code 0x} + 64 hex digits;
 *   <li>an EVM address (the last 20 bytes of Keccak-256 of a secp256k1 public key), held as the
 *       32-byte ABI word (12 zero bytes, then the 20), printed {@code 0x} + 40 hex digits with the
 *       EIP-55 mixed-case checksum.
 * </ul>
 *
 * The kind is read off the 12 leading bytes: a hash-derived address begins with 12 zero bytes
 * with probability 2^-96, so the two kinds cannot meet in practice.
 */
public final class Address extends Id32 {
  /** The scheme byte of Ed25519 keys, hashed in front of the key. */
  public static final byte ED25519_SCHEME = 0x00;

  /** Bytes of an EVM address. */
  public static final int EVM_LENGTH = 20;

  private static final int EVM_PAD = LENGTH - EVM_LENGTH;

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

  /** An EVM address from its 20 bytes. */
  public static Address ofEvm(byte[] evmAddress) {
    if (evmAddress == null || evmAddress.length != EVM_LENGTH) {
      throw new IllegalArgumentException("an EVM address is " + EVM_LENGTH + " bytes");
    }
    byte[] word = new byte[LENGTH];
    System.arraycopy(evmAddress, 0, word, EVM_PAD, EVM_LENGTH);
    return new Address(word);
  }

  /** Whether this is an EVM address (its 12 leading bytes are zero). */
  public boolean isEvm() {
    byte[] b = bytes();
    for (int i = 0; i < EVM_PAD; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The 20 bytes of an EVM address. */
  public byte[] evmBytes() {
    if (!isEvm()) {
      throw new IllegalStateException(super.toString() + " is not an EVM address");
    }
    return Arrays.copyOfRange(bytes(), EVM_PAD, LENGTH);
  }

  /** {@code 0x} + 40 lower-case hex digits, as JSON-RPC and ABI tooling take an EVM address. */
  public String evmHex() {
    return Hex.to0x(evmBytes());
  }

  @Override
  public String toString() {
    return isEvm() ? checksummed(evmBytes()) : super.toString();
  }

  /**
   * Parses either kind: {@code 0x} + 64 lower-case hex digits, or {@code 0x} + 40 hex digits of
   * an EVM address, all lower case or all upper case or in correct EIP-55 mixed case (a wrong
   * mixed case is a typo and is refused).
   */
  @JsonCreator
  public static Address parse(String text) throws FormatException {
    if (text != null && text.length() == 2 + 2 * EVM_LENGTH && text.startsWith("0x")) {
      String digits = text.substring(2);
      String lower = digits.toLowerCase(Locale.ROOT);
      byte[] raw = Hex.from0x("0x" + lower, EVM_LENGTH, "Address");
      boolean mixed = !digits.equals(lower) && !digits.equals(digits.toUpperCase(Locale.ROOT));
      if (mixed && !checksummed(raw).equals(text)) {
        throw new FormatException("Address: " + text + " fails its EIP-55 checksum; check it for a typo");
      }
      return ofEvm(raw);
    }
    return new Address(Hex.from0x(text, LENGTH, "Address"));
  }

  /** EIP-55: a hex digit is upper case where the matching nibble of Keccak-256(lower hex) is 8 or more. */
  private static String checksummed(byte[] evm) {
    String lower = Hex.to0x(evm).substring(2);
    byte[] hash = Keccak256.hash(lower.getBytes(StandardCharsets.US_ASCII));
    StringBuilder out = new StringBuilder("0x");
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      int nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
      out.append(nibble >= 8 ? Character.toUpperCase(c) : c);
    }
    return out.toString();
  }
}
