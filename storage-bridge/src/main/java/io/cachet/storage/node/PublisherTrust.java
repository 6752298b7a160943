package io.cachet.storage.node;

import com.google.crypto.tink.subtle.Ed25519Verify;
import io.cachet.common.http.SeenIds;
import io.cachet.storage.codec.Hashes;
import io.cachet.storage.node.NodeException.Reason;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Decides whether a write request comes from a publisher this node trusts ({@link WriteSignature}).
 * Checks, in this order, each refusal naming what failed:
 *
 * <ol>
 *   <li>the five signature headers are present and well formed, else 401 UNTRUSTED_PUBLISHER;
 *   <li>the publisher key is one the node is configured to trust, else 403 UNTRUSTED_PUBLISHER;
 *   <li>the signature verifies over this method, path and query, else 403 UNTRUSTED_PUBLISHER;
 *   <li>the timestamp lies within {@link #REPLAY_WINDOW_MILLIS} of the node's clock and not before
 *       the node started, else 401 STALE_REQUEST;
 *   <li>the nonce was not seen from this publisher within the window, else 401 REPLAYED_REQUEST.
 * </ol>
 *
 * The body is checked later, against the signed digest, once it has been read. Only requests that
 * passed steps 1 to 3 are remembered, so nobody without a trusted key can fill the nonce memory.
 * The memory is lost at a restart; the start floor in step 4 keeps a request signed before the
 * restart from being answered again. Thread-safe.
 */
final class PublisherTrust {
  /** How far a write's timestamp may lie from the node's clock, either way. */
  static final long REPLAY_WINDOW_MILLIS = 5 * 60_000;
  /** Nonces remembered at most; beyond it (after dropping expired ones) writes get 503 until some expire. */
  static final int MAX_REMEMBERED_NONCES = 1 << 20;

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

  private final Map<String, Ed25519Verify> trusted = new LinkedHashMap<>();
  private final LongSupplier nowMillis;
  private final long startedAtMillis;
  private final SeenIds seen = new SeenIds(MAX_REMEMBERED_NONCES);

  PublisherTrust(List<byte[]> publicKeys, LongSupplier nowMillis) {
    this.nowMillis = nowMillis;
    this.startedAtMillis = nowMillis.getAsLong();
    for (byte[] key : publicKeys) {
      trusted.put(Base64.getUrlEncoder().withoutPadding().encodeToString(key), new Ed25519Verify(key));
    }
  }

  /** Checks steps 1 to 5 for a request; {@code header} looks a header up by name. */
  Verified verify(String method, String pathAndQuery, Function<String, String> header) throws NodeException {
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
    Ed25519Verify verifier = trusted.get(publisher);
    if (verifier == null) {
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
    try {
      verifier.verify(signatureBytes, signed);
    } catch (GeneralSecurityException e) {
      throw new NodeException(Reason.UNTRUSTED_PUBLISHER, "the write signature does not verify for "
          + method + " " + cut(pathAndQuery));
    }
    long now = nowMillis.getAsLong();
    if (Math.abs(now - at) > REPLAY_WINDOW_MILLIS) {
      throw new NodeException(Reason.STALE_REQUEST, "the write was signed at " + at + ", more than "
          + REPLAY_WINDOW_MILLIS + " ms from this node's clock (" + now + ")");
    }
    if (at < startedAtMillis) {
      throw new NodeException(Reason.STALE_REQUEST, "the write was signed before this node started");
    }
    remember(publisher + '/' + nonce, Math.max(at, now) + REPLAY_WINDOW_MILLIS, now);
    return new Verified(publisher, digestBytes);
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
