package io.cachet.storage.quilt;

import io.cachet.storage.BlobId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Objects;

/**
 * Where one patch of a quilt is: the quilt's blob id and the patch's position in it. Printed as
 * Walrus prints quilt patch ids, 37 bytes of URL-safe base64 without padding (50 characters):
 * {@code quiltId (32) || 0x01 || start u16 LE || end u16 LE}. Walrus counts {@code start} and
 * {@code end} in columns of its own encoding; a Cachet quilt counts patches, so {@code end} is
 * always {@code start + 1}. Same shape and length, so a Walrus client that stores or forwards
 * patch ids as text handles Cachet's unchanged.
 */
public record QuiltPatchId(BlobId quiltId, int index) {
  public static final int BYTES = BlobId.LENGTH + 5;
  public static final int TEXT_LENGTH = 50;
  /** The version byte of the patch-id bytes after the quilt id (Walrus's QuiltV1 uses the same). */
  public static final byte VERSION = 0x01;

  public QuiltPatchId {
    Objects.requireNonNull(quiltId, "quiltId");
    if (index < 0 || index >= QuiltIndex.MAX_PATCHES) {
      throw new IllegalArgumentException("a patch index is 0.." + (QuiltIndex.MAX_PATCHES - 1) + ", got " + index);
    }
  }

  /**
   * Parses the 50-character form. Refused, each with its reason: another length or alphabet, a
   * non-canonical encoding, a version other than 1, and {@code end != start + 1}.
   */
  public static QuiltPatchId parse(String text) {
    if (text == null || text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException("a quilt patch id is " + TEXT_LENGTH
          + " characters of URL-safe base64 without padding, got " + (text == null ? "none" : text.length()));
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a quilt patch id is URL-safe base64 without padding: " + e.getMessage(), e);
    }
    if (raw.length != BYTES || !Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(text)) {
      throw new IllegalArgumentException("a quilt patch id is not canonical base64: " + text);
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    byte[] quilt = new byte[BlobId.LENGTH];
    b.get(quilt);
    byte version = b.get();
    if (version != VERSION) {
      throw new IllegalArgumentException("quilt patch id version " + (version & 0xff) + " is not supported (only "
          + VERSION + ")");
    }
    int start = Short.toUnsignedInt(b.getShort());
    int end = Short.toUnsignedInt(b.getShort());
    if (end != start + 1) {
      throw new IllegalArgumentException("a Cachet quilt patch id names one patch (end = start + 1), got "
          + start + ".." + end);
    }
    if (start >= QuiltIndex.MAX_PATCHES) {
      throw new IllegalArgumentException("patch index " + start + " is past the most a quilt holds ("
          + QuiltIndex.MAX_PATCHES + ")");
    }
    return new QuiltPatchId(BlobId.of(quilt), start);
  }

  public byte[] bytes() {
    return ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN)
        .put(quiltId.bytes()).put(VERSION).putShort((short) index).putShort((short) (index + 1)).array();
  }

  @Override
  public String toString() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes());
  }
}
