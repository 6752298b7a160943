package io.cachet.crypto;

import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The envelope header: everything needed to fetch the data key and decrypt the body, in one
 * canonical encoding (docs/FORMAT.md gives it byte by byte). The exact encoded bytes are the
 * associated data of every body segment, so changing any header bit makes the body unreadable.
 *
 * <p>Invariants, checked on construction and on parsing alike: slots are numbered 1..n in order,
 * key-server ids are distinct, 1 <= t <= n <= 32, the body algorithm is the one known, lengths
 * are within their bounds. A parsed header re-encodes to exactly the bytes it was read from.
 */
public final class EnvelopeHeader {
  /** Largest encoded header (magic to last slot) a reader accepts; 32 full slots need under 6 KiB. */
  public static final int MAX_HEADER_BYTES = 16 * 1024;

  /** Largest plaintext the format admits (256 TiB); far below the streaming AEAD's own limit. */
  public static final long MAX_PLAINTEXT_LENGTH = 1L << 48;

  /** Bytes before the header body: magic (4), version (1), body length (4). */
  static final int PREFIX_LENGTH = 9;

  private final String ledgerId;
  private final PolicyId policyId;
  private final ObjectId objectId;
  private final int threshold;
  private final BodyLayout body;
  private final long plaintextLength;
  private final byte[] dekCommitment;
  private final List<KeyServerSlot> slots;
  private final byte[] encoded;

  EnvelopeHeader(String ledgerId, PolicyId policyId, ObjectId objectId, int threshold,
      BodyLayout body, long plaintextLength, byte[] dekCommitment, List<KeyServerSlot> slots) {
    this.ledgerId = Names.check(ledgerId, "ledgerId");
    this.policyId = Objects.requireNonNull(policyId, "policyId");
    this.objectId = Objects.requireNonNull(objectId, "objectId");
    this.slots = List.copyOf(slots);
    Shamir.checkThreshold(threshold, this.slots.size());
    this.threshold = threshold;
    this.body = Objects.requireNonNull(body, "body");
    if (plaintextLength < 0 || plaintextLength > MAX_PLAINTEXT_LENGTH) {
      throw new IllegalArgumentException("plaintext length must be 0.." + MAX_PLAINTEXT_LENGTH);
    }
    this.plaintextLength = plaintextLength;
    if (dekCommitment == null || dekCommitment.length != DekCommitment.LENGTH) {
      throw new IllegalArgumentException("the DEK commitment is " + DekCommitment.LENGTH + " bytes");
    }
    this.dekCommitment = dekCommitment.clone();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < this.slots.size(); i++) {
      KeyServerSlot s = this.slots.get(i);
      if (s.index() != i + 1) {
        throw new IllegalArgumentException("slot " + (i + 1) + " carries index " + s.index());
      }
      if (!ids.add(s.keyServerId())) {
        throw new IllegalArgumentException("key server " + s.keyServerId() + " appears twice");
      }
    }
    this.encoded = encode();
    if (encoded.length > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("header of " + encoded.length + " bytes exceeds " + MAX_HEADER_BYTES);
    }
  }

  // ---------------------------------------------------------------- encoding

  private byte[] encode() {
    CanonicalWriter w = new CanonicalWriter()
        .string8(ledgerId)
        .fixed(policyId.bytes())
        .fixed(objectId.bytes())
        .u8(threshold)
        .u8(slots.size())
        .u8(body.algorithmId())
        .u32(body.ciphertextSegmentSize())
        .u64(plaintextLength)
        .fixed(dekCommitment);
    for (KeyServerSlot s : slots) {
      w.u8(s.index())
          .string8(s.keyServerId())
          .fixed(s.keyFingerprint())
          .bytes8(s.sealedShare());
    }
    byte[] headerBody = w.toByteArray();
    return new CanonicalWriter()
        .fixed(Envelope.MAGIC)
        .u8(Envelope.VERSION)
        .u32(headerBody.length)
        .fixed(headerBody)
        .toByteArray();
  }

  /**
   * Reads exactly one header from the stream and leaves it at the first body byte. The declared
   * length is checked against {@link #MAX_HEADER_BYTES} before anything is allocated.
   */
  public static EnvelopeHeader read(InputStream in) throws IOException, FormatException {
    byte[] prefix = in.readNBytes(PREFIX_LENGTH);
    if (prefix.length < PREFIX_LENGTH) {
      throw new FormatException("envelope: " + prefix.length + " bytes, too short for a header");
    }
    long bodyLength = checkPrefix(prefix);
    byte[] all = Arrays.copyOf(prefix, PREFIX_LENGTH + (int) bodyLength);
    int got = in.readNBytes(all, PREFIX_LENGTH, (int) bodyLength);
    if (got < bodyLength) {
      throw new FormatException("envelope header: declared " + bodyLength + " bytes, only " + got + " present");
    }
    return parse(all);
  }

  /** Parses a complete header and nothing else: trailing bytes are an error. */
  public static EnvelopeHeader parse(byte[] bytes) throws FormatException {
    if (bytes.length < PREFIX_LENGTH) {
      throw new FormatException("envelope: " + bytes.length + " bytes, too short for a header");
    }
    long bodyLength = checkPrefix(bytes);
    if (bytes.length != PREFIX_LENGTH + bodyLength) {
      throw new FormatException("envelope header: declared " + bodyLength + " bytes after the prefix, "
          + (bytes.length - PREFIX_LENGTH) + " given");
    }
    CanonicalReader r = new CanonicalReader(bytes);
    r.fixed(PREFIX_LENGTH, "prefix");
    try {
      String ledgerId = r.string8("ledgerId");
      PolicyId policyId = PolicyId.of(r.fixed(32, "policyId"));
      ObjectId objectId = ObjectId.of(r.fixed(32, "objectId"));
      int threshold = r.u8("threshold");
      int n = r.u8("shareCount");
      if (n < 1 || n > Shamir.MAX_SHARES) {
        throw new FormatException("shareCount " + n + " is outside 1.." + Shamir.MAX_SHARES);
      }
      BodyLayout body = BodyLayout.of(r.u8("bodyAlgorithm"), r.u32("segmentSize"));
      long plaintextLength = r.u64("plaintextLength");
      byte[] commitment = r.fixed(DekCommitment.LENGTH, "dekCommitment");
      KeyServerSlot[] slots = new KeyServerSlot[n];
      for (int i = 0; i < n; i++) {
        String at = "slot[" + (i + 1) + "]";
        int index = r.u8(at + ".index");
        String id = r.string8(at + ".keyServerId");
        byte[] fingerprint = r.fixed(Blake2b.DIGEST_BYTES, at + ".keyFingerprint");
        byte[] sealed = r.bytes8(at + ".sealedShare");
        slots[i] = new KeyServerSlot(index, id, fingerprint, sealed);
      }
      r.end("envelope header");
      EnvelopeHeader h = new EnvelopeHeader(ledgerId, policyId, objectId, threshold, body,
          plaintextLength, commitment, Arrays.asList(slots));
      if (!Arrays.equals(h.encoded, bytes)) {
        throw new FormatException("envelope header is not in canonical form");
      }
      return h;
    } catch (IllegalArgumentException e) {
      throw new FormatException("envelope header: " + e.getMessage(), e);
    }
  }

  private static long checkPrefix(byte[] prefix) throws FormatException {
    if (!Arrays.equals(prefix, 0, Envelope.MAGIC.length, Envelope.MAGIC, 0, Envelope.MAGIC.length)) {
      throw new FormatException("not a Cachet envelope (bad magic)");
    }
    int version = prefix[4] & 0xFF;
    if (version != Envelope.VERSION) {
      throw new FormatException("unknown envelope version " + version + " (this build reads "
          + Envelope.VERSION + ")");
    }
    long bodyLength = ((prefix[5] & 0xFFL) << 24) | ((prefix[6] & 0xFFL) << 16)
        | ((prefix[7] & 0xFFL) << 8) | (prefix[8] & 0xFFL);
    if (bodyLength > MAX_HEADER_BYTES - PREFIX_LENGTH) {
      throw new FormatException("envelope header claims " + bodyLength + " bytes, more than the limit of "
          + MAX_HEADER_BYTES);
    }
    return bodyLength;
  }

  // ---------------------------------------------------------------- accessors

  /** The exact encoded header: the associated data of the body. */
  public byte[] encoded() {
    return encoded.clone();
  }

  public int encodedLength() {
    return encoded.length;
  }

  public int formatVersion() {
    return Envelope.VERSION;
  }

  public String ledgerId() {
    return ledgerId;
  }

  public PolicyId policyId() {
    return policyId;
  }

  public ObjectId objectId() {
    return objectId;
  }

  public int threshold() {
    return threshold;
  }

  public int shareCount() {
    return slots.size();
  }

  public BodyLayout body() {
    return body;
  }

  public long plaintextLength() {
    return plaintextLength;
  }

  /** Total envelope size: header plus body. */
  public long envelopeLength() {
    return encoded.length + body.ciphertextLength(plaintextLength);
  }

  public byte[] dekCommitment() {
    return dekCommitment.clone();
  }

  public List<KeyServerSlot> slots() {
    return slots;
  }

  public KeyServerSlot slot(int index) {
    if (index < 1 || index > slots.size()) {
      throw new IllegalArgumentException("no slot " + index + " in a header of " + slots.size());
    }
    return slots.get(index - 1);
  }

  /** The context share {@code index} was sealed under. */
  public ShareContext shareContext(int index) {
    return new ShareContext(Envelope.VERSION, ledgerId, policyId, objectId, threshold, slots.size(),
        slot(index).keyServerId(), index);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvelopeHeader h && Arrays.equals(encoded, h.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "EnvelopeHeader[object=" + objectId + ", policy=" + policyId + ", " + threshold + "-of-"
        + slots.size() + ", " + plaintextLength + " bytes]";
  }
}
