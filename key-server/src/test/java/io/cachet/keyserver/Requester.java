package io.cachet.keyserver;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ResponseCheck;
import io.cachet.crypto.protocol.SessionCertificate;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A reader: an identity, a session key vouched for by a certificate, an ephemeral response key. */
final class Requester {
  static final SecureRandom RANDOM = new SecureRandom();

  final Identity identity;
  final Identity session = Identity.generate(RANDOM);
  final HpkeKeyPair responseKey = HpkeKeyPair.generate();
  final Clock clock;
  SessionCertificate certificate;

  Requester(Clock clock, List<String> audience) {
    this(Identity.generate(RANDOM), clock, audience, Duration.ofMinutes(30));
  }

  Requester(Identity identity, Clock clock, List<String> audience, Duration ttl) {
    this.identity = identity;
    this.clock = clock;
    this.certificate = SessionCertificate.issue(identity, session.verifyingKey(), clock.instant(), ttl, audience);
  }

  Address address() {
    return identity.address();
  }

  FetchKeyRequest request(String serverId, List<FetchKeyItem> items) {
    return FetchKeyRequest.create(session, certificate, serverId, responseKey.publicKey(), items, clock.instant(),
        RANDOM);
  }

  /**
   * Checks {@code response} in full as the client does (receipt under {@code server}'s key, every
   * item, the sealed shares) and opens its shares: one outcome per item.
   */
  List<ResponseCheck.Outcome> open(FetchKeyRequest request, FetchKeyResponse response, KeyServer server)
      throws CachetSecurityException {
    return ResponseCheck.open(request, response, server.descriptor().verifyingKey(), address(), responseKey);
  }

  /** A request stamped {@code skew} away from this requester's clock (a clock that runs fast, say). */
  FetchKeyRequest requestStamped(String serverId, List<FetchKeyItem> items, Duration skew) {
    return FetchKeyRequest.create(session, certificate, serverId, responseKey.publicKey(), items,
        clock.instant().plus(skew), RANDOM);
  }
}
