package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonValue;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A 32-byte identifier printed as {@code 0x} + 64 hex digits. Subclasses differ only in what they
 * name; two identifiers are equal only when they are of the same kind and hold the same bytes.
 */
public abstract sealed class Id32 permits ObjectId, PolicyId, Address {
  public static final int LENGTH = 32;

  private final byte[] bytes;

  Id32(byte[] bytes, String what) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException(what + " must be " + LENGTH + " bytes");
    }
    this.bytes = bytes.clone();
  }

  static byte[] randomBytes(SecureRandom random) {
    byte[] b = new byte[LENGTH];
    random.nextBytes(b);
    return b;
  }

  public final byte[] bytes() {
    return bytes.clone();
  }

  /** The printed form, also the JSON form: {@code 0x} + 64 lower-case hex digits unless a kind prints itself otherwise. */
  @JsonValue
  @Override
  public String toString() {
    return Hex.to0x(bytes);
  }

  @Override
  public final boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && Arrays.equals(bytes, ((Id32) o).bytes);
  }

  @Override
  public final int hashCode() {
    return Arrays.hashCode(bytes);
  }
}
