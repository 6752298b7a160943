package io.cachet.cli;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.ShareUnsealException;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.crypto.protocol.ShareRelease;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A key server's release logic run in-process for the demo: it speaks the real protocol messages
 * (verifies the session certificate and request, refuses replays, unseals under the presented
 * context, re-seals to the requester, signs a receipt). It has no ledger yet, so it releases to
 * any verified requester; the networked key server with policy checks replaces it.
 */
final class DemoKeyServer {
  private static final Duration REQUEST_WINDOW = Duration.ofMinutes(2);

  final String id;
  private final HpkeKeyPair hpke;
  private final Identity signing;
  final ServiceDescriptor descriptor;
  private final Set<String> seenRequests = new HashSet<>();

  DemoKeyServer(String id, SecureRandom random) {
    this.id = id;
    this.hpke = HpkeKeyPair.generate();
    this.signing = Identity.generate(random);
    this.descriptor = ServiceDescriptor.create(id, 1, hpke.publicKey(), signing, Cachet.version());
  }

  KeyServerKey sealingKey() {
    return new KeyServerKey(id, descriptor.hpkePublicKey());
  }

  FetchKeyResponse fetch(FetchKeyRequest request, Instant now) throws CachetSecurityException {
    request.verify(id, now, REQUEST_WINDOW);
    if (!seenRequests.add(request.requestId())) {
      throw new CachetSecurityException("REPLAYED_REQUEST", "request " + request.requestId() + " was already answered");
    }
    List<ItemResult> results = new ArrayList<>();
    for (int i = 0; i < request.items().size(); i++) {
      FetchKeyItem item = request.items().get(i);
      ShareContext context = item.context();
      try {
        Share share = Envelope.unsealShare(context, item.sealedShare(), hpke);
        byte[] released = ShareRelease.reseal(share, context, request.requestId(), request.responseKey());
        share.destroy();
        Receipt receipt = Receipt.sign(signing, id, request.requestId(), request.certificate().address(),
            context.policyId(), context.objectId(), context.index(), 0, now.toEpochMilli(), now.toEpochMilli(),
            released);
        results.add(ItemResult.released(i, released, receipt));
      } catch (ShareUnsealException e) {
        results.add(ItemResult.denied(i, e.reason(), e.getMessage()));
      }
    }
    return new FetchKeyResponse(request.requestId(), id, 0, results);
  }
}
