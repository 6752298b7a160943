package io.cachet.bench;

import io.cachet.crypto.Address;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.SessionCertificate;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * A reader with an open session, as a client holds one: an Ed25519 session key certified by the
 * reader's identity (Ed25519 on the embedded ledger, EIP-712 on an EVM chain) for a set of key
 * servers, and a response key. Requests it signs are new each time (fresh request id).
 */
final class BenchReader {
  /** How long a bench session lasts: the longest a key server accepts, longer than any phase. */
  private static final Duration SESSION = Duration.ofMinutes(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  final Address address;
  final Identity session = Identity.generate(RANDOM);
  final HpkeKeyPair responseKey = HpkeKeyPair.generate();
  final SessionCertificate certificate;

  BenchReader(Requester who, List<String> audience) {
    this.address = who.address();
    this.certificate = who.certify(session.verifyingKey(), Clock.systemUTC().instant(), SESSION, audience);
  }

  /** A signed fetch_key body for {@code serverId}. */
  Buffer request(String serverId, List<FetchKeyItem> items) {
    return Buffer.buffer(FetchKeyRequest.create(session, certificate, serverId, responseKey.publicKey(), items,
        Clock.systemUTC().instant(), RANDOM).toJson());
  }
}
