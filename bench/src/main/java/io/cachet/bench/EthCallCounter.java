package io.cachet.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback JSON-RPC relay in front of anvil that counts the {@code eth_call}s passing through,
 * so a harness can say how many decisions the key servers' decision cache answered without asking
 * the chain. It costs every RPC one more loopback hop.
 */
final class EthCallCounter implements AutoCloseable {
  /** Connections the relay keeps to anvil. */
  private static final int CONNECTIONS = 32;

  private final HttpServer server;
  private final HttpClient client;
  private final AtomicLong ethCalls = new AtomicLong();

  private EthCallCounter(HttpServer server, HttpClient client) {
    this.server = server;
    this.client = client;
  }

  static EthCallCounter start(Vertx vertx, URI anvil) throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(anvil.getHost())
        .setDefaultPort(anvil.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    HttpServer server = vertx.createHttpServer();
    EthCallCounter relay = new EthCallCounter(server, client);
    server.requestHandler(req -> req.body().compose(body -> {
      if (body.toString().contains("\"eth_call\"")) {
        relay.ethCalls.incrementAndGet();
      }
      return client.request(HttpMethod.POST, "/").compose(out -> out.putHeader("content-type", "application/json")
          .send(body)).compose(resp -> resp.body());
    }).onComplete(r -> {
      if (r.succeeded()) {
        req.response().putHeader("content-type", "application/json").end(r.result());
      } else {
        req.response().setStatusCode(502).end(Buffer.buffer("{}"));
      }
    }));
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return relay;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  long ethCalls() {
    return ethCalls.get();
  }

  @Override
  public void close() throws Exception {
    Future.join(server.close(), client.close()).await(10, TimeUnit.SECONDS);
  }
}
