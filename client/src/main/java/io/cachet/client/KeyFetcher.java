package io.cachet.client;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.BoundedBody;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.Share;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.crypto.protocol.ShareRelease;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.Reason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Gets an envelope's data key from the key servers.
 *
 * <p>Design: every slot's server is asked at once, one signed request each, under one session
 * certificate per client session. Each answer is checked in full before it counts: the response
 * is for this request and server, the receipt is signed by the server's pinned key over this
 * requester, policy, object and share index and over the exact re-sealed share, and the share
 * opens under the envelope's context with this request id bound in. The key is rebuilt as soon as
 * t good shares rebuild the committed key ({@link ShareRound}: a wrong share from one server is
 * outvoted by the later answers), and the fetch fails as soon as that can no longer happen, naming
 * every server's answer. A share is never logged; the shares are destroyed once the round ends.
 *
 * <p>A refusal is final only from servers that had seen the ledger as it stood when they refused.
 * A grant the reader relies on may have been committed a moment before they asked, and a server
 * whose follower had not applied its block yet refuses what it would allow a block later. So when
 * the key is refused and a refusing server decided below the ledger's head (read once, after the
 * refusal), the fetch asks again every {@link #RETRY_DELAY} until every refusal is at or above
 * that head, or {@link #CATCH_UP} has passed since the first try: the bound within which the
 * design has key servers apply a change. The height in a denial is not signed; a server that lies
 * about it can only make the refused wait that long, never let anyone in.
 */
final class KeyFetcher {
  /** How long a refusal by servers behind the ledger is asked again; the design's propagation bound. */
  static final Duration CATCH_UP = Duration.ofSeconds(2);
  static final Duration RETRY_DELAY = Duration.ofMillis(100);
  /**
   * Most bytes of a key server's answer to a fetch: a full batch of released shares with their
   * receipts is a few hundred KiB. A server that sends more is cut off there and counts as
   * unavailable ({@value AnswerTooLargeException#REASON}), like one that did not answer.
   */
  static final int MAX_FETCH_ANSWER_BYTES = 1 << 20;
  /** The refusals a later block can turn round; a context that does not open, or another ledger, it cannot. */
  private static final Set<String> LEDGER_DECISIONS = Stream.of(Reason.UNKNOWN_POLICY, Reason.NOT_A_MEMBER,
      Reason.NOT_YET_VALID, Reason.EXPIRED, Reason.LOCKED).map(Reason::name).collect(Collectors.toUnmodifiableSet());

  private final Vertx vertx;
  private final LedgerClient ledger;
  private final ClientConfig config;
  private final Identity identity;
  private final HttpClient http;
  private final Executor crypto;
  private final SecureRandom random;
  private final Clock clock;
  private Session session;

  private record Session(Identity key, SessionCertificate certificate) {}

  KeyFetcher(Vertx vertx, LedgerClient ledger, ClientConfig config, Identity identity, HttpClient http,
      Executor crypto, SecureRandom random, Clock clock) {
    this.vertx = vertx;
    this.ledger = ledger;
    this.config = config;
    this.identity = identity;
    this.http = http;
    this.crypto = crypto;
    this.random = random;
    this.clock = clock;
  }

  /** A session certificate with at least a fifth of its lifetime left, made anew otherwise. */
  private synchronized Session session() {
    Instant now = clock.instant();
    if (session == null
        || now.plus(config.sessionTtl().dividedBy(5)).isAfter(session.certificate().expiresAt())) {
      Identity key = Identity.generate(random);
      List<String> audience = config.keyServers().stream().map(ClientConfig.KeyServer::id).toList();
      session = new Session(key, SessionCertificate.issue(identity, key.verifyingKey(), now, config.sessionTtl(),
          audience));
    }
    return session;
  }

  /** Completes with the data key (checked against the header's commitment) or fails with a typed exception. */
  Future<DataKey> fetch(EnvelopeHeader header) {
    if (!header.ledgerId().equals(config.ledgerId())) {
      return Future.failedFuture(new CachetSecurityException("WRONG_LEDGER", "this blob's policy lives on ledger '"
          + header.ledgerId() + "', not on '" + config.ledgerId() + "' that this client follows"));
    }
    return attempt(header, System.nanoTime() + CATCH_UP.toNanos(), -1);
  }

  /**
   * One round of asking every server; on a refusal, another round while a refusing server may have
   * been behind {@code head} (the ledger's height, read after the first refusal; -1 before).
   */
  private Future<DataKey> attempt(EnvelopeHeader header, long deadline, long head) {
    Session s = session();
    ShareRound round = new ShareRound(header);
    AtomicLong lowestDenial = new AtomicLong(Long.MAX_VALUE);
    for (KeyServerSlot slot : header.slots()) {
      ClientConfig.KeyServer server = config.keyServer(slot.keyServerId());
      if (server == null) {
        round.answer(new ServerOutcome(slot.keyServerId(), ServerOutcome.Kind.UNAVAILABLE, 0, "UNKNOWN_KEY_SERVER",
            "the envelope names a key server this client's network descriptor does not list"), null);
        continue;
      }
      ask(server, slot.index(), header, s).onComplete(ar -> {
        if (ar.succeeded()) {
          round.answer(new ServerOutcome(server.id(), ServerOutcome.Kind.RELEASED, 200, null, null), ar.result());
        } else if (ar.cause() instanceof Refusal r) {
          if (r.outcome.kind() == ServerOutcome.Kind.DENIED && LEDGER_DECISIONS.contains(r.outcome.reason())) {
            lowestDenial.accumulateAndGet(r.ledgerHeight, Math::min);
          }
          round.answer(r.outcome, null);
        } else {
          round.answer(new ServerOutcome(server.id(), ServerOutcome.Kind.UNAVAILABLE, 0, "UNREACHABLE",
              describe(ar.cause())), null);
        }
      });
    }
    return round.promise.future().recover(e -> {
      if (!(e instanceof AccessRefusedException) || lowestDenial.get() == Long.MAX_VALUE
          || System.nanoTime() + RETRY_DELAY.toNanos() > deadline) {
        return Future.failedFuture(e);
      }
      Future<Long> ledgerHead = head >= 0 ? Future.succeededFuture(head)
          : ledger.head().map(j -> j.getLong("height", -1L)).otherwise(-1L);
      return ledgerHead.compose(h -> h < 0 || lowestDenial.get() >= h
          ? Future.failedFuture(e)
          : vertx.timer(RETRY_DELAY.toMillis()).compose(v -> attempt(header, deadline, h)));
    });
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  /** One server's answer that is not a share: carried through the future to the round. */
  private static final class Refusal extends Exception {
    final ServerOutcome outcome;
    /** The ledger height the server says it decided at; -1 when it did not decide (a request-level answer). */
    final long ledgerHeight;

    Refusal(ServerOutcome outcome) {
      this(outcome, -1);
    }

    Refusal(ServerOutcome outcome, long ledgerHeight) {
      super(outcome.toString(), null, false, false);
      this.outcome = outcome;
      this.ledgerHeight = ledgerHeight;
    }
  }

  private Future<Share> ask(ClientConfig.KeyServer server, int index, EnvelopeHeader header, Session s) {
    HpkeKeyPair ephemeral = HpkeKeyPair.generate();
    FetchKeyRequest request = FetchKeyRequest.create(s.key(), s.certificate(), server.id(), ephemeral.publicKey(),
        List.of(FetchKeyItem.of(header, index)), clock.instant(), random);
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(server.url().resolve("/v1/fetch_key").toString())
        .setIdleTimeout(config.requestTimeout().toMillis())
        .putHeader("content-type", "application/json");
    return BoundedBody.exchange(http, post, Buffer.buffer(request.toJson()), "a key server's fetch answer",
            MAX_FETCH_ANSWER_BYTES)
        .recover(e -> {
          AnswerTooLargeException tooLarge = AnswerTooLargeException.in(e);
          return Future.failedFuture(tooLarge == null ? e : new Refusal(new ServerOutcome(server.id(),
              ServerOutcome.Kind.UNAVAILABLE, 0, AnswerTooLargeException.REASON, tooLarge.getMessage())));
        })
        .compose(r -> r.status() == 200
            ? runOnCrypto(() -> open(server, index, header, request, ephemeral, r.body()))
            : Future.failedFuture(new Refusal(httpRefusal(server, r))));
  }

  private <T> Future<T> runOnCrypto(java.util.concurrent.Callable<T> work) {
    Promise<T> p = Promise.promise();
    crypto.execute(() -> {
      try {
        p.complete(work.call());
      } catch (Throwable t) {
        p.fail(t);
      }
    });
    return p.future();
  }

  /** Checks one 200 answer in full and opens its share; anything off is INVALID, never a share. */
  private Share open(ClientConfig.KeyServer server, int index, EnvelopeHeader header, FetchKeyRequest request,
      HpkeKeyPair ephemeral, Buffer body) throws Refusal {
    FetchKeyResponse response;
    try {
      response = FetchKeyResponse.fromJson(body == null ? new byte[0] : body.getBytes());
    } catch (FormatException e) {
      throw invalid(server, "MALFORMED_RESPONSE", e.getMessage());
    }
    if (!response.requestId().equals(request.requestId()) || !response.keyServerId().equals(server.id())
        || response.items().size() != 1) {
      throw invalid(server, "WRONG_RESPONSE", "the answer is not for this request");
    }
    ItemResult item = response.items().get(0);
    if (!item.isReleased()) {
      throw new Refusal(new ServerOutcome(server.id(), ServerOutcome.Kind.DENIED, 200, item.reason(), item.message()),
          response.ledgerHeight());
    }
    Receipt receipt = item.receipt();
    if (!receipt.keyServerId().equals(server.id()) || !receipt.requestId().equals(request.requestId())
        || !receipt.requester().equals(identity.address()) || !receipt.policyId().equals(header.policyId())
        || !receipt.objectId().equals(header.objectId()) || receipt.shareIndex() != index) {
      throw invalid(server, "BAD_RECEIPT", "the receipt is for another request, requester, policy, object or share");
    }
    try {
      receipt.verify(server.signingKey(), item.releasedShare());
    } catch (CachetSecurityException e) {
      throw invalid(server, "BAD_RECEIPT", "the receipt does not verify under the pinned key: " + e.getMessage());
    }
    try {
      return ShareRelease.open(item.releasedShare(), header.shareContext(index), request.requestId(), ephemeral);
    } catch (CachetSecurityException e) {
      throw invalid(server, "BAD_SHARE", "the released share does not open: " + e.getMessage());
    }
  }

  private static Refusal invalid(ClientConfig.KeyServer server, String reason, String message) {
    return new Refusal(new ServerOutcome(server.id(), ServerOutcome.Kind.INVALID, 200, reason, message));
  }

  /** A request-level answer in the one error shape: 429 and 5xx are unavailability, other 4xx a rejected request. */
  private static ServerOutcome httpRefusal(ClientConfig.KeyServer server, BoundedBody.Answer r) {
    String reason = "HTTP_" + r.status();
    String message = null;
    try {
      JsonObject e = r.json().getJsonObject("error");
      message = e.getString("message");
      reason = e.getJsonArray("details").getJsonObject(0).getString("reason", reason);
    } catch (RuntimeException ignored) {
      // not our error shape: the status says enough
    }
    ServerOutcome.Kind kind = r.status() == 429 || r.status() >= 500
        ? ServerOutcome.Kind.UNAVAILABLE : ServerOutcome.Kind.INVALID;
    return new ServerOutcome(server.id(), kind, r.status(), reason, message);
  }
}
