package io.cachet.policy.server;

import io.cachet.common.http.ApiErrors;
import io.cachet.crypto.Base64Url;
import io.cachet.policy.FollowerStore;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/blocks?from=H&limit=N} over a follower's {@link FollowerStore}: the blocks it
 * applied, exactly as the sequencer signed them, in the ledger's own answer shape
 * ({@code {"ledgerId","head","blocks":[base64url…]}}), so that {@link io.cachet.policy.LedgerRecovery}
 * (or another follower) can read them from a key server as from the ledger. It never waits for
 * blocks to come; the blocks are public, so the route needs no authentication.
 */
public final class StoredBlocksHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(StoredBlocksHandler.class);

  private final String ledgerId;
  private final FollowerStore store;

  public StoredBlocksHandler(String ledgerId, FollowerStore store) {
    this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public void handle(RoutingContext ctx) {
    long from;
    int limit;
    try {
      String f = ctx.request().getParam("from");
      String l = ctx.request().getParam("limit");
      from = f == null ? 0 : Long.parseLong(f);
      limit = l == null ? 100 : Integer.parseInt(l);
    } catch (NumberFormatException e) {
      ApiErrors.send(ctx, 400, "MALFORMED", "from and limit must be integers");
      return;
    }
    if (from < 0 || limit < 1 || limit > LedgerServer.MAX_BLOCKS_PER_READ) {
      ApiErrors.send(ctx, 400, "OUT_OF_RANGE", "need from >= 0, 1 <= limit <= " + LedgerServer.MAX_BLOCKS_PER_READ);
      return;
    }
    ctx.vertx().executeBlocking(() -> {
      JsonArray out = new JsonArray();
      store.encodedBlocksFrom(from, limit, LedgerServer.MAX_RESPONSE_BLOCK_BYTES)
          .forEach(e -> out.add(Base64Url.encode(e)));
      return out;
    }, false).onComplete(r -> {
      if (r.succeeded()) {
        long head = store.head() == null ? -1 : store.head().height();
        ctx.response().putHeader("content-type", "application/json").end(new JsonObject().put("ledgerId", ledgerId)
            .put("head", head).put("blocks", r.result()).encode());
      } else {
        LOG.error("event=stored_blocks_read_failed from={} reason=\"{}\"", from, r.cause().toString());
        ApiErrors.send(ctx, 503, "STORE_UNAVAILABLE", "the stored blocks could not be read");
      }
    });
  }
}
