package io.cachet.policy;

import io.cachet.common.http.ApiError;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.server.PolicyJson;
import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Talks to a ledger node's HTTP API: submit transactions, read nonces, policies and the head.
 * Refusals come back as {@link TransactionRefusedException} with the ledger's reason code; any
 * other failure as {@link LedgerUnavailableException}. Every answer is read within the cap of its
 * kind ({@link BoundedBody}); a ledger answering more fails with a {@link LedgerUnavailableException}
 * caused by an {@link AnswerTooLargeException}, and its connection is dropped.
 */
public final class LedgerClient implements AutoCloseable {
  /** Most bytes of a policy: an allow-list at its member limit, in JSON, with room to spare. */
  public static final int MAX_POLICY_ANSWER_BYTES = 4 << 20;
  /** Most bytes of the ledger's other answers: the head, a nonce, a submission's receipt. */
  public static final int MAX_SMALL_ANSWER_BYTES = 64 << 10;

  private final HttpClient http;
  private final String baseUrl;
  /** The ledger as messages name it: host:port, never the URL, whose path may hold a key. */
  private final String where;

  public LedgerClient(Vertx vertx, String baseUrl) {
    this.http = vertx.createHttpClient();
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.where = Endpoints.where(this.baseUrl);
  }

  /** The ledger could not be reached or answered something other than a decision. */
  public static final class LedgerUnavailableException extends Exception {
    public LedgerUnavailableException(String message) {
      super(message);
    }

    public LedgerUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Submits and waits until the transaction's block is durable. */
  public Future<Sequencer.Committed> submit(Transaction tx) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(baseUrl + "/v1/transactions?wait=true").putHeader("content-type", "application/json");
    JsonObject body = new JsonObject().put("transaction", Base64Url.encode(tx.encoded()));
    return exchange(request, body, "a submission's receipt", MAX_SMALL_ANSWER_BYTES).compose(r -> {
      if (r.status() == 200) {
        JsonObject b = r.json();
        return Future.succeededFuture(new Sequencer.Committed(b.getLong("height"), tx.digest(),
            b.getLong("ledgerTime")));
      }
      return Future.failedFuture(failure(r));
    });
  }

  public Future<Long> nextNonce(Address address) {
    return get("/v1/accounts/" + address + "/nonce", "a nonce", MAX_SMALL_ANSWER_BYTES)
        .map(b -> b.getLong("nextNonce"));
  }

  /** The policy, or a failed future with {@code UNKNOWN_POLICY} if the ledger has none by that id. */
  public Future<Policy> policy(PolicyId id) {
    return get("/v1/policies/" + id, "a policy", MAX_POLICY_ANSWER_BYTES).compose(b -> {
      try {
        return Future.succeededFuture(PolicyJson.fromJson(b));
      } catch (FormatException e) {
        return Future.failedFuture(new LedgerUnavailableException("ledger sent a malformed policy: " + e.getMessage()));
      }
    });
  }

  /** Policies {@code who} owns or administers, and whether the ledger cut the list at its limit. */
  public record Managed(List<PolicySummary> policies, boolean truncated, long height) {}

  /** The policies {@code who} owns or administers, as the ledger's newest durable block has them. */
  public Future<Managed> managedBy(Address who) {
    return get("/v1/accounts/" + who + "/policies", "a list of policies", MAX_POLICY_ANSWER_BYTES).compose(b -> {
      try {
        List<PolicySummary> out = new ArrayList<>();
        for (Object o : b.getJsonArray("policies")) {
          out.add(PolicyJson.summaryFromJson((JsonObject) o));
        }
        return Future.succeededFuture(new Managed(out, b.getBoolean("truncated", false), b.getLong("height")));
      } catch (FormatException | ClassCastException | NullPointerException e) {
        return Future.failedFuture(new LedgerUnavailableException("ledger sent a malformed list of policies: "
            + e.getMessage()));
      }
    });
  }

  /**
   * The ledger this node serves, authenticated: its genesis block, checked to be of {@code ledgerId}
   * and signed by {@code sequencerKey}, names it. Fails with {@link LedgerUnavailableException} if
   * the node serves another ledger or a genesis block the key did not sign.
   */
  public Future<LedgerRef> ledger(String ledgerId, VerifyingKey sequencerKey) {
    // a genesis block carries no transactions: a page of it is small
    return get("/v1/blocks?from=0&limit=1", "the ledger's genesis block", MAX_SMALL_ANSWER_BYTES)
        .compose(body -> {
          try {
            return Future.succeededFuture(genesisOf(body, ledgerId, sequencerKey));
          } catch (CachetSecurityException | RuntimeException e) {
            return Future.failedFuture(new LedgerUnavailableException("the ledger at " + where
                + " did not serve a genesis block of " + ledgerId + " signed by its sequencer: " + e.getMessage()));
          }
        });
  }

  private static LedgerRef genesisOf(JsonObject body, String ledgerId, VerifyingKey sequencerKey)
      throws CachetSecurityException {
    JsonArray blocks = body == null ? null : body.getJsonArray("blocks");
    if (blocks == null || blocks.isEmpty()) {
      throw new FormatException("no block 0 in the answer");
    }
    Block genesis = Block.decode(Base64Url.decode(blocks.getString(0), "block"));
    if (!ledgerId.equals(genesis.ledgerId())) {
      throw new FormatException("it serves ledger " + genesis.ledgerId() + ", not " + ledgerId);
    }
    if (genesis.height() != 0 || !Arrays.equals(genesis.previousHash(), Block.GENESIS_PARENT)
        || !genesis.transactions().isEmpty()) {
      throw new FormatException("block " + genesis.height() + " is not a genesis block");
    }
    genesis.verifySignature(sequencerKey);
    return LedgerRef.of(genesis);
  }

  public Future<JsonObject> head() {
    return get("/v1/head", "the ledger's head", MAX_SMALL_ANSWER_BYTES);
  }

  private Future<JsonObject> get(String path, String kind, int cap) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(baseUrl + path);
    return exchange(request, null, kind, cap).compose(r -> r.status() == 200
        ? Future.succeededFuture(r.json())
        : Future.failedFuture(failure(r)));
  }

  /** One exchange; a too-large answer becomes the ledger being unavailable, with the typed cause kept. */
  private Future<BoundedBody.Answer> exchange(RequestOptions request, JsonObject body, String kind, int cap) {
    return BoundedBody.exchange(http, request, body == null ? null : body.toBuffer(), kind, cap).recover(e -> {
      AnswerTooLargeException tooLarge = AnswerTooLargeException.in(e);
      return Future.failedFuture(tooLarge == null ? e
          : new LedgerUnavailableException("the ledger's answer is too large: " + tooLarge.getMessage(), tooLarge));
    });
  }

  private static Exception failure(BoundedBody.Answer r) {
    Optional<ApiError> parsed = ApiError.parse(r.body().toString(StandardCharsets.UTF_8), r.status());
    if (parsed.isEmpty()) {
      return new LedgerUnavailableException("ledger answered HTTP " + r.status());
    }
    ApiError e = parsed.get();
    if (r.status() == 409 || r.status() == 404) {
      for (Reason known : Reason.values()) {
        if (known.name().equals(e.reason())) {
          return new TransactionRefusedException(known, e.message());
        }
      }
    }
    return new LedgerUnavailableException("ledger answered " + r.status() + " " + e.reason() + ": " + e.message());
  }

  @Override
  public void close() {
    http.close();
  }
}
