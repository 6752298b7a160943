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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real small JSON-RPC proxy in front of a node: it counts the calls per method and, when told
 * to, lies as a dishonest, forked or load-balanced RPC would: about block hashes, about the head
 * (a pinned, older eth_blockNumber), about eth_call (a reply of the test's choosing, such as
 * canRead's ALLOWED for everyone, or a node error), or answers nothing but 502, or answers every
 * call with one body of the test's choosing.
 */
public final class RpcProxy implements AutoCloseable {
  private final Vertx vertx;
  private final HttpServer server;
  private final WebClient client;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final AtomicBoolean rewriteHashes = new AtomicBoolean();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicReference<String> forced = new AtomicReference<>();
  private final AtomicReference<JsonObject> callReply = new AtomicReference<>();
  private final AtomicLong pinnedHead = new AtomicLong(-1);

  /** canRead's (ALLOWED, type(uint64).max), ABI-encoded. */
  public static final String ALLOWED_FOREVER = "0x" + "0".repeat(64) + "0".repeat(48) + "f".repeat(16);

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
      JsonObject call = new JsonObject(body);
      String method = call.getString("method");
      JsonObject reply = callReply.get();
      long pinned = pinnedHead.get();
      if ("eth_call".equals(method) && reply != null) {
        req.response().putHeader("content-type", "application/json")
            .end(reply.copy().put("jsonrpc", "2.0").put("id", call.getValue("id")).encode());
        return;
      }
      if ("eth_blockNumber".equals(method) && pinned >= 0) {
        req.response().putHeader("content-type", "application/json").end(new JsonObject().put("jsonrpc", "2.0")
            .put("id", call.getValue("id")).put("result", "0x" + Long.toHexString(pinned)).encode());
        return;
      }
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

  /** While true, every eth_call is answered canRead's ALLOWED until never, whatever the chain says. */
  public void allowEverything(boolean on) {
    callReply.set(on ? new JsonObject().put("result", ALLOWED_FOREVER) : null);
  }

  /** While non-null, every eth_call is answered with this JSON-RPC error object and not forwarded. */
  public void failCalls(JsonObject error) {
    callReply.set(error == null ? null : new JsonObject().put("error", error));
  }

  /** While {@code head >= 0}, eth_blockNumber answers {@code head} (a lagging backend); -1 forwards it again. */
  public void pinHead(long head) {
    pinnedHead.set(head);
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
