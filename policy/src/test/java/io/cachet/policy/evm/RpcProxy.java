package io.cachet.policy.evm;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real small JSON-RPC proxy in front of a node: it counts the calls per method and, when told
 * to, lies about block hashes (as a dishonest or forked RPC would), answers nothing but 502, or
 * answers every call with one body of the test's choosing.
 */
public final class RpcProxy implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final WebClient client;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicBoolean rewriteHashes = new AtomicBoolean();
  private final AtomicBoolean down = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicReference<String> forced = new java.util.concurrent.atomic.AtomicReference<>();

  private RpcProxy(Vertx vertx, URI target) throws Exception {
    this.vertx = vertx;
    this.client = WebClient.create(vertx);
    this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (down.get()) {
        req.response().setStatusCode(502).end();
        return;
      }
      String lie = forced.get();
      if (lie != null) {
        req.response().putHeader("content-type", "application/json").end(lie);
        return;
      }
      String method = new JsonObject(body).getString("method");
      calls.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
      client.postAbs(target.toString()).putHeader("content-type", "application/json").sendBuffer(body)
          .onSuccess(answer -> req.response().putHeader("content-type", "application/json")
              .end(rewrite(method, answer.bodyAsBuffer())))
          .onFailure(e -> req.response().setStatusCode(502).end());
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Starts a proxy in front of {@code target} on a free loopback port. */
  public static RpcProxy start(Vertx vertx, URI target) throws Exception {
    return new RpcProxy(vertx, target);
  }

  private Buffer rewrite(String method, Buffer answer) {
    if (!rewriteHashes.get() || !"eth_getBlockByNumber".equals(method)) {
      return answer;
    }
    JsonObject a = answer.toJsonObject();
    if (a.getValue("result") instanceof JsonObject block) {
      String hash = block.getString("hash");
      // another block at the same height: the last hex digit flipped
      char last = hash.charAt(hash.length() - 1);
      block.put("hash", hash.substring(0, hash.length() - 1) + (last == '0' ? '1' : '0'));
    }
    return a.toBuffer();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  /** Calls of {@code method} forwarded so far. */
  public int calls(String method) {
    AtomicInteger n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  /** While true, every block this proxy passes on carries another hash. */
  public void rewriteHashes(boolean on) {
    rewriteHashes.set(on);
  }

  /** While true, every call is answered 502 and not forwarded. */
  public void down(boolean on) {
    down.set(on);
  }

  /** While non-null, every call is answered 200 with exactly this body and not forwarded. */
  public void answerWith(String body) {
    forced.set(body);
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    client.close();
  }
}
