package io.cachet.client;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.Share;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.ResponseCheck;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.policy.LedgerClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Gets an envelope's data key from the key servers.
 *
 * <p>Design: every slot's server is asked at once, one signed request each, under one session
 * certificate per client session. Each answer is checked in full before it counts: the response
 * is for this request and server, the one receipt is signed by the server's pinned key over this
 * requester, the exact item asked for (its digest, ledger, policy, object and share index), the
 * decision the response states and the exact sealed shares, and the share opens under the
 * envelope's context with this request id bound in. The key is rebuilt as soon as
 * t good shares rebuild the committed key ({@link ShareRound}: a wrong share from one server is
 * outvoted by the later answers), and the fetch fails as soon as that can no longer happen, naming
 * every server's answer. A share is never logged; the shares are destroyed once the round ends.
 *
 * <p>The ledger height each request signs: the highest this client knows to be committed (the
 * blocks of its own transactions, and ledger heads it read), or, knowing none, the head read
 * now (0 if the ledger cannot be reached). A key server decides at that height or above, or
 * answers {@code LEDGER_BEHIND}: so a grant committed before the fetch is never refused by a
 * server that had not applied it yet. A server that answers {@code LEDGER_BEHIND},
 * {@code REQUEST_BEFORE_RESTART} (it restarted since the request was stamped) or
 * {@code DEADLINE_EXCEEDED} (it is overloaded) is asked again with a freshly signed request, at
 * most {@link #SERVER_RETRIES} times; its last such answer counts as unavailable, never as a
 * denial. Each wait ({@link #retryWait}) is no shorter than the answer's {@code Retry-After}
 * (capped at {@link #MAX_SERVER_RETRY_DELAY}) nor than {@link #SERVER_RETRY_DELAY}, plus up to
 * {@link #RETRY_JITTER} of itself at random: clients a server dropped together do not come back
 * together, and none comes back sooner than the server asked.
 *
 * <p>A refusal of requests that signed a height the client already knew (rather than a head it
 * read for this fetch) is asked once more when the ledger head, read after it, is above that
 * height: the change a refusal may have missed (a grant made elsewhere after this client last saw
 * the ledger) is then either seen or not yet committed. One more round, not a loop: the servers
 * themselves wait for the height. Either way a refusal that stands was decided at or above every
 * block committed before the fetch began.
 */
final class KeyFetcher {
  /** How often one key server that is behind the signed height, restarted or overloaded is asked again. */
  static final int SERVER_RETRIES = 2;
  /** The shortest pause before asking such a server again, and the pause when it did not say (no {@code Retry-After}). */
  static final Duration SERVER_RETRY_DELAY = Duration.ofMillis(500);
  /**
   * The longest pause a server's {@code Retry-After} gets before one retry: with the jitter and
   * {@link #SERVER_RETRIES} retries the asking stays well inside the read's deadline
   * ({@link Await#TIMEOUTS_PER_CALL} request timeouts, 30 s by default), so a longer ask still gets
   * a retry, not a timeout. That deadline still rules when it is shorter.
   */
  static final Duration MAX_SERVER_RETRY_DELAY = Duration.ofSeconds(2);
  /** The largest share of a pause added to it at random (0 to half again), so that dropped clients spread out. */
  static final double RETRY_JITTER = 0.5;
  /** A {@code Retry-After} in delta-seconds (RFC 9110 §10.2.3); the other form is an HTTP-date. */
  private static final Pattern DELTA_SECONDS = Pattern.compile("[0-9]{1,18}");
  /** The answers after which one server is asked again with a freshly signed request. */
  private static final Set<String> RETRYABLE = Set.of("LEDGER_BEHIND", "REQUEST_BEFORE_RESTART", "DEADLINE_EXCEEDED");
  /**
   * Most bytes of a key server's answer to a fetch: a full batch of released shares with their
   * receipts is a few hundred KiB. A server that sends more is cut off there and counts as
   * unavailable ({@value AnswerTooLargeException#REASON}), like one that did not answer.
   */
  static final int MAX_FETCH_ANSWER_BYTES = 1 << 20;

  private final Vertx vertx;
  private final HeadSource heads;
  private final ClientConfig config;
  /** Who asks: an Ed25519 identity, or an EVM one bound to the chain the key servers follow. */
  private final Requester requester;
  private final HttpClient http;
  private final Executor crypto;
  private final SecureRandom random;
  private final Clock clock;
  /** The highest ledger height this client knows to be committed; -1 while it knows none. */
  private final AtomicLong knownHeight = new AtomicLong(-1);
  private Session session;

  private record Session(Identity key, SessionCertificate certificate) {}

  /**
   * The height key servers decide at, as this client reads it: the embedded ledger's head, or an
   * EVM chain's head less its confirmations. Completes with -1 rather than failing.
   */
  @FunctionalInterface
  interface HeadSource {
    Future<Long> height();

    /** The embedded ledger's head height. */
    static HeadSource of(LedgerClient ledger) {
      return () -> ledger.head().map(j -> j.getLong("height", -1L)).otherwise(-1L);
    }
  }

  KeyFetcher(Vertx vertx, HeadSource heads, ClientConfig config, Requester requester, HttpClient http,
      Executor crypto, SecureRandom random, Clock clock) {
    this.vertx = vertx;
    this.heads = heads;
    this.config = config;
    this.requester = requester;
    this.http = http;
    this.crypto = crypto;
    this.random = random;
    this.clock = clock;
  }

  /** Records a height known to be committed (a transaction's block, a head read); fetches sign at least this. */
  void sawHeight(long height) {
    knownHeight.accumulateAndGet(height, Math::max);
  }

  /** The highest height known to be committed, or -1. */
  long knownHeight() {
    return knownHeight.get();
  }

  /** A session certificate with at least a fifth of its lifetime left, made anew otherwise. */
  private synchronized Session session() {
    Instant now = clock.instant();
    if (session == null
        || now.plus(config.sessionTtl().dividedBy(5)).isAfter(session.certificate().expiresAt())) {
      Identity key = Identity.generate(random);
      List<String> audience = config.keyServers().stream().map(ClientConfig.KeyServer::id).toList();
      session = new Session(key, requester.certify(key.verifyingKey(), now, config.sessionTtl(), audience));
    }
    return session;
  }

  /** Completes with the data key (checked against the header's commitment) or fails with a typed exception. */
  Future<DataKey> fetch(EnvelopeHeader header) {
    if (!config.decidesFor(header.ledgerId())) {
      return Future.failedFuture(new CachetSecurityException("WRONG_LEDGER", "this blob's policy lives on ledger '"
          + header.ledgerId() + "', not on '" + (config.chain().isEvm()
          ? EvmLedgerId.chain(config.chain().chainId()) : config.ledgerId()) + "' that this client's key servers"
          + " follow"));
    }
    long known = knownHeight.get();
    if (known < 0) {
      // the head read now is as recent as a re-read after a refusal would be: one round is enough
      return readHead().compose(head -> round(header, Math.max(0, head)));
    }
    return round(header, known).recover(e -> {
      if (!(e instanceof AccessRefusedException)) {
        return Future.failedFuture(e);
      }
      return readHead().compose(head -> head > known ? round(header, head) : Future.failedFuture(e));
    });
  }

  /** The ledger's head height (and remembered), or -1 when the ledger does not answer within the request timeout. */
  private Future<Long> readHead() {
    Promise<Long> head = Promise.promise();
    long timer = vertx.setTimer(config.requestTimeout().toMillis(), t -> head.tryComplete(-1L));
    heads.height().otherwise(-1L).onComplete(r -> {
      vertx.cancelTimer(timer);
      long h = r.succeeded() && r.result() != null ? r.result() : -1L;
      if (h >= 0) {
        sawHeight(h);
      }
      head.tryComplete(h);
    });
    return head.future();
  }

  /** One round of asking every server, each request signing {@code height}. */
  private Future<DataKey> round(EnvelopeHeader header, long height) {
    Session s = session();
    ShareRound round = new ShareRound(header);
    for (KeyServerSlot slot : header.slots()) {
      ClientConfig.KeyServer server = config.keyServer(slot.keyServerId());
      if (server == null) {
        round.answer(new ServerOutcome(slot.keyServerId(), ServerOutcome.Kind.UNAVAILABLE, 0, "UNKNOWN_KEY_SERVER",
            "the envelope names a key server this client's network descriptor does not list"), null);
        continue;
      }
      askUntilSettled(server, slot.index(), header, s, height, round, 0).onComplete(ar -> {
        if (ar.succeeded()) {
          round.answer(new ServerOutcome(server.id(), ServerOutcome.Kind.RELEASED, 200, null, null), ar.result());
        } else if (ar.cause() instanceof Refusal r) {
          round.answer(r.outcome, null);
        } else {
          round.answer(new ServerOutcome(server.id(), ServerOutcome.Kind.UNAVAILABLE, 0, Unreachable.REASON,
              Unreachable.describe(ar.cause())), null);
        }
      });
    }
    return round.promise.future();
  }

  /** Asks one server, and again (freshly signed) after a retryable answer while the round still needs it. */
  private Future<Share> askUntilSettled(ClientConfig.KeyServer server, int index, EnvelopeHeader header, Session s,
      long height, ShareRound round, int retries) {
    return ask(server, index, header, s, height).recover(e -> {
      if (!(e instanceof Refusal r) || !RETRYABLE.contains(r.outcome.reason()) || retries >= SERVER_RETRIES
          || round.isDone()) {
        return Future.failedFuture(e);
      }
      Duration wait = retryWait(r.retryAfter, ThreadLocalRandom.current());
      return vertx.timer(Math.max(1, wait.toMillis())).compose(v -> round.isDone() ? Future.failedFuture(e)
          : askUntilSettled(server, index, header, s, height, round, retries + 1));
    });
  }

  /**
   * The pause before asking a server again: what it asked for ({@code asked}, null when it did not
   * say) but at least {@link #SERVER_RETRY_DELAY} and at most {@link #MAX_SERVER_RETRY_DELAY}, plus
   * a random 0 to {@link #RETRY_JITTER} of that. Never shorter than the capped ask.
   */
  static Duration retryWait(Duration asked, RandomGenerator jitter) {
    Duration base = asked == null || asked.compareTo(SERVER_RETRY_DELAY) < 0 ? SERVER_RETRY_DELAY
        : asked.compareTo(MAX_SERVER_RETRY_DELAY) > 0 ? MAX_SERVER_RETRY_DELAY : asked;
    long extraNanos = (long) (base.toNanos() * RETRY_JITTER * jitter.nextDouble());
    return base.plusNanos(extraNanos);
  }

  /**
   * A {@code Retry-After} header's wait from {@code now}: delta-seconds, or an HTTP-date (a past
   * date is no wait); empty when absent or neither form, and the default pause applies.
   */
  static Optional<Duration> parseRetryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.trim();
    if (DELTA_SECONDS.matcher(v).matches()) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    if (v.chars().allMatch(Character::isDigit)) {
      // more digits than a long holds: longer than any cap
      return Optional.of(MAX_SERVER_RETRY_DELAY);
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * One server's answer that is not a share: carried through the future to the round, with the
   * wait its HTTP answer asked for before another request (null when it asked none).
   */
  private static final class Refusal extends Exception {
    final ServerOutcome outcome;
    final Duration retryAfter;

    Refusal(ServerOutcome outcome) {
      this(outcome, null);
    }

    Refusal(ServerOutcome outcome, Duration retryAfter) {
      super(outcome.toString(), null, false, false);
      this.outcome = outcome;
      this.retryAfter = retryAfter;
    }
  }

  private Future<Share> ask(ClientConfig.KeyServer server, int index, EnvelopeHeader header, Session s,
      long height) {
    HpkeKeyPair ephemeral = HpkeKeyPair.generate();
    FetchKeyRequest request = FetchKeyRequest.create(s.key(), s.certificate(), server.id(), ephemeral.publicKey(),
        List.of(FetchKeyItem.of(header, index)), height, clock.instant(), random);
    RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(Endpoints.under(server.url(), "/v1/fetch_key").toString())
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
            ? runOnCrypto(() -> open(server, request, ephemeral, r.body()))
            : Future.failedFuture(new Refusal(httpRefusal(server, r),
                parseRetryAfter(r.header("Retry-After"), clock.instant()).orElse(null))));
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

  /**
   * Checks one 200 answer in full ({@link ResponseCheck}: the response is for this request, the
   * receipt verifies under the pinned key and accounts for the item and the sealed shares) and
   * opens its share; anything off is INVALID, never a share.
   */
  private Share open(ClientConfig.KeyServer server, FetchKeyRequest request, HpkeKeyPair ephemeral, Buffer body)
      throws Refusal {
    FetchKeyResponse response;
    try {
      response = FetchKeyResponse.fromJson(body == null ? new byte[0] : body.getBytes());
    } catch (FormatException e) {
      throw invalid(server, "MALFORMED_RESPONSE", e.getMessage());
    }
    List<ResponseCheck.Outcome> outcomes;
    try {
      outcomes = ResponseCheck.open(request, response, server.signingKey(), requester.address(), ephemeral);
    } catch (CachetSecurityException e) {
      throw invalid(server, e.reason(), e.getMessage());
    }
    ResponseCheck.Outcome outcome = outcomes.get(0);
    if (outcome.share() == null) {
      ItemResult item = outcome.result();
      throw new Refusal(new ServerOutcome(server.id(), ServerOutcome.Kind.DENIED, 200, item.reason(), item.message()));
    }
    return outcome.share();
  }

  private static Refusal invalid(ClientConfig.KeyServer server, String reason, String message) {
    return new Refusal(new ServerOutcome(server.id(), ServerOutcome.Kind.INVALID, 200, reason, message));
  }

  /**
   * A request-level answer in the one error shape: 429, 5xx and a restart since the request was
   * stamped are unavailability, other 4xx a rejected request.
   */
  private static ServerOutcome httpRefusal(ClientConfig.KeyServer server, BoundedBody.Answer r) {
    // not our error shape: the status says enough
    Optional<ApiError> error = ApiError.parse(r.body().toString(StandardCharsets.UTF_8), r.status());
    String reason = error.map(ApiError::reason).orElse("HTTP_" + r.status());
    String message = error.map(ApiError::message).orElse(null);
    ServerOutcome.Kind kind = r.status() == 429 || r.status() >= 500 || RETRYABLE.contains(reason)
        ? ServerOutcome.Kind.UNAVAILABLE : ServerOutcome.Kind.INVALID;
    return new ServerOutcome(server.id(), kind, r.status(), reason, message);
  }
}
