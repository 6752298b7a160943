package io.cachet.keyserver;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.protocol.SessionCertificate;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session certificates this key server has verified in full, kept as the very objects that were
 * checked, so that a session's later requests spend nothing on the certificate: no Ed25519
 * verification of its signature, no point validation of its session key.
 *
 * <p>Invariants:
 *
 * <ol>
 *   <li>An entry is a {@link SessionCertificate} whose signature verified
 *       ({@link SessionCertificate#verifySignature}) and whose session key is a sound Ed25519 key
 *       ({@link io.cachet.crypto.VerifyingKey#isSound}). The object is kept, not a flag: its session
 *       key carries its validation with it, so reusing the object reuses that work.
 *   <li>A lookup hits only when the presented certificate's canonical bytes and signature equal the
 *       entry's byte for byte. The digest is the index, not the proof: a certificate that differs in
 *       any byte, or one that merely shares a digest, is verified in full.
 *   <li>Nothing that depends on time, the chain followed or the audience is decided here: the caller
 *       checks those on every request, on the cached object. Expiry here is housekeeping (an entry
 *       leaves when its certificate can no longer be used, measured from the clock at insertion on
 *       the ticker), so a clock that jumps can only cost a re-verification or keep a useless entry a
 *       little longer, never admit an expired certificate.
 *   <li>Bounded by an estimate of the heap it holds ({@link #MAX_WEIGHT}), so certificates with long
 *       audiences cannot grow it past the bound; eviction costs only a re-verification.
 * </ol>
 *
 * <p>Thread-safe; Caffeine's upkeep runs on the calling thread, so nothing happens behind a test's
 * back.
 */
final class CertificateCache {
  /** Heap the cache may hold, estimated: about 50,000 certificates of a few audience names each. */
  static final long MAX_WEIGHT = 64L << 20;
  /**
   * Heap an entry costs beyond its canonical bytes, estimated: the certificate record, its two keys
   * with their verifiers and decoded points, the copy of the bytes, the cache's node.
   */
  static final int ENTRY_OVERHEAD = 1024;

  /** A verified certificate and the bytes a presented one must equal to be it. */
  private record Entry(SessionCertificate certificate, byte[] canonical) {}

  private final Clock clock;
  private final Cache<ByteBuffer, Entry> verified;
  private final LongAdder verifications = new LongAdder();
  private final LongAdder keyValidations = new LongAdder();
  private final LongAdder hits = new LongAdder();

  /** The production cache: bounded by {@link #MAX_WEIGHT}, entries timed on the system ticker. */
  CertificateCache(Clock clock) {
    this(clock, Ticker.systemTicker(), MAX_WEIGHT);
  }

  CertificateCache(Clock clock, Ticker ticker, long maxWeight) {
    this.clock = clock;
    this.verified = Caffeine.newBuilder()
        .ticker(ticker)
        .executor(Runnable::run)
        .maximumWeight(maxWeight)
        .weigher((ByteBuffer digest, Entry e) -> ENTRY_OVERHEAD + e.canonical().length)
        .expireAfter(Expiry.writing((ByteBuffer digest, Entry e) -> untilExpiry(e.certificate())))
        .build();
  }

  /**
   * The verified certificate byte-equal to {@code presented}: the cached object on a hit, else
   * {@code presented} itself once its signature and session key have been checked in full (and,
   * while it has time left, remembered).
   *
   * @throws InvalidSignatureException the certificate's signature does not verify for its address,
   *     or its session key is not a sound Ed25519 key
   */
  SessionCertificate verified(SessionCertificate presented) throws InvalidSignatureException {
    return verified(presented.digest(), presented);
  }

  /**
   * As {@link #verified(SessionCertificate)}, with the digest given: a test can thereby present a
   * certificate under another one's digest, as a digest collision would.
   */
  SessionCertificate verified(byte[] digest, SessionCertificate presented) throws InvalidSignatureException {
    byte[] canonical = canonical(presented);
    ByteBuffer key = ByteBuffer.wrap(digest.clone());
    Entry cached = verified.getIfPresent(key);
    // public bytes, so a plain comparison: nothing secret leaks through its timing
    if (cached != null && Arrays.equals(cached.canonical(), canonical)) {
      hits.increment();
      return cached.certificate();
    }
    verifications.increment();
    presented.verifySignature();
    keyValidations.increment();
    if (!presented.sessionKey().isSound()) {
      throw new InvalidSignatureException("session certificate of " + presented.address() + ": its session key is"
          + " not a valid Ed25519 public key (small or mixed order)");
    }
    if (!untilExpiry(presented).isZero()) {
      verified.put(key, new Entry(presented, canonical));
    }
    return presented;
  }

  /** Whether exactly this certificate (byte for byte) has been verified and is still held; counts nothing. */
  boolean holds(SessionCertificate presented) {
    Entry cached = verified.getIfPresent(ByteBuffer.wrap(presented.digest()));
    return cached != null && Arrays.equals(cached.canonical(), canonical(presented));
  }

  private Duration untilExpiry(SessionCertificate c) {
    return Duration.ofMillis(Math.max(0, c.expiresAt().toEpochMilli() - clock.millis()));
  }

  /** Everything the digest covers: the signed fields (self-delimiting, so no separator is needed) and the signature. */
  private static byte[] canonical(SessionCertificate c) {
    byte[] signed = c.signedBytes();
    byte[] signature = c.signature();
    byte[] all = Arrays.copyOf(signed, signed.length + signature.length);
    System.arraycopy(signature, 0, all, signed.length, signature.length);
    return all;
  }

  // ---------------------------------------------------------------- counts, for metrics and tests

  /** Certificates whose signature was verified in full (every miss). */
  long verifications() {
    return verifications.sum();
  }

  /** Session keys validated as Ed25519 points (every miss whose signature verified). */
  long keyValidations() {
    return keyValidations.sum();
  }

  /** Requests whose certificate was taken from the cache, unverified again. */
  long hits() {
    return hits.sum();
  }

  /** Certificates held now (after pending upkeep). */
  long size() {
    verified.cleanUp();
    return verified.estimatedSize();
  }
}
