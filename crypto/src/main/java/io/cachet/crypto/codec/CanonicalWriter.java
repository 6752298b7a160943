package io.cachet.crypto.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes Cachet's canonical binary encoding: big-endian fixed-width integers, and byte strings
 * preceded by their length. One value has one encoding, so what is signed or hashed is exactly
 * what any other implementation rebuilds from the same fields.
 */
public final class CanonicalWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  /** Starts an encoding with a domain-separation tag, so that no two message kinds share bytes. */
  public static CanonicalWriter tagged(String domainTag) {
    return new CanonicalWriter().string8(domainTag);
  }

  public CanonicalWriter u8(int v) {
    if (v < 0 || v > 0xFF) {
      throw new IllegalArgumentException("u8 out of range: " + v);
    }
    out.write(v);
    return this;
  }

  public CanonicalWriter u16(int v) {
    if (v < 0 || v > 0xFFFF) {
      throw new IllegalArgumentException("u16 out of range: " + v);
    }
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  public CanonicalWriter u32(long v) {
    if (v < 0 || v > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("u32 out of range: " + v);
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  public CanonicalWriter u64(long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
    return this;
  }

  /** Exactly these bytes, with no length: for fields whose length the format fixes. */
  public CanonicalWriter fixed(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  /** A byte string of at most 255 bytes, preceded by a one-byte length. */
  public CanonicalWriter bytes8(byte[] bytes) {
    u8(bytes.length);
    return fixed(bytes);
  }

  /** A byte string of at most 65535 bytes, preceded by a two-byte length. */
  public CanonicalWriter bytes16(byte[] bytes) {
    u16(bytes.length);
    return fixed(bytes);
  }

  /** A UTF-8 string of at most 255 bytes, preceded by a one-byte length. */
  public CanonicalWriter string8(String s) {
    return bytes8(s.getBytes(StandardCharsets.UTF_8));
  }

  public int size() {
    return out.size();
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
