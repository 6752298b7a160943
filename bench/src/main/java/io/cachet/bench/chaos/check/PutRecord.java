package io.cachet.bench.chaos.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.PolicyId;
import io.cachet.storage.BlobId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A put the soak's client saw succeed: the checker's evidence that a blob must still read back.
 * One JSON object per line of the puts file ({@link #FORMAT}):
 *
 * <pre>
 * {"format":"cachet-check-put/1","blobId":"3h9w…","size":1048576,"storedSize":1049200,
 *  "sha256":"0x…","endEpoch":12,"policy":"…","reader":"reader-3","putAt":1796000000000,
 *  "storedSha256":"0x…"}
 * </pre>
 *
 * {@code storedSha256} is optional (a line without it is as valid as before, so the format stays
 * version 1): readers that know no such field never needed it, and a line without it is checked
 * by length alone.
 *
 * @param blobId the blob id the put returned (base64url, 43 characters)
 * @param size the plaintext's length in bytes
 * @param storedSize the stored (envelope) length the certificate names; 0 if the soak did not record it
 * @param sha256 SHA-256 of the plaintext, 32 bytes
 * @param endEpoch the first epoch the blob may be gone by ({@code StoredObject.endEpoch()})
 * @param policy the policy the blob was sealed under
 * @param reader the name of an identity the policy lets read the blob ({@link ReaderKeys}): the
 *     checker reads the blob back as it
 * @param putAtMillis the client's clock when the put succeeded
 * @param storedSha256 SHA-256 of the stored (envelope) bytes, 32 bytes; empty if the soak did not record it
 */
public record PutRecord(BlobId blobId, long size, long storedSize, byte[] sha256, long endEpoch, PolicyId policy,
    String reader, long putAtMillis, byte[] storedSha256) {
  /** The format of one line; another is refused naming it. */
  public static final String FORMAT = "cachet-check-put/1";
  /** Length of a SHA-256 digest. */
  public static final int SHA256_BYTES = 32;

  public PutRecord {
    Objects.requireNonNull(blobId, "blobId");
    Objects.requireNonNull(policy, "policy");
    if (size < 0 || storedSize < 0 || endEpoch < 0 || putAtMillis < 0) {
      throw new IllegalArgumentException("sizes, end epoch and time must not be negative");
    }
    if (sha256 == null || sha256.length != SHA256_BYTES) {
      throw new IllegalArgumentException("sha256 is " + SHA256_BYTES + " bytes");
    }
    sha256 = sha256.clone();
    ReaderKeys.checkName(reader);
    storedSha256 = storedSha256 == null ? new byte[0] : storedSha256.clone();
    if (storedSha256.length != 0 && storedSha256.length != SHA256_BYTES) {
      throw new IllegalArgumentException("storedSha256 is " + SHA256_BYTES + " bytes, or absent");
    }
  }

  /** A record without the stored bytes' digest. */
  public PutRecord(BlobId blobId, long size, long storedSize, byte[] sha256, long endEpoch, PolicyId policy,
      String reader, long putAtMillis) {
    this(blobId, size, storedSize, sha256, endEpoch, policy, reader, putAtMillis, null);
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  @Override
  public byte[] storedSha256() {
    return storedSha256.clone();
  }

  /** This record as one line of the puts file, without the newline. */
  public String toJsonLine() {
    ObjectNode line = JsonLines.newObject(FORMAT).put("blobId", blobId.toString()).put("size", size)
        .put("storedSize", storedSize).put("sha256", Hex.to0x(sha256)).put("endEpoch", endEpoch)
        .put("policy", policy.toString()).put("reader", reader).put("putAt", putAtMillis);
    if (storedSha256.length > 0) {
      line.put("storedSha256", Hex.to0x(storedSha256));
    }
    return JsonLines.line(line);
  }

  /** Reads one line of a puts file; anything else is a {@link FormatException} saying what is wrong. */
  public static PutRecord fromJsonLine(String line) throws FormatException {
    JsonNode n = JsonLines.object(line, FORMAT);
    try {
      return new PutRecord(BlobId.parse(JsonLines.text(n, "blobId")), JsonLines.number(n, "size"),
          JsonLines.number(n, "storedSize"), Hex.from0x(JsonLines.text(n, "sha256"), SHA256_BYTES, "sha256"),
          JsonLines.number(n, "endEpoch"), PolicyId.parse(JsonLines.text(n, "policy")), JsonLines.text(n, "reader"),
          JsonLines.number(n, "putAt"), n.has("storedSha256")
              ? Hex.from0x(JsonLines.text(n, "storedSha256"), SHA256_BYTES, "storedSha256") : null);
    } catch (IllegalArgumentException e) {
      throw new FormatException("put record: " + e.getMessage(), e);
    }
  }

  /** Every record of a puts file; a torn last line is left out ({@link JsonLines}). */
  public static JsonLines.Read<PutRecord> readAll(Path file) throws IOException {
    return JsonLines.read(file, PutRecord::fromJsonLine);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PutRecord p && blobId.equals(p.blobId) && size == p.size && storedSize == p.storedSize
        && Arrays.equals(sha256, p.sha256) && endEpoch == p.endEpoch && policy.equals(p.policy)
        && reader.equals(p.reader) && putAtMillis == p.putAtMillis && Arrays.equals(storedSha256, p.storedSha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(blobId, size, storedSize, Arrays.hashCode(sha256), endEpoch, policy, reader,
        putAtMillis, Arrays.hashCode(storedSha256));
  }
}
