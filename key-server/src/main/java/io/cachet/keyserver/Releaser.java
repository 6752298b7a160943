package io.cachet.keyserver;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.ExpiredException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.ShareUnsealException;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.crypto.protocol.ShareRelease;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditEvent.Outcome;
import io.cachet.policy.Decision;
import io.cachet.policy.PolicyLedger;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.cachet.policy.PolicyRef;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The release decision for one {@code POST /v1/fetch_key} body, with no HTTP in it: everything
 * here is CPU work (JSON, Ed25519, HPKE) and runs on the key server's worker pool.
 *
 * <p>Before any of this, a request that waited longer than the request deadline for a worker is
 * dropped unread ({@link CryptoQueue}). Then the order of checks, each refusing the whole request
 * with the one error shape:
 *
 * <ol>
 *   <li>the body parses as a fetch request of this format version ({@code 400 MALFORMED}, or
 *       {@code 400 UNSUPPORTED_VERSION} naming the version it declares);
 *   <li>it is addressed to this server; the session certificate is signed by the identity it
 *       names and carries a sound session key (checked once per certificate, then the verified
 *       certificate object is reused for byte-equal ones: {@link CertificateCache}), is for the
 *       chain this server follows if it is an EIP-712 one ({@code 403 WRONG_CHAIN}; none is for
 *       the embedded ledger), in force now and names this server in its audience; the session key
 *       signed the request; its timestamp is within the request window ({@code 401}/{@code 403})
 *       and not before this server started
 *       ({@code 401 REQUEST_BEFORE_RESTART}: the replay cache starts empty, so a request stamped
 *       earlier may have been answered by the server that ran before; the requester signs anew);
 *   <li>the requester's rate ({@code 429}); only now, so that a forged request cannot spend
 *       somebody else's allowance;
 *   <li>the follower has applied the ledger height the request signed; if not, the request is
 *       {@link Pending} and the caller waits (bounded, holding no thread), then
 *       {@link #resume}s it: still below, it is refused {@code 503 LEDGER_BEHIND}, retryable and
 *       never a denial;
 *   <li>the ledger view is fresh: not older than the staleness bound by this server's clock,
 *       counted from the older of block time and the moment the block was applied, else every
 *       item is refused ({@code 503 LEDGER_STALE}: fail closed);
 *   <li>the requester has not used this request id before ({@code 409 REPLAYED_REQUEST}); ids are
 *       remembered per requester, so nobody can spend another's id first.
 * </ol>
 *
 * Then each item is decided on its own: the envelope's ledger is the one followed, the policy
 * allows the requester at this server's view of the ledger, this server holds the key the slot was
 * sealed to, and the share opens under exactly the context presented (else
 * {@code CONTEXT_MISMATCH}: a share moved to another policy, object or slot is not a policy
 * denial). The allowed shares are sealed together once to the requester's response key, with the
 * request id and every released item's context bound in, and one receipt signed for the whole
 * response names every item's decision (released or denied, with the height, ledger time and block
 * it was decided at) and the digest of the sealed shares.
 * Every decision and refusal after parsing yields an audit event; the caller writes them before
 * answering.
 */
final class Releaser {
  /**
   * Most distinct (ledger, policy) pairs one request may have decided: on an EVM chain each may
   * cost an eth_call, so one signed request cannot make this server ask the chain without bound.
   * Items past it are denied {@code TOO_MANY_POLICIES}; a client asks one object's share at a time.
   */
  static final int MAX_POLICIES_PER_REQUEST = 16;

  /** The outcome of one request: an answer, or a refusal of the whole request. */
  sealed interface Result permits Answer, Refusal, Pending {
    List<AuditEvent> audit();
  }

  /**
   * An authenticated request waiting for the follower to reach the height it signed; nothing to
   * audit yet. It keeps the digest of its signed bytes, which its receipt will name.
   */
  record Pending(FetchKeyRequest request, byte[] requestDigest, Address requester, String client) implements Result {
    long height() {
      return request.minLedgerHeight();
    }

    @Override
    public List<AuditEvent> audit() {
      return List.of();
    }
  }

  /** Seconds a requester is told to wait after {@code LEDGER_BEHIND}. */
  static final long LEDGER_BEHIND_RETRY_SECONDS = 1;

  /** A 200 answer, already encoded. */
  record Answer(byte[] json, int released, List<AuditEvent> audit) implements Result {}

  /** A refusal in the one error shape; {@code retryAfterSeconds} 0 means no Retry-After header. */
  record Refusal(int status, String reason, String message, long retryAfterSeconds, List<AuditEvent> audit)
      implements Result {}

  private final String serverId;
  private final KeyRing keys;
  private final PolicyLedger ledger;
  private final Clock clock;
  private final Duration window;
  private final long stalenessMillis;
  private final ReplayCache replays;
  private final CertificateCache certificates;
  private final RateLimiter perRequester;
  private final KeyServerMetrics metrics;
  /** This server's start by its clock: the restart floor for request timestamps. */
  private final long startedAtMillis;

  Releaser(String serverId, KeyRing keys, PolicyLedger ledger, Clock clock, Duration window, Duration staleness,
      ReplayCache replays, CertificateCache certificates, RateLimiter perRequester, KeyServerMetrics metrics) {
    this.startedAtMillis = clock.millis();
    this.serverId = serverId;
    this.keys = keys;
    this.ledger = ledger;
    this.clock = clock;
    this.window = window;
    this.stalenessMillis = staleness.toMillis();
    this.replays = replays;
    this.certificates = certificates;
    this.perRequester = perRequester;
    this.metrics = metrics;
  }

  /**
   * Whether the ledger view is too old to decide on, by this server's clock: its age counts from
   * the older of the newest block's timestamp and the moment this server applied it
   * ({@link LedgerView#ageMillis}), so a sequencer whose clock runs ahead cannot keep a dead
   * ledger's view fresh.
   */
  boolean stale(LedgerView view, long nowMillis) {
    return view.height() < 0 || view.ageMillis(nowMillis) > stalenessMillis;
  }

  String staleMessage(LedgerView view, long nowMillis) {
    if (view.height() < 0) {
      return "this key server has no view of ledger " + ledger.ledgerId() + " yet; refusing everything until it"
          + " has caught up";
    }
    return "this key server's view of ledger " + ledger.ledgerId() + " is at height " + view.height()
        + ", ledger time " + Instant.ofEpochMilli(view.ledgerTime()) + ", applied at "
        + Instant.ofEpochMilli(view.appliedAt()) + " by this server's clock; counted from the older of the two it is "
        + view.ageMillis(nowMillis) / 1000 + " s old; the bound is " + stalenessMillis / 1000
        + " s, so everything is refused until it catches up";
  }

  Result fetch(byte[] body, String client) {
    Instant now = clock.instant();
    long nowMillis = now.toEpochMilli();
    metrics.work("parse");
    FetchKeyRequest request;
    try {
      request = FetchKeyRequest.fromJson(body);
    } catch (FormatException e) {
      int declared = FetchKeyRequest.declaredVersion(body);
      String reason = declared != FetchKeyRequest.VERSION && declared != FetchKeyRequest.UNREADABLE_VERSION
          ? "UNSUPPORTED_VERSION" : "MALFORMED";
      metrics.decision("refused", reason);
      return new Refusal(400, reason, e.getMessage(), 0, List.of());
    }
    String requestId = request.requestId();
    // made once: the session key verifies them, and the receipt names their digest
    byte[] signed = request.signedBytes();
    Address requester = null;
    try {
      requester = authenticate(request, signed, now);
    } catch (CachetSecurityException e) {
      int status = switch (e.reason()) {
        case "WRONG_AUDIENCE", "WRONG_KEY_SERVER", SessionCertificate.WRONG_CHAIN -> 403;
        default -> 401;
      };
      // the address is recorded only once the certificate's signature proved it
      Address claimed = certificates.holds(request.certificate()) ? request.certificate().address() : null;
      return refuse(status, e.reason(), e.getMessage(), 0, requestId, claimed, client, nowMillis);
    }
    long wait = perRequester.tryAcquire(requester, request.items().size());
    if (wait > 0) {
      metrics.decision("refused", "RATE_LIMITED");
      return new Refusal(429, "RATE_LIMITED", "requester " + requester + " is over its rate of releases; retry in "
          + wait + " s", wait, List.of());
    }
    long height = ledger.view().height();
    // with no view at all the server is stale, and says so at once rather than after a wait
    byte[] requestDigest = FetchKeyRequest.digestOf(signed);
    if (height >= 0 && height < request.minLedgerHeight()) {
      return new Pending(request, requestDigest, requester, client);
    }
    return decideFresh(request, requestDigest, requester, client, now);
  }

  /**
   * A {@link Pending} request once its wait is over: decided if the follower has reached its
   * height by now, else refused {@code 503 LEDGER_BEHIND}.
   */
  Result resume(Pending pending, Duration waited) {
    Instant now = clock.instant();
    long nowMillis = now.toEpochMilli();
    FetchKeyRequest request = pending.request();
    LedgerView view = ledger.view();
    if (view.height() >= 0 && view.height() < pending.height()) {
      String message = "this key server's view of ledger " + ledger.ledgerId() + " is at height " + view.height()
          + ", below the height " + pending.height() + " the request needs decided; it waited "
          + waited.toMillis() + " ms for it; retry shortly";
      return refuse(503, "LEDGER_BEHIND", message, LEDGER_BEHIND_RETRY_SECONDS, request.requestId(),
          pending.requester(), pending.client(), nowMillis);
    }
    return decideFresh(request, pending.requestDigest(), pending.requester(), pending.client(), now);
  }

  /**
   * A {@link Pending} request whose ledger wait ended but which then waited past the request
   * deadline for a worker ({@link CryptoQueue}): refused {@code 503 DEADLINE_EXCEEDED} undecided,
   * and audited, since it was parsed and authenticated. Its request id is not spent.
   */
  Result overdue(Pending pending, String message) {
    return refuse(503, CryptoQueue.DEADLINE_EXCEEDED, message, CryptoQueue.RETRY_AFTER_SECONDS,
        pending.request().requestId(), pending.requester(), pending.client(), clock.millis());
  }

  /** The checks after the ledger height: a fresh view, a new request id; then the decision. */
  private Result decideFresh(FetchKeyRequest request, byte[] requestDigest, Address requester, String client,
      Instant now) {
    long nowMillis = now.toEpochMilli();
    String requestId = request.requestId();
    LedgerView view = ledger.view();
    if (stale(view, nowMillis)) {
      String message = staleMessage(view, nowMillis);
      List<AuditEvent> audit = new ArrayList<>();
      for (FetchKeyItem item : request.items()) {
        audit.add(itemEvent(nowMillis, Outcome.DENIED, "LEDGER_STALE", requestId, requester, client, item.context(),
            view.height(), view.ledgerTime(), message));
        metrics.decision("denied", "LEDGER_STALE");
      }
      return new Refusal(503, "LEDGER_STALE", message, 5, audit);
    }
    switch (replays.remember(requester, requestId, request.timestampMillis() + window.toMillis(), nowMillis)) {
      case REPLAYED:
        return refuse(409, "REPLAYED_REQUEST", "request " + requestId + " was already answered; a request id is"
            + " good for one request", 0, requestId, requester, client, nowMillis);
      case FULL:
        return refuse(503, "OVERLOADED", "too many requests within the request window to remember their ids;"
            + " retry shortly", 1, requestId, requester, client, nowMillis);
      default:
        break;
    }
    return decide(request, requestDigest, requester, client, now);
  }

  private Refusal refuse(int status, String reason, String message, long retryAfter, String requestId,
      Address requester, String client, long nowMillis) {
    metrics.decision("refused", reason);
    LedgerView view = ledger.view();
    AuditEvent event = new AuditEvent(nowMillis, Outcome.REFUSED, reason, requestId, requester, client, null, null,
        0, Math.max(-1, view.height()), Math.max(0, view.ledgerTime()), AuditEvent.clip(message));
    return new Refusal(status, reason, message, retryAfter, List.of(event));
  }

  /**
   * What {@link FetchKeyRequest#verify} checks, with the certificate taken from the cache of
   * verified ones when this exact certificate was verified before: then neither its signature nor
   * its session key's validity is checked again, and the request's signature is checked with the
   * cached session key. Chain, validity in time, audience and the request itself are checked every
   * time. Returns the requester's address.
   */
  private Address authenticate(FetchKeyRequest r, byte[] signed, Instant now) throws CachetSecurityException {
    if (!r.keyServerId().equals(serverId)) {
      throw new CachetSecurityException("WRONG_KEY_SERVER", "request is addressed to key server " + r.keyServerId()
          + ", not " + serverId);
    }
    // byte-equal to the presented one, so every check below reads the same fields
    SessionCertificate cert = certificates.verified(r.certificate());
    // after the cache: a certificate's chain is checked against the ledger followed now, every time
    cert.verifyChain(ledger.ledgerId());
    cert.verifyValidity(now, serverId, window);
    metrics.work("request_verify");
    cert.sessionKey().verifyCofactored(signed, r.signature(), "fetch_key request " + r.requestId());
    Instant at = Instant.ofEpochMilli(r.timestampMillis());
    if (at.isBefore(now.minus(window)) || at.isAfter(now.plus(window))) {
      throw new ExpiredException("STALE_REQUEST", "request " + r.requestId() + " is timestamped " + at
          + ", outside " + window.toSeconds() + " s of " + now);
    }
    if (r.timestampMillis() < startedAtMillis) {
      throw new ExpiredException("REQUEST_BEFORE_RESTART", "request " + r.requestId() + " is timestamped " + at
          + ", before this key server started at " + Instant.ofEpochMilli(startedAtMillis) + "; it may have been"
          + " answered before the restart, so sign the request again with a fresh timestamp");
    }
    for (int i = 0; i < r.items().size(); i++) {
      if (!r.items().get(i).context().keyServerId().equals(serverId)) {
        throw new CachetSecurityException("WRONG_KEY_SERVER", "item " + i + " is for key server "
            + r.items().get(i).context().keyServerId() + ", not " + serverId);
      }
    }
    return cert.address();
  }

  /**
   * Decides every item, unseals the allowed shares, then seals them together once to the
   * request's response key and signs one receipt covering every item (released or denied). The
   * unsealed shares are destroyed once sealed.
   */
  private Answer decide(FetchKeyRequest request, byte[] requestDigest, Address requester, String client,
      Instant now) {
    long nowMillis = now.toEpochMilli();
    String requestId = request.requestId();
    int count = request.items().size();
    List<ItemResult> results = new ArrayList<>(count);
    List<ReceiptEntry> entries = new ArrayList<>(count);
    List<AuditEvent> audit = new ArrayList<>(count);
    List<ShareRelease.Released> released = new ArrayList<>();
    List<Share> shares = new ArrayList<>();
    long height = ledger.view().height();
    Set<PolicyRef> policies = new HashSet<>();
    try {
      for (int i = 0; i < count; i++) {
        FetchKeyItem item = request.items().get(i);
        ShareContext ctx = item.context();
        if (!ledger.follows(ctx.ledgerId())) {
          LedgerView v = ledger.view();
          String message = "the envelope names ledger " + ctx.ledgerId() + "; this key server follows "
              + ledger.ledgerId();
          deny(i, item, "WRONG_LEDGER", message, v.height(), v.ledgerTime(), new byte[0], results, entries);
          audit.add(itemEvent(nowMillis, Outcome.DENIED, "WRONG_LEDGER", requestId, requester, client, ctx,
              v.height(), v.ledgerTime(), message));
          continue;
        }
        // the cheap checks first: an item this server cannot open, or one past the request's share of
        // policy questions, costs the chain (an eth_call on EVM) nothing
        KeyRing.Version key = keys.byFingerprint(item.keyFingerprint());
        PolicyRef policy = new PolicyRef(ctx.ledgerId(), ctx.policyId());
        boolean asked = key != null && (policies.contains(policy)
            || policies.size() < MAX_POLICIES_PER_REQUEST && policies.add(policy));
        Decision d = asked ? ledger.evaluate(ctx.ledgerId(), ctx.policyId(), requester) : null;
        String reason;
        String message;
        if (d == null) {
          LedgerView v = ledger.view();
          // no policy was asked: the audit and the receipt name the view the item was refused at
          d = new Decision(ctx.policyId(), requester, false, null, null, v.height(), v.ledgerTime());
          reason = key == null ? "UNKNOWN_KEY" : "TOO_MANY_POLICIES";
          message = key == null ? "the share was sealed to a key this key server does not hold (fingerprint "
              + Hex.to0x(item.keyFingerprint()) + ")"
              : "a request may ask about at most " + MAX_POLICIES_PER_REQUEST + " policies; this item's policy "
              + ctx.policyId() + " is one more: ask for it in another request";
        } else if (!d.allowed()) {
          height = Math.max(height, d.height());
          reason = d.reason().name();
          message = d.message();
        } else {
          height = Math.max(height, d.height());
          try {
            shares.add(Envelope.unsealShare(ctx, item.sealedShare(), key.pair()));
            released.add(new ShareRelease.Released(i, ctx));
            results.add(ItemResult.released(i));
            // the envelope's ledger id is signed: a policy id names a policy only within its ledger (contract)
            entries.add(ReceiptEntry.released(i, item, Math.max(0, d.height()), Math.max(0, d.ledgerTime()),
                d.blockHash()));
            audit.add(itemEvent(nowMillis, Outcome.RELEASED, "ALLOWED", requestId, requester, client, ctx,
                d.height(), d.ledgerTime(), d.blockHash(), d.message() + "; sealed to key version " + key.version()));
            metrics.decision("released", "ALLOWED");
            continue;
          } catch (ShareUnsealException e) {
            reason = e.reason();
            message = e.getMessage();
          }
        }
        deny(i, item, reason, message, d.height(), d.ledgerTime(), d.blockHash(), results, entries);
        audit.add(itemEvent(nowMillis, Outcome.DENIED, reason, requestId, requester, client, ctx, d.height(),
            d.ledgerTime(), d.blockHash(), message));
      }
      byte[] sealed = released.isEmpty() ? null
          : ShareRelease.seal(requestId, released, shares, request.responseKey());
      Receipt receipt = Receipt.sign(keys.signing(), serverId, requestId, requestDigest, requester, nowMillis,
          entries, sealed);
      FetchKeyResponse response = FetchKeyResponse.of(requestId, serverId, Math.max(0, height), results, sealed,
          receipt);
      return new Answer(response.toJson().getBytes(StandardCharsets.UTF_8), released.size(), audit);
    } finally {
      shares.forEach(Share::destroy);
    }
  }

  /** Records a denial of item {@code i} in the response and in its receipt. */
  private void deny(int i, FetchKeyItem item, String reason, String message, long height, long ledgerTime,
      byte[] blockHash, List<ItemResult> results, List<ReceiptEntry> entries) {
    results.add(ItemResult.denied(i, reason, message));
    entries.add(ReceiptEntry.denied(i, reason, item, Math.max(0, height), Math.max(0, ledgerTime), blockHash));
    metrics.decision("denied", reason);
  }

  /** An item's event decided at no block named by hash (no decision taken, or an embedded ledger). */
  private static AuditEvent itemEvent(long now, Outcome outcome, String reason, String requestId, Address requester,
      String client, ShareContext ctx, long height, long ledgerTime, String message) {
    return itemEvent(now, outcome, reason, requestId, requester, client, ctx, height, ledgerTime, new byte[0],
        message);
  }

  private static AuditEvent itemEvent(long now, Outcome outcome, String reason, String requestId, Address requester,
      String client, ShareContext ctx, long height, long ledgerTime, byte[] blockHash, String message) {
    return new AuditEvent(now, outcome, reason, requestId, requester, client, ctx.policyId(), ctx.objectId(),
        ctx.index(), Math.max(-1, height), Math.max(0, ledgerTime), AuditEvent.clip(message), ctx.ledgerId(),
        blockHash);
  }
}
