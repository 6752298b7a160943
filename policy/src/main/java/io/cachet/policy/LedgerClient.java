package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.server.PolicyJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Arrays;

/**
 * Talks to a ledger node's HTTP API: submit transactions, read nonces, policies and the head.
 * Refusals come back as {@link TransactionRefusedException} with the ledger's reason code; any
 * other failure as {@link LedgerUnavailableException}.
 */
public final class LedgerClient implements AutoCloseable {
  private final WebClient http;
  private final String baseUrl;

  public LedgerClient(Vertx vertx, String baseUrl) {
    this.http = WebClient.create(vertx);
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** The ledger could not be reached or answered something other than a decision. */
  public static final class LedgerUnavailableException extends Exception {
    public LedgerUnavailableException(String message) {
      super(message);
    }
  }

  /** Submits and waits until the transaction's block is durable. */
  public Future<Sequencer.Committed> submit(Transaction tx) {
    return http.postAbs(baseUrl + "/v1/transactions")
        .addQueryParam("wait", "true")
        .sendJsonObject(new JsonObject().put("transaction", Base64Url.encode(tx.encoded())))
        .compose(r -> {
          if (r.statusCode() == 200) {
            JsonObject b = r.bodyAsJsonObject();
            return Future.succeededFuture(new Sequencer.Committed(b.getLong("height"), tx.digest(),
                b.getLong("ledgerTime")));
          }
          return Future.failedFuture(failure(r));
        });
  }

  public Future<Long> nextNonce(Address address) {
    return get("/v1/accounts/" + address + "/nonce").map(b -> b.getLong("nextNonce"));
  }

  /** The policy, or a failed future with {@code UNKNOWN_POLICY} if the ledger has none by that id. */
  public Future<Policy> policy(PolicyId id) {
    return get("/v1/policies/" + id).compose(b -> {
      try {
        return Future.succeededFuture(PolicyJson.fromJson(b));
      } catch (FormatException e) {
        return Future.failedFuture(new LedgerUnavailableException("ledger sent a malformed policy: " + e.getMessage()));
      }
    });
  }

  /**
   * The ledger this node serves, authenticated: its genesis block, checked to be of {@code ledgerId}
   * and signed by {@code sequencerKey}, names it. Fails with {@link LedgerUnavailableException} if
   * the node serves another ledger or a genesis block the key did not sign.
   */
  public Future<LedgerRef> ledger(String ledgerId, VerifyingKey sequencerKey) {
    return http.getAbs(baseUrl + "/v1/blocks").addQueryParam("from", "0").addQueryParam("limit", "1").send()
        .compose(r -> r.statusCode() == 200 ? Future.succeededFuture(r.bodyAsJsonObject())
            : Future.failedFuture(failure(r)))
        .compose(body -> {
          try {
            return Future.succeededFuture(genesisOf(body, ledgerId, sequencerKey));
          } catch (CachetSecurityException | RuntimeException e) {
            return Future.failedFuture(new LedgerUnavailableException("the ledger at " + baseUrl
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
    return get("/v1/head");
  }

  private Future<JsonObject> get(String path) {
    return http.getAbs(baseUrl + path).send().compose(r -> r.statusCode() == 200
        ? Future.succeededFuture(r.bodyAsJsonObject())
        : Future.failedFuture(failure(r)));
  }

  private static Exception failure(HttpResponse<Buffer> r) {
    try {
      JsonObject e = r.bodyAsJsonObject().getJsonObject("error");
      String reason = e.getJsonArray("details").getJsonObject(0).getString("reason");
      String message = e.getString("message");
      if (r.statusCode() == 409 || r.statusCode() == 404) {
        for (Reason known : Reason.values()) {
          if (known.name().equals(reason)) {
            return new TransactionRefusedException(known, message);
          }
        }
      }
      return new LedgerUnavailableException("ledger answered " + r.statusCode() + " " + reason + ": " + message);
    } catch (RuntimeException ex) {
      return new LedgerUnavailableException("ledger answered HTTP " + r.statusCode());
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
