package io.cachet.keyserver;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session certificates whose signature has been checked, by digest (which covers every signed
 * field and the signature itself), kept until they expire. A hit saves one Ed25519 verification
 * per request; validity in time and audience are still checked on every request. Bounded: when
 * full, expired entries are dropped, and if that frees nothing, everything is (costing only
 * re-verification).
 */
final class CertificateCache {
  static final int CAPACITY = 100_000;

  private final ConcurrentHashMap<ByteBuffer, Long> verified = new ConcurrentHashMap<>();

  boolean isVerified(byte[] digest, long nowMillis) {
    Long expiry = verified.get(ByteBuffer.wrap(digest));
    return expiry != null && expiry > nowMillis;
  }

  void remember(byte[] digest, long expiresAtMillis, long nowMillis) {
    if (verified.size() >= CAPACITY) {
      verified.values().removeIf(e -> e <= nowMillis);
      if (verified.size() >= CAPACITY) {
        verified.clear();
      }
    }
    verified.put(ByteBuffer.wrap(digest.clone()), expiresAtMillis);
  }

  int size() {
    return verified.size();
  }
}
