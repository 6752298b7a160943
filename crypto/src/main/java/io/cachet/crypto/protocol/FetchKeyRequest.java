package io.cachet.crypto.protocol;

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
import java.util.regex.Pattern;

/**
 * {@code POST /v1/fetch_key}: a batch of sealed shares for one key server, the session
 * certificate, the ephemeral HPKE key the released shares are to be sealed to, a random request
 * id and a timestamp, all signed by the session key.
 *
 * <p>{@link #verify} checks everything that needs no state: the certificate (signature, time,
 * audience), the request signature, the timestamp window, that every item is addressed to this
 * key server. Refusing a replayed request id needs memory of past ids and is the key server's.
 */
public record FetchKeyRequest(
    String requestId,
    String keyServerId,
    long timestampMillis,
    SessionCertificate certificate,
    HpkeRecipientKey responseKey,
    List<FetchKeyItem> items,
    byte[] signature) {

  /** Most items one request may carry. */
  public static final int MAX_ITEMS = 100;

  private static final Pattern REQUEST_ID = Pattern.compile("[0-9a-f]{32}");

  public FetchKeyRequest {
    checkRequestId(requestId);
    Names.check(keyServerId, "keyServerId");
    if (timestampMillis < 0) {
      throw new IllegalArgumentException("timestampMillis must not be negative");
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
    if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
      throw new IllegalArgumentException("requestId must be 32 lower-case hex digits");
    }
    return requestId;
  }

  /** Builds and signs a request with the session key the certificate vouches for. */
  public static FetchKeyRequest create(Identity sessionKey, SessionCertificate certificate, String keyServerId,
      HpkeRecipientKey responseKey, List<FetchKeyItem> items, Instant now, SecureRandom random) {
    if (!sessionKey.verifyingKey().equals(certificate.sessionKey())) {
      throw new IllegalArgumentException("the session key is not the one the certificate vouches for");
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    FetchKeyRequest unsigned = new FetchKeyRequest(HexFormat.of().formatHex(id), keyServerId, now.toEpochMilli(),
        certificate, responseKey, items, new byte[0]);
    return new FetchKeyRequest(unsigned.requestId, keyServerId, unsigned.timestampMillis, certificate, responseKey,
        unsigned.items, sessionKey.sign(unsigned.signedBytes()));
  }

  public byte[] signedBytes() {
    CanonicalWriter w = CanonicalWriter.tagged("cachet/fetch-key/v1")
        .string8(requestId)
        .string8(keyServerId)
        .u64(timestampMillis)
        .fixed(certificate.digest())
        .fixed(responseKey.bytes())
        .u8(items.size());
    for (FetchKeyItem item : items) {
      w.bytes8(item.context().info()).fixed(item.keyFingerprint()).bytes8(item.sealedShare());
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
    certificate.sessionKey().verify(signedBytes(), signature, "fetch_key request " + requestId);
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

  public static FetchKeyRequest fromJson(byte[] json) throws FormatException {
    return Json.read(json, FetchKeyRequest.class);
  }
}
