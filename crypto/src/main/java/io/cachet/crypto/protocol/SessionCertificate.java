package io.cachet.crypto.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.EvmSignatures;
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
 * A requester vouching for a short-lived session key: {address, session key, created-at, ttl <= 30
 * min, audience}, signed under the address. The session key then signs each request, so the
 * requester's own key signs once per session, not once per request.
 *
 * <p>Two schemes: {@link Scheme#ED25519}, signed by the Ed25519 identity key the certificate
 * carries (whose address must be {@code address}); {@link Scheme#EIP712}, EIP-712 typed data
 * ({@link SessionTypedData}) for chain {@code chainId}, signed with secp256k1, carrying no key: the
 * signer is recovered from the signature and must be {@code address}. The JSON of an Ed25519
 * certificate has no {@code scheme} field (as before there were two); an unknown scheme is refused
 * by name.
 */
public record SessionCertificate(
    Scheme scheme,
    long chainId,
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

  /** Reason code of a certificate for another chain than the key server follows. */
  public static final String WRONG_CHAIN = "WRONG_CHAIN";

  /** How a certificate is signed. */
  public enum Scheme {
    /** Ed25519 over {@link #signedBytes()}, by the identity key the certificate carries. */
    ED25519("ed25519"),
    /** secp256k1 over the EIP-712 digest of {@link SessionTypedData}; the signer is recovered. */
    EIP712("eip712");

    private final String wireName;

    Scheme(String wireName) {
      this.wireName = wireName;
    }

    /** The name in the JSON {@code scheme} field. */
    public String wireName() {
      return wireName;
    }
  }

  public SessionCertificate {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(sessionKey, "sessionKey");
    if (scheme == Scheme.ED25519) {
      Objects.requireNonNull(identityKey, "identityKey");
      if (chainId != 0) {
        throw new IllegalArgumentException("an Ed25519 session certificate names no chain");
      }
    } else {
      if (identityKey != null) {
        throw new IllegalArgumentException("an EIP-712 session certificate carries no identity key");
      }
      if (chainId <= 0) {
        throw new IllegalArgumentException("an EIP-712 session certificate names a positive chain id");
      }
      if (!address.isEvm()) {
        throw new IllegalArgumentException("an EIP-712 session certificate is for an EVM address, not " + address);
      }
    }
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

  /** An Ed25519 certificate, as there was one before EVM identities. */
  public SessionCertificate(Address address, VerifyingKey identityKey, VerifyingKey sessionKey, long createdAtMillis,
      int ttlSeconds, List<String> audience, byte[] signature) {
    this(Scheme.ED25519, 0, address, identityKey, sessionKey, createdAtMillis, ttlSeconds, audience, signature);
  }

  public static SessionCertificate issue(Identity identity, VerifyingKey sessionKey, Instant createdAt,
      Duration ttl, List<String> audience) {
    checkTtl(ttl);
    SessionCertificate unsigned = new SessionCertificate(identity.address(), identity.verifyingKey(), sessionKey,
        createdAt.toEpochMilli(), (int) ttl.toSeconds(), audience, new byte[0]);
    return unsigned.withSignature(identity.sign(unsigned.signedBytes()));
  }

  /** An EIP-712 certificate for chain {@code chainId}, signed by {@code identity}. */
  public static SessionCertificate issueEvm(EvmIdentity identity, long chainId, VerifyingKey sessionKey,
      Instant createdAt, Duration ttl, List<String> audience) {
    checkTtl(ttl);
    SessionCertificate unsigned = new SessionCertificate(Scheme.EIP712, chainId, identity.address(), null,
        sessionKey, createdAt.toEpochMilli(), (int) ttl.toSeconds(), audience, new byte[0]);
    return unsigned.withSignature(identity.signDigest(unsigned.typedDataDigest()));
  }

  private static void checkTtl(Duration ttl) {
    if (ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0 || ttl.toSeconds() < 1) {
      throw new IllegalArgumentException("ttl must be 1 s.." + MAX_TTL);
    }
  }

  private SessionCertificate withSignature(byte[] sig) {
    return new SessionCertificate(scheme, chainId, address, identityKey, sessionKey, createdAtMillis, ttlSeconds,
        audience, sig);
  }

  /**
   * The certificate's fields in canonical form, which {@link #digest()} covers. An Ed25519
   * signature is over these bytes; an EIP-712 signature is over {@link #typedDataDigest()}, which
   * hashes the same fields.
   */
  public byte[] signedBytes() {
    CanonicalWriter w;
    if (scheme == Scheme.ED25519) {
      w = CanonicalWriter.tagged("cachet/session-certificate/v1")
          .fixed(address.bytes())
          .fixed(identityKey.bytes());
    } else {
      w = CanonicalWriter.tagged("cachet/session-certificate/eip712/v1")
          .u64(chainId)
          .fixed(address.bytes());
    }
    w.fixed(sessionKey.bytes())
        .u64(createdAtMillis)
        .u32(ttlSeconds)
        .u8(audience.size());
    audience.forEach(w::string8);
    return w.toByteArray();
  }

  /** The EIP-712 digest an {@link Scheme#EIP712} certificate's signature covers. */
  public byte[] typedDataDigest() {
    if (scheme != Scheme.EIP712) {
      throw new IllegalStateException("an " + scheme.wireName() + " certificate has no EIP-712 digest");
    }
    return SessionTypedData.digest(chainId, address, sessionKey, createdAtMillis, ttlSeconds, audience);
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

  /**
   * Checks the signature and that it is {@code address}'s: for Ed25519, that the address is the
   * identity key's; for EIP-712, that the signer recovered from a canonical (low-s, v 27/28)
   * signature is the address. Independent of time and of which chain a key server follows.
   */
  public void verifySignature() throws InvalidSignatureException {
    String what = "session certificate of " + address;
    if (scheme == Scheme.EIP712) {
      Address signer = EvmSignatures.recover(typedDataDigest(), signature, what);
      if (!signer.equals(address)) {
        throw new InvalidSignatureException(what + " is signed by " + signer + ", not by its address");
      }
      return;
    }
    if (!identityKey.address().equals(address)) {
      throw new InvalidSignatureException("session certificate: address " + address
          + " does not belong to its identity key");
    }
    identityKey.verify(signedBytes(), signature, what);
  }

  /**
   * Checks that a key server following {@code followedLedgerId} may take this certificate: an
   * Ed25519 certificate names no chain and passes; an EIP-712 one only where the server follows
   * the EVM chain it names ({@code eip155:<chainId>}), so a signature made for one chain is not
   * accepted on another, nor by a key server of the embedded ledger.
   */
  public void verifyChain(String followedLedgerId) throws CachetSecurityException {
    if (scheme != Scheme.EIP712) {
      return;
    }
    String named = EvmLedgerId.chain(chainId);
    if (!named.equals(followedLedgerId)) {
      String followed = EvmLedgerId.isEvm(followedLedgerId) ? "chain " + followedLedgerId
          : "the embedded ledger " + followedLedgerId + ", where EVM session certificates are not accepted";
      throw new CachetSecurityException(WRONG_CHAIN, "session certificate of " + address + " is for " + named
          + ", but this key server follows " + followed);
    }
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

  /** The JSON form: an Ed25519 certificate exactly as before schemes existed; an EIP-712 one with its scheme. */
  @JsonValue
  Object wire() {
    if (scheme == Scheme.ED25519) {
      return new Ed25519Wire(address, identityKey, sessionKey, createdAtMillis, ttlSeconds, audience, signature);
    }
    return new Eip712Wire(scheme.wireName(), chainId, address, sessionKey, createdAtMillis, ttlSeconds, audience,
        signature);
  }

  /** Reads either JSON form, each as strictly as every protocol message ({@link Json}). */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static SessionCertificate fromWire(JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException("a session certificate is a JSON object");
    }
    JsonNode scheme = object.get("scheme");
    try {
      if (scheme == null) {
        return Json.read(object.toString(), Ed25519Wire.class).certificate();
      }
      if (scheme.isTextual() && Scheme.EIP712.wireName().equals(scheme.asText())) {
        return Json.read(object.toString(), Eip712Wire.class).certificate();
      }
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    throw new IllegalArgumentException("unknown session certificate scheme " + scheme + " (this build knows "
        + Scheme.EIP712.wireName() + ", and Ed25519 written without a scheme)");
  }

  record Ed25519Wire(
      @JsonProperty("address") Address address,
      @JsonProperty("identityKey") VerifyingKey identityKey,
      @JsonProperty("sessionKey") VerifyingKey sessionKey,
      @JsonProperty("createdAtMillis") long createdAtMillis,
      @JsonProperty("ttlSeconds") int ttlSeconds,
      @JsonProperty("audience") List<String> audience,
      @JsonProperty("signature") byte[] signature) {
    SessionCertificate certificate() {
      return new SessionCertificate(address, identityKey, sessionKey, createdAtMillis, ttlSeconds, audience,
          signature);
    }
  }

  record Eip712Wire(
      @JsonProperty("scheme") String scheme,
      @JsonProperty("chainId") long chainId,
      @JsonProperty("address") Address address,
      @JsonProperty("sessionKey") VerifyingKey sessionKey,
      @JsonProperty("createdAtMillis") long createdAtMillis,
      @JsonProperty("ttlSeconds") int ttlSeconds,
      @JsonProperty("audience") List<String> audience,
      @JsonProperty("signature") byte[] signature) {
    SessionCertificate certificate() {
      return new SessionCertificate(Scheme.EIP712, chainId, address, null, sessionKey, createdAtMillis, ttlSeconds,
          audience, signature);
    }
  }
}
