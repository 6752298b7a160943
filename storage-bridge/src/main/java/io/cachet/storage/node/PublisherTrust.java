package io.cachet.storage.node;

import io.cachet.common.http.SeenIds;
import io.cachet.common.io.DurableFiles;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.node.NodeException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint;

/**
 * Decides whether a write request comes from a publisher this node trusts ({@link WriteSignature}).
 * Checks, in this order, each refusal naming what failed:
 *
 * <ol>
 *   <li>the five signature headers are present and well formed, else 401 UNTRUSTED_PUBLISHER;
 *   <li>the publisher key is one the node is configured to trust, else 403 UNTRUSTED_PUBLISHER;
 *   <li>the signature verifies over this method, path and query, else 403 UNTRUSTED_PUBLISHER;
 *   <li>the timestamp lies within {@link #REPLAY_WINDOW_MILLIS} of the node's clock, else 401
 *       STALE_REQUEST;
 *   <li>the timestamp is not before the restart floor: the node's start, or a later time the node
 *       that ran before may have accepted writes up to (below), else 401 REQUEST_BEFORE_RESTART,
 *       which the publisher answers by signing again with a fresh timestamp;
 *   <li>the nonce was not seen from this publisher within the window, else 401 REPLAYED_REQUEST.
 * </ol>
 *
 * The body is checked later, against the signed digest, once it has been read. Only requests that
 * passed steps 1 to 3 are remembered, so nobody without a trusted key can fill the nonce memory.
 *
 * <p>Step 3 is RFC 8032's check with the cofactor, on Bouncy Castle, about 2.4 times as fast as
 * Tink's check without it, on keys validated once when the node starts (a trusted key of small or
 * mixed order stops the node). The two checks differ only for a signature whose R has a small-order
 * component, which only the key's holder can make verify; and the verdict is this node's alone:
 * no other party has to reach the same one about the same request, as the ledger's parties must
 * about a certificate (see {@code VerifyingKey}, which makes the same choice for a key server's
 * requests). Every write is checked, on every node, so the check's cost is the write path's.
 *
 * <p>The nonce memory is lost at a restart, so step 6 keeps a write from being answered twice
 * only within one run; the floor in step 5 covers the restart. A write stamped before the node
 * started may have been answered by the run before; one stamped after it (a publisher whose clock
 * is ahead, within the window) may have been too. So before accepting a write stamped ahead of its
 * clock, the node records durably (fsync, file {@link #FLOOR_FILE}) a time past that stamp, rounded
 * up by {@link #CEILING_STEP_MILLIS} so that a fast publisher costs one fsync per step, not per
 * write; the next run refuses everything stamped before the later of its start and that time.
 * Thread-safe.
 */
final class PublisherTrust {
  /** How far a write's timestamp may lie from the node's clock, either way. */
  static final long REPLAY_WINDOW_MILLIS = 5 * 60_000;
  /** Nonces remembered at most; beyond it (after dropping expired ones) writes get 503 until some expire. */
  static final int MAX_REMEMBERED_NONCES = 1 << 20;

  /** File in the data directory holding the time up to which this node may have accepted writes. */
  static final String FLOOR_FILE = "write-floor";
  /** How far past an ahead-stamped write the recorded floor is set, so it is rewritten rarely. */
  static final long CEILING_STEP_MILLIS = 10_000;

  private static final Pattern B64 = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,18}");

  /** A request that passed: who signed it, and the body digest it promised. */
  record Verified(String publisher, byte[] bodyDigest) {
    /** Refuses a body whose SHA-256 is not the signed one. */
    void checkBody(byte[] body, int length) throws NodeException {
      checkDigest(WriteSignature.bodyDigest(body, 0, length));
    }

    /** Refuses a body whose SHA-256, computed as it streamed in, is not the signed one. */
    void checkDigest(byte[] sha256) throws NodeException {
      if (!Hashes.equal(sha256, bodyDigest)) {
        throw new NodeException(Reason.BODY_MISMATCH, "the body is not the one the publisher signed");
      }
    }
  }

  private final Map<String, PublicPoint> trusted = new LinkedHashMap<>();
  private final LongSupplier nowMillis;
  private final long floorMillis;
  private final Path floorFile;
  private final SeenIds seen = new SeenIds(MAX_REMEMBERED_NONCES);
  /** Time up to which writes may be accepted without writing {@link #floorFile} again; guarded by this. */
  private long ceilingMillis;

  /**
   * Trusts {@code publicKeys}; the restart floor is kept in {@link #FLOOR_FILE} under {@code dataDir}.
   * A floor file that does not parse stops the node, naming the file.
   */
  PublisherTrust(List<byte[]> publicKeys, LongSupplier nowMillis, Path dataDir) throws IOException {
    this.nowMillis = nowMillis;
    this.floorFile = dataDir.resolve(FLOOR_FILE);
    long recorded = readFloor(floorFile);
    this.floorMillis = Math.max(nowMillis.getAsLong(), recorded);
    this.ceilingMillis = floorMillis;
    for (byte[] key : publicKeys) {
      String name = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
      PublicPoint point = key.length == Ed25519.PUBLIC_KEY_SIZE ? Ed25519.validatePublicKeyFullExport(key, 0) : null;
      if (point == null) {
        throw new IllegalArgumentException("trusted publisher key " + name + " is not a valid Ed25519 public key"
            + " (32 bytes, a canonical point of the prime-order subgroup)");
      }
      trusted.put(name, point);
    }
  }

  /**
   * Checks steps 1 to 6 for a request; {@code header} looks a header up by name. May write and
   * fsync the floor file (a write stamped ahead of the node's clock), so call it off the event loop.
   */
  Verified verify(String method, String pathAndQuery, Function<String, String> header)
      throws NodeException, IOException {
    String publisher = header.apply(WriteSignature.PUBLISHER);
    String timestamp = header.apply(WriteSignature.TIMESTAMP);
    String nonce = header.apply(WriteSignature.NONCE);
    String digest = header.apply(WriteSignature.BODY_SHA256);
    String signature = header.apply(WriteSignature.SIGNATURE);
    if (publisher == null || timestamp == null || nonce == null || digest == null || signature == null) {
      throw new NodeException(Reason.UNTRUSTED_PUBLISHER_UNSIGNED, "writes must be signed by a trusted publisher ("
          + WriteSignature.PUBLISHER + ", " + WriteSignature.SIGNATURE + " and their companions)");
    }
    byte[] nonceBytes = decode(nonce, WriteSignature.NONCE_BYTES);
    byte[] digestBytes = decode(digest, Hashes.DIGEST_BYTES);
    byte[] signatureBytes = decode(signature, 64);
    if (!DECIMAL.matcher(timestamp).matches() || nonceBytes == null || digestBytes == null
        || signatureBytes == null || !B64.matcher(publisher).matches()) {
      throw new NodeException(Reason.UNTRUSTED_PUBLISHER_UNSIGNED, "malformed write signature headers");
    }
    PublicPoint key = trusted.get(publisher);
    if (key == null) {
      throw new NodeException(Reason.UNTRUSTED_PUBLISHER, "publisher " + cut(publisher)
          + " is not trusted by this node");
    }
    long at = Long.parseLong(timestamp);
    byte[] signed;
    try {
      signed = WriteSignature.signedBytes(method, pathAndQuery, at, nonceBytes, digestBytes);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "request target too long");
    }
    if (!Ed25519.verify(signatureBytes, 0, key, signed, 0, signed.length)) {
      throw new NodeException(Reason.UNTRUSTED_PUBLISHER, "the write signature does not verify for "
          + method + " " + cut(pathAndQuery));
    }
    long now = nowMillis.getAsLong();
    if (Math.abs(now - at) > REPLAY_WINDOW_MILLIS) {
      throw new NodeException(Reason.STALE_REQUEST, "the write was signed at " + at + ", more than "
          + REPLAY_WINDOW_MILLIS + " ms from this node's clock (" + now + ")");
    }
    if (at < floorMillis) {
      throw new NodeException(Reason.REQUEST_BEFORE_RESTART, "the write is stamped " + at + ", before " + floorMillis
          + ", when this node (re)started or up to when the node before it may have accepted writes; it may have"
          + " been answered before the restart, so sign it again with a fresh timestamp");
    }
    if (at > now) {
      raiseCeiling(at);
    }
    remember(publisher + '/' + nonce, Math.max(at, now) + REPLAY_WINDOW_MILLIS, now);
    return new Verified(publisher, digestBytes);
  }

  /** The earliest timestamp this run accepts. */
  long floorMillis() {
    return floorMillis;
  }

  private synchronized void raiseCeiling(long at) throws IOException {
    if (at < ceilingMillis) {
      return;
    }
    long ceiling = at + CEILING_STEP_MILLIS;
    DurableFiles.write(floorFile, Long.toString(ceiling).getBytes(StandardCharsets.US_ASCII), true);
    ceilingMillis = ceiling;
  }

  private static long readFloor(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    if (!DECIMAL.matcher(text).matches()) {
      throw new IOException("damaged write floor file " + file + ": not a decimal time");
    }
    return Long.parseLong(text);
  }

  /** Nonces remembered now (for tests and metrics). */
  int remembered() {
    return seen.size();
  }

  private void remember(String key, long until, long now) throws NodeException {
    switch (seen.remember(key, until, now)) {
      case REPLAYED -> throw new NodeException(Reason.REPLAYED_REQUEST, "this signed write was already received");
      case FULL -> throw new NodeException(Reason.TOO_MANY_UPLOADS,
          "too many writes within the replay window; retry shortly");
      case FRESH -> {
        // now and then, so the memory holds about one window of writes, not the most it may
        if ((seen.size() & 0xFFF) == 0) {
          seen.sweep(now);
        }
      }
    }
  }

  /** Trusted keys, URL-safe base64 (for the start-up log line). */
  List<String> trustedKeys() {
    return new ArrayList<>(trusted.keySet());
  }

  private static byte[] decode(String text, int length) {
    if (!B64.matcher(text).matches()) {
      return null;
    }
    try {
      byte[] b = Base64.getUrlDecoder().decode(text);
      return b.length == length ? b : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String cut(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
