package io.cachet.storage;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * A blob's identity: 32 bytes, printed as 43 characters of URL-safe base64 without padding, as
 * Walrus prints them. Immutable. How the bytes are derived is {@code codec.BlobMetadata#blobId}.
 */
public final class BlobId implements Comparable<BlobId> {
  public static final int LENGTH = 32;
  public static final int TEXT_LENGTH = 43;

  private final byte[] bytes;
  private final String text;

  private BlobId(byte[] bytes) {
    this.bytes = bytes;
    this.text = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static BlobId of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException("a blob id is " + LENGTH + " bytes");
    }
    return new BlobId(bytes.clone());
  }

  /** Parses the 43-character form; anything else (padding, other alphabets, other lengths) is refused. */
  public static BlobId parse(String text) {
    if (text == null || text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException("a blob id is " + TEXT_LENGTH + " characters of URL-safe base64");
    }
    byte[] decoded;
    try {
      decoded = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a blob id is " + TEXT_LENGTH + " characters of URL-safe base64", e);
    }
    BlobId id = new BlobId(decoded);
    if (!id.text.equals(text)) {
      throw new IllegalArgumentException("blob id is not canonical base64: " + text);
    }
    return id;
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobId other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(BlobId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
