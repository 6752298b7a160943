package io.cachet.crypto.protocol;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.ExpiredException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A requester's identity key vouching for a short-lived session key: {address, identity key,
 * session key, created-at, ttl <= 30 min, audience}, signed by the identity key. The session key
 * then signs each request, so the identity key signs once per session, not once per request.
 */
public record SessionCertificate(
    Address address,
    VerifyingKey identityKey,
    VerifyingKey sessionKey,
    long createdAtMillis,
    int ttlSeconds,
    List<String> audience,
    byte[] signature) {

  /** Longest session a certificate may grant. */
  public static final Duration MAX_TTL = Duration.ofMinutes(30);

  /** Most key servers one certificate may name. */
  public static final int MAX_AUDIENCE = 32;

  public SessionCertificate {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(identityKey, "identityKey");
    Objects.requireNonNull(sessionKey, "sessionKey");
    if (createdAtMillis < 0) {
      throw new IllegalArgumentException("createdAtMillis must not be negative");
    }
    if (ttlSeconds < 1 || ttlSeconds > MAX_TTL.toSeconds()) {
      throw new IllegalArgumentException("ttlSeconds must be 1.." + MAX_TTL.toSeconds());
    }
    audience = List.copyOf(audience);
    if (audience.isEmpty() || audience.size() > MAX_AUDIENCE) {
      throw new IllegalArgumentException("audience must name 1.." + MAX_AUDIENCE + " key servers");
    }
    audience.forEach(a -> Names.check(a, "audience"));
    Objects.requireNonNull(signature, "signature");
    signature = signature.clone();
  }

  public static SessionCertificate issue(Identity identity, VerifyingKey sessionKey, Instant createdAt,
      Duration ttl, List<String> audience) {
    if (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0 || ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("ttl must be 1 s.." + MAX_TTL);
    }
    SessionCertificate unsigned = new SessionCertificate(identity.address(), identity.verifyingKey(), sessionKey,
        createdAt.toEpochMilli(), (int) ttl.toSeconds(), audience, new byte[0]);
    return new SessionCertificate(unsigned.address, unsigned.identityKey, sessionKey, unsigned.createdAtMillis,
        unsigned.ttlSeconds, unsigned.audience, identity.sign(unsigned.signedBytes()));
  }

  public byte[] signedBytes() {
    CanonicalWriter w = CanonicalWriter.tagged("cachet/session-certificate/v1")
        .fixed(address.bytes())
        .fixed(identityKey.bytes())
        .fixed(sessionKey.bytes())
        .u64(createdAtMillis)
        .u32(ttlSeconds)
        .u8(audience.size());
    audience.forEach(w::string8);
    return w.toByteArray();
  }

  /** Binds a request to this exact certificate, signature included. */
  public byte[] digest() {
    return Blake2b.hash256(signedBytes(), signature);
  }

  public Instant createdAt() {
    return Instant.ofEpochMilli(createdAtMillis);
  }

  public Instant expiresAt() {
    return createdAt().plusSeconds(ttlSeconds);
  }

  /** Checks the signature and that the address is the identity key's. Independent of time. */
  public void verifySignature() throws InvalidSignatureException {
    if (!identityKey.address().equals(address)) {
      throw new InvalidSignatureException("session certificate: address " + address
          + " does not belong to its identity key");
    }
    identityKey.verify(signedBytes(), signature, "session certificate of " + address);
  }

  /**
   * Checks that the certificate is in force at {@code now} (created no later than {@code now +
   * skew}, not yet expired) and names {@code keyServerId} in its audience.
   */
  public void verifyValidity(Instant now, String keyServerId, Duration skew) throws CachetSecurityException {
    if (createdAt().isAfter(now.plus(skew))) {
      throw new ExpiredException("SESSION_NOT_YET_VALID", "session certificate of " + address
          + " is created in the future (" + createdAt() + ")");
    }
    if (!now.isBefore(expiresAt())) {
      throw new ExpiredException("SESSION_EXPIRED", "session certificate of " + address + " expired at "
          + expiresAt());
    }
    if (!audience.contains(keyServerId)) {
      throw new CachetSecurityException("WRONG_AUDIENCE", "session certificate of " + address
          + " is not addressed to key server " + keyServerId);
    }
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  public String toJson() {
    return Json.write(this);
  }

  public static SessionCertificate fromJson(String json) throws FormatException {
    return Json.read(json, SessionCertificate.class);
  }
}
