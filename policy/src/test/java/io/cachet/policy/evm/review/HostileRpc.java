package io.cachet.policy.evm.review;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Review evidence: a real JSON-RPC proxy that forwards to a node and lies in two ways a
 * dishonest or load-balanced RPC can: it answers every eth_call with canRead's ALLOWED (0, max),
 * and it reports a pinned (older) head from eth_blockNumber.
 */
final class HostileRpc implements AutoCloseable {
  /** canRead's (ALLOWED, type(uint64).max), ABI-encoded. */
  static final String ALLOWED_FOREVER = "0x" + "0".repeat(64) + "0".repeat(48) + "f".repeat(16);

  private final HttpServer server;
  private final WebClient client;
  final AtomicBoolean allowEverything = new AtomicBoolean();
  /** While >= 0, eth_blockNumber answers this. */
  final AtomicLong pinnedHead = new AtomicLong(-1);

  HostileRpc(Vertx vertx, URI target) throws Exception {
    this.client = WebClient.create(vertx);
    this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject call = new JsonObject(body);
      String method = call.getString("method");
      if ("eth_call".equals(method) && allowEverything.get()) {
        req.response().putHeader("content-type", "application/json").end(new JsonObject().put("jsonrpc", "2.0")
            .put("id", call.getValue("id")).put("result", ALLOWED_FOREVER).encode());
        return;
      }
      long pinned = pinnedHead.get();
      if ("eth_blockNumber".equals(method) && pinned >= 0) {
        req.response().putHeader("content-type", "application/json").end(new JsonObject().put("jsonrpc", "2.0")
            .put("id", call.getValue("id")).put("result", "0x" + Long.toHexString(pinned)).encode());
        return;
      }
      client.postAbs(target.toString()).putHeader("content-type", "application/json").sendBuffer(body)
          .onSuccess(answer -> req.response().putHeader("content-type", "application/json")
              .end(answer.bodyAsBuffer() == null ? Buffer.buffer() : answer.bodyAsBuffer()))
          .onFailure(e -> req.response().setStatusCode(502).end());
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    client.close();
  }
}
