package io.cachet.crypto.protocol;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.ExpiredException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Names;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code POST /v1/fetch_key}: a batch of sealed shares for one key server, the session
 * certificate, the ephemeral HPKE key the released shares are to be sealed to, a random request
 * id, a timestamp and the lowest ledger height the requester needs decided, all signed by the
 * session key.
 *
 * <p>{@link #verify} checks everything that needs no state: the certificate (signature, time,
 * audience), the request signature, the timestamp window, that every item is addressed to this
 * key server. Refusing a replayed request id, and waiting for {@link #minLedgerHeight}, need the
 * key server's state and are its job.
 *
 * <p>Format {@value #VERSION}: the JSON names its {@code version}; a document without one is a
 * version 1 request (no ledger height), refused with a message naming that version rather than
 * read as if it asked for height 0.
 */
public record FetchKeyRequest(
    int version,
    String requestId,
    String keyServerId,
    long timestampMillis,
    long minLedgerHeight,
    SessionCertificate certificate,
    HpkeRecipientKey responseKey,
    List<FetchKeyItem> items,
    byte[] signature) {

  /**
   * The longest request window any key server may accept (its {@code request-window} is at most
   * this): a session certificate cannot outlive 30 minutes either. A requester with no window of its
   * own judges the time a receipt signs against this one.
   */
  public static final Duration MAX_WINDOW = Duration.ofMinutes(30);

  /** Most items one request may carry. */
  public static final int MAX_ITEMS = 100;

  /** The request format this build writes and reads; version 1 had no ledger height. */
  public static final int VERSION = 2;

  /** The domain tag of the signed bytes; it names the format version. */
  static final String SIGNING_TAG = "cachet/fetch-key/v" + VERSION;

  /** What {@link #declaredVersion} answers for a document whose version cannot be told. */
  public static final int UNREADABLE_VERSION = DeclaredVersion.UNREADABLE;

  /** Fields a version 1 request had, by which a document without {@code version} is told to be one. */
  private static final Set<String> V1_FIELDS = Set.of("requestId", "keyServerId", "timestampMillis", "signature");

  /** Lower-case hex digits in a request id. */
  private static final int REQUEST_ID_LENGTH = 32;

  public FetchKeyRequest {
    if (version != VERSION) {
      throw new IllegalArgumentException(versionMessage(version));
    }
    checkRequestId(requestId);
    Names.check(keyServerId, "keyServerId");
    if (timestampMillis < 0) {
      throw new IllegalArgumentException("timestampMillis must not be negative");
    }
    if (minLedgerHeight < 0) {
      throw new IllegalArgumentException("minLedgerHeight must not be negative");
    }
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(responseKey, "responseKey");
    items = List.copyOf(items);
    if (items.isEmpty() || items.size() > MAX_ITEMS) {
      throw new IllegalArgumentException("a request carries 1.." + MAX_ITEMS + " items, not " + items.size());
    }
    Objects.requireNonNull(signature, "signature");
    signature = signature.clone();
  }

  /** The one rule for request ids, shared by the response and the receipt that echo them. */
  static String checkRequestId(String requestId) {
    boolean sound = requestId != null && requestId.length() == REQUEST_ID_LENGTH;
    for (int i = 0; sound && i < REQUEST_ID_LENGTH; i++) {
      char c = requestId.charAt(i);
      sound = c >= '0' && c <= '9' || c >= 'a' && c <= 'f';
    }
    if (!sound) {
      throw new IllegalArgumentException("requestId must be 32 lower-case hex digits");
    }
    return requestId;
  }

  /** As {@link #create(Identity, SessionCertificate, String, HpkeRecipientKey, List, long, Instant, SecureRandom)} needing no height. */
  public static FetchKeyRequest create(Identity sessionKey, SessionCertificate certificate, String keyServerId,
      HpkeRecipientKey responseKey, List<FetchKeyItem> items, Instant now, SecureRandom random) {
    return create(sessionKey, certificate, keyServerId, responseKey, items, 0, now, random);
  }

  /**
   * Builds and signs a request with the session key the certificate vouches for; a key server
   * decides it at ledger height {@code minLedgerHeight} or above, or not at all.
   */
  public static FetchKeyRequest create(Identity sessionKey, SessionCertificate certificate, String keyServerId,
      HpkeRecipientKey responseKey, List<FetchKeyItem> items, long minLedgerHeight, Instant now,
      SecureRandom random) {
    if (!sessionKey.verifyingKey().equals(certificate.sessionKey())) {
      throw new IllegalArgumentException("the session key is not the one the certificate vouches for");
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    FetchKeyRequest unsigned = new FetchKeyRequest(VERSION, HexFormat.of().formatHex(id), keyServerId,
        now.toEpochMilli(), minLedgerHeight, certificate, responseKey, items, new byte[0]);
    return new FetchKeyRequest(VERSION, unsigned.requestId, keyServerId, unsigned.timestampMillis, minLedgerHeight,
        certificate, responseKey, unsigned.items, sessionKey.sign(unsigned.signedBytes()));
  }

  /**
   * BLAKE2b-256 of {@link #signedBytes()}: what a receipt signs to name this very request (its
   * response key, certificate, timestamp, height and items), not only its id.
   */
  public byte[] digest() {
    return digestOf(signedBytes());
  }

  /** {@link #digest()} from signed bytes already made (a key server makes them once, to verify). */
  public static byte[] digestOf(byte[] signedBytes) {
    return Blake2b.hash256(signedBytes);
  }

  public byte[] signedBytes() {
    CanonicalWriter w = CanonicalWriter.tagged(SIGNING_TAG)
        .string8(requestId)
        .string8(keyServerId)
        .u64(timestampMillis)
        .u64(minLedgerHeight)
        .fixed(certificate.digest())
        .fixed(responseKey.bytes())
        .u8(items.size());
    for (FetchKeyItem item : items) {
      w.fixed(item.signedBytes());
    }
    return w.toByteArray();
  }

  /**
   * Verifies the request as key server {@code keyServerId} at {@code now}: certificate, request
   * signature, the timestamp within {@code window} of {@code now}, and every item addressed here.
   */
  public void verify(String keyServerId, Instant now, Duration window) throws CachetSecurityException {
    if (!this.keyServerId.equals(keyServerId)) {
      throw new CachetSecurityException("WRONG_KEY_SERVER", "request is addressed to key server "
          + this.keyServerId + ", not " + keyServerId);
    }
    certificate.verifySignature();
    certificate.verifyValidity(now, keyServerId, window);
    certificate.sessionKey().verifyCofactored(signedBytes(), signature, "fetch_key request " + requestId);
    Instant at = Instant.ofEpochMilli(timestampMillis);
    if (at.isBefore(now.minus(window)) || at.isAfter(now.plus(window))) {
      throw new ExpiredException("STALE_REQUEST", "request " + requestId + " is timestamped " + at
          + ", outside " + window.toSeconds() + " s of " + now);
    }
    for (int i = 0; i < items.size(); i++) {
      if (!items.get(i).context().keyServerId().equals(keyServerId)) {
        throw new CachetSecurityException("WRONG_KEY_SERVER", "item " + i + " is for key server "
            + items.get(i).context().keyServerId());
      }
    }
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a request. A document of another format version is refused with a message naming the
   * version it declares (version 1 when it declares none).
   */
  public static FetchKeyRequest fromJson(byte[] json) throws FormatException {
    try {
      return Json.read(json, FetchKeyRequest.class);
    } catch (FormatException e) {
      int declared = declaredVersion(json);
      if (declared != VERSION && declared != UNREADABLE_VERSION) {
        throw new FormatException(versionMessage(declared), e);
      }
      throw e;
    }
  }

  /**
   * The format version a request document declares: its top-level {@code version} when that is
   * an integer; 1 for an object without one that has a version 1 request's fields (request id,
   * key-server id, timestamp, signature); else {@link #UNREADABLE_VERSION}. Never throws.
   */
  public static int declaredVersion(byte[] json) {
    return DeclaredVersion.of(json, V1_FIELDS);
  }

  static String versionMessage(int version) {
    return "fetch_key request format version " + version + " is not supported; this build reads version " + VERSION
        + (version < VERSION ? " (which signs the lowest ledger height the requester needs): upgrade the client"
            : "");
  }
}
