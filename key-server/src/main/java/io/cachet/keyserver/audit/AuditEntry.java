package io.cachet.keyserver.audit;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Id32;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An {@link AuditEvent} in its place in the chain: its sequence number (0 for the first entry of
 * a log) and the hash of the entry before it (32 zero bytes for the first). The hash of an entry
 * is BLAKE2b-256 of its encoding, so each entry vouches for the whole history before it.
 *
 * <p>Encoding (the payload of one audit-log record), big-endian; format {@value #VERSION}:
 *
 * <pre>
 * tag("cachet/audit/v2") u64 sequence  [32] previous hash  u64 recorded-at (ms)  u8 outcome
 * string8 reason  string8 request id  opt32 requester  string8 client  string8 ledger id
 * opt32 policy  opt32 object  u8 share index  u64 ledger height (two's complement; -1 = no view)
 * u64 ledger time (ms)  bytes8 block hash (0 or 32 bytes)  bytes16 message (UTF-8)
 * </pre>
 *
 * where {@code opt32} is {@code u8 0} (absent) or {@code u8 1} followed by 32 bytes, and an empty
 * ledger id or block hash means none. Format 1 ({@code tag("cachet/audit/v1")}) had no ledger id
 * and no block hash; its entries are still read, as they are, so that a log begun by an older
 * key server verifies and goes on growing (the version is per entry: the chain hashes each entry's
 * bytes as stored). Only format 2 is written. Decoding is strict: one value has one encoding, and
 * trailing bytes are refused.
 */
public record AuditEntry(int version, long sequence, byte[] previousHash, AuditEvent event) {
  /** The entry format this build writes. */
  public static final int VERSION = 2;
  /** The oldest entry format this build still reads. */
  public static final int OLDEST_READABLE = 1;
  private static final String TAG_PREFIX = "cachet/audit/v";
  static final String TAG = TAG_PREFIX + VERSION;
  /** The previous hash of the first entry. */
  public static final byte[] GENESIS = new byte[Blake2b.DIGEST_BYTES];

  /** An entry of the format this build writes. */
  public AuditEntry(long sequence, byte[] previousHash, AuditEvent event) {
    this(VERSION, sequence, previousHash, event);
  }

  public AuditEntry {
    if (version < OLDEST_READABLE || version > VERSION) {
      throw new IllegalArgumentException("audit entry format " + version + " is not one this build reads ("
          + OLDEST_READABLE + " to " + VERSION + ")");
    }
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative");
    }
    if (previousHash == null || previousHash.length != Blake2b.DIGEST_BYTES) {
      throw new IllegalArgumentException("previousHash must be " + Blake2b.DIGEST_BYTES + " bytes");
    }
    previousHash = previousHash.clone();
    Objects.requireNonNull(event, "event");
    if (version == 1 && (!event.ledgerId().isEmpty() || event.blockHash().length != 0)) {
      throw new IllegalArgumentException("an audit entry of format 1 records no ledger id and no block hash");
    }
  }

  @Override
  public byte[] previousHash() {
    return previousHash.clone();
  }

  public byte[] encode() {
    AuditEvent e = event;
    CanonicalWriter w = CanonicalWriter.tagged(TAG_PREFIX + version)
        .u64(sequence)
        .fixed(previousHash)
        .u64(e.recordedAtMillis())
        .u8(e.outcome().code)
        .string8(e.reason())
        .string8(e.requestId());
    optional(w, e.requester());
    w.string8(e.client());
    if (version >= 2) {
      w.string8(e.ledgerId());
    }
    optional(w, e.policy());
    optional(w, e.object());
    w.u8(e.shareIndex())
        .u64(e.ledgerHeight())
        .u64(e.ledgerTimeMillis());
    if (version >= 2) {
      w.bytes8(e.blockHash());
    }
    return w.bytes16(e.message().getBytes(StandardCharsets.UTF_8))
        .toByteArray();
  }

  private static void optional(CanonicalWriter w, Id32 id) {
    if (id == null) {
      w.u8(0);
    } else {
      w.u8(1).fixed(id.bytes());
    }
  }

  /** The hash the next entry must carry as its previous hash. */
  public byte[] hash() {
    return hashOf(encode());
  }

  static byte[] hashOf(byte[] encoded) {
    return Blake2b.hash256(encoded);
  }

  public static AuditEntry decode(byte[] payload) throws FormatException {
    CanonicalReader r = new CanonicalReader(payload);
    String tag = r.string8("tag");
    int version = versionOf(tag);
    long sequence = r.u64("sequence");
    byte[] previous = r.fixed(Blake2b.DIGEST_BYTES, "previous hash");
    long recordedAt = r.u64("recorded at");
    int outcomeCode = r.u8("outcome");
    AuditEvent.Outcome outcome = AuditEvent.Outcome.of(outcomeCode);
    if (outcome == null) {
      throw new FormatException("audit entry: unknown outcome " + outcomeCode);
    }
    String reason = r.string8("reason");
    String requestId = r.string8("request id");
    byte[] requester = optional(r, "requester");
    String client = r.string8("client");
    String ledgerId = version >= 2 ? r.string8("ledger id") : "";
    byte[] policy = optional(r, "policy");
    byte[] object = optional(r, "object");
    int shareIndex = r.u8("share index");
    long height = r.u64("ledger height");
    long ledgerTime = r.u64("ledger time");
    byte[] blockHash = version >= 2 ? r.bytes8("block hash") : new byte[0];
    byte[] message = r.bytes16("message");
    r.end("audit entry");
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(message)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new FormatException("audit entry: message is not UTF-8", e);
    }
    try {
      return new AuditEntry(version, sequence, previous, new AuditEvent(recordedAt, outcome, reason, requestId,
          requester == null ? null : Address.of(requester), client, policy == null ? null : PolicyId.of(policy),
          object == null ? null : ObjectId.of(object), shareIndex, height, ledgerTime, text, ledgerId, blockHash));
    } catch (IllegalArgumentException e) {
      throw new FormatException("audit entry: " + e.getMessage(), e);
    }
  }

  /** The entry format a tag names; a tag of no format this build reads is refused naming it. */
  private static int versionOf(String tag) throws FormatException {
    for (int v = OLDEST_READABLE; v <= VERSION; v++) {
      if ((TAG_PREFIX + v).equals(tag)) {
        return v;
      }
    }
    throw new FormatException("audit entry: tag is '" + tag + "'; this build reads audit entry formats "
        + OLDEST_READABLE + " to " + VERSION + " (" + TAG_PREFIX + OLDEST_READABLE + " to " + TAG + ")");
  }

  private static byte[] optional(CanonicalReader r, String field) throws FormatException {
    int present = r.u8(field + " present");
    if (present == 0) {
      return null;
    }
    if (present != 1) {
      throw new FormatException("audit entry: " + field + " present flag is " + present);
    }
    return r.fixed(Id32.LENGTH, field);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEntry other && version == other.version && sequence == other.sequence
        && Arrays.equals(previousHash, other.previousHash) && event.equals(other.event);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, sequence, Arrays.hashCode(previousHash), event);
  }

  @Override
  public String toString() {
    return "AuditEntry[v" + version + " " + sequence + ", prev=" + Hex.to0x(previousHash) + ", " + event + "]";
  }
}
