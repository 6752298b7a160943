package io.cachet.storage.quilt;

import io.cachet.storage.BlobId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Objects;

/**
 * Where one patch of a quilt is: the quilt's blob id and the patch's span in it, printed as Walrus
 * prints quilt patch ids, 37 bytes of URL-safe base64 without padding (50 characters):
 * {@code quiltId (32) || 0x01 || start u16 LE || end u16 LE}.
 *
 * <p>Walrus counts {@code start} and {@code end} in columns of its own encoding, so one of its
 * patches may span many ({@code 1..208}); a Cachet quilt counts patches, so its ids have
 * {@code end = start + 1} ({@link #ofPatch}, {@link #isSinglePatch}). This type carries both, so the
 * Walrus client passes a real Walrus network's ids through untouched; only the gateway, reading
 * its own layout, insists on one patch.
 */
public record QuiltPatchId(BlobId quiltId, int start, int end) {
  public static final int BYTES = BlobId.LENGTH + 5;
  public static final int TEXT_LENGTH = 50;
  /** The version byte of the patch-id bytes after the quilt id (Walrus's QuiltV1 uses the same). */
  public static final byte VERSION = 0x01;

  public QuiltPatchId {
    Objects.requireNonNull(quiltId, "quiltId");
    if (start < 0 || end > 0xFFFF || start >= end) {
      throw new IllegalArgumentException("a quilt patch spans start < end within 0..65535, got " + start + ".." + end);
    }
  }

  /** The id of the patch at position {@code index} of a Cachet quilt. */
  public static QuiltPatchId ofPatch(BlobId quiltId, int index) {
    if (index < 0 || index >= QuiltIndex.MAX_PATCHES) {
      throw new IllegalArgumentException("a patch index is 0.." + (QuiltIndex.MAX_PATCHES - 1) + ", got " + index);
    }
    return new QuiltPatchId(quiltId, index, index + 1);
  }

  /** Whether this names one patch by position, as a Cachet quilt's ids do. */
  public boolean isSinglePatch() {
    return end == start + 1;
  }

  /**
   * The patch's position in a Cachet quilt.
   *
   * @throws IllegalStateException for a span of several columns (a Walrus quilt's id)
   */
  public int index() {
    if (!isSinglePatch()) {
      throw new IllegalStateException("quilt patch id " + this + " spans " + start + ".." + end
          + ", not one patch: it is a Walrus quilt's, counted in columns");
    }
    return start;
  }

  /**
   * Parses the 50-character form. Refused, each with its reason: another length or alphabet, a
   * non-canonical encoding, a version other than 1, and {@code end <= start}.
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
    if (end <= start) {
      throw new IllegalArgumentException("a quilt patch id spans start < end, got " + start + ".." + end);
    }
    return new QuiltPatchId(BlobId.of(quilt), start, end);
  }

  public byte[] bytes() {
    return ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN)
        .put(quiltId.bytes()).put(VERSION).putShort((short) start).putShort((short) end).array();
  }

  @Override
  public String toString() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes());
  }
}
