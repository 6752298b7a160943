package io.cachet.cli.status;

import io.cachet.client.ClientConfig;
import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.cachet.common.http.ProbeFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks every part a network descriptor names how it is, all at once: a part that refuses the
 * connection fails at once, one that does not take it within {@link #CONNECT_TIMEOUT} or goes
 * silent for {@link #ANSWER_TIMEOUT} is down. The parts are the ledger ({@code /health}) or the
 * EVM RPC ({@code eth_blockNumber}), each key server ({@code /health}: its state and the height it
 * has applied), the publisher and the aggregator (any HTTP answer to {@code /health} means the
 * gateway is up: a Walrus publisher answers 404 there, and that is an answer). A dead part
 * therefore costs about one timeout, however many parts are dead. No deadline covers the whole
 * probe from its start: on a loaded machine this process's own first connection can take longer
 * than a healthy part takes to answer. {@link #health} asks any set of parts' {@code /health} the
 * same way: a devnet of processes' {@code status} uses it. Thread-safe: one prober may serve
 * concurrent callers.
 */
public final class NetworkProber implements AutoCloseable {
  /** Longest a part may take to accept the connection: a host that drops packets costs this. */
  static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1000);
  /** Longest a connected part may stay silent: health answers are small and come at once. */
  static final Duration ANSWER_TIMEOUT = Duration.ofMillis(2000);
  /** Past this, a probe that neither answered nor failed is a bug here, not a slow part. */
  private static final Duration PROBE_LIMIT = Duration.ofSeconds(30);
  /** Most bytes of a health answer read: they are a few hundred. */
  private static final long MAX_ANSWER_BYTES = 64 * 1024;

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  private final HttpClient http = vertx.createHttpClient();

  /**
   * What one part's own {@code /health} said.
   *
   * @param httpStatus the answer's HTTP status, or 0 when there was none
   * @param status its {@code status} field, or "" when it has none
   * @param height its {@code height} field (the ledger's), or -1
   * @param failure why there was no answer, in a few words; null when there was one
   */
  public record Said(int httpStatus, String status, long height, String failure) {
    /** Whether it answered 200: it serves. */
    public boolean ok() {
      return httpStatus == 200;
    }

    /** In a status table's words: its status, after {@code HTTP N} unless 200, or why it did not answer. */
    public String words() {
      if (failure != null) {
        return failure;
      }
      return (httpStatus == 200 ? "" : "HTTP " + httpStatus + " ") + status;
    }
  }

  /**
   * Asks every part's {@code /health}, {@code parts} naming each one's base URL, all at once; an
   * answer comes for each within about one connect and one answer timeout, however many are down.
   */
  public Map<String, Said> health(Map<String, URI> parts) throws InterruptedException {
    Map<String, Future<Said>> asked = new LinkedHashMap<>();
    parts.forEach((name, base) -> asked.put(name, get(Endpoints.under(base, "/health")).map(a -> {
      JsonObject body;
      try {
        body = new JsonObject(a.body());
      } catch (RuntimeException e) {
        body = new JsonObject();
      }
      Object status = body.getValue("status");
      Object height = body.getValue("height");
      return new Said(a.status(), status instanceof String s ? s : "", height instanceof Number n ? n.longValue() : -1,
          null);
    }).otherwise(e -> new Said(0, "", -1, why(e)))));
    Map<String, Said> out = new LinkedHashMap<>();
    for (Map.Entry<String, Future<Said>> e : asked.entrySet()) {
      out.put(e.getKey(), await(e.getValue()));
    }
    return out;
  }

  private static <T> T await(Future<T> f) throws InterruptedException {
    try {
      return f.toCompletionStage().toCompletableFuture().get(PROBE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("a probe outlived its own timeout", e);
    }
  }

  /** Every part's answer, in the order: chain, key servers, publisher, aggregator. */
  List<Probe> probe(ClientConfig config) throws InterruptedException {
    List<Future<Probe>> all = new ArrayList<>();
    if (config.chain().isEvm()) {
      all.add(evmRpc(config.chain().rpcUrl(), config.chain().rpcWhere()));
    } else {
      all.add(health("ledger", "ledger", config.ledgerUrl(), b -> b.getString("status", "ok"),
          b -> b.getLong("height", -1L)));
    }
    for (ClientConfig.KeyServer k : config.keyServers()) {
      all.add(health(k.id(), "key-server", k.url(), b -> b.getString("status", "up"),
          b -> b.getJsonObject("ledger", new JsonObject()).getLong("height", -1L)));
    }
    all.add(anyAnswer("publisher", config.publisher()));
    all.add(anyAnswer("aggregator", config.aggregator()));
    List<Probe> out = new ArrayList<>();
    for (Future<Probe> f : all) {
      out.add(await(f));
    }
    return out;
  }

  private interface Field<T> {
    T of(JsonObject body);
  }

  private Future<Probe> health(String name, String role, URI base, Field<String> state, Field<Long> height) {
    String where = Endpoints.where(base);
    return get(Endpoints.under(base, "/health")).map(a -> {
      JsonObject body;
      try {
        body = new JsonObject(a.body());
      } catch (RuntimeException e) {
        return Probe.down(name, role, where, "answered HTTP " + a.status() + " without its health report");
      }
      String s = state.of(body);
      Long reported = height.of(body);
      long h = reported == null ? -1 : reported;
      if (body.getValue("error") instanceof JsonObject error) {
        // the one error shape: the part answers, but refuses to serve (a ledger stopped after a failure)
        return new Probe(name, role, where, false, "failed", -1, "answers " + error.getString("reason",
            "HTTP " + a.status()));
      }
      // a stale key server answers 503 with its report: it is up, and the report says what is wrong
      boolean up = !"failed".equals(s);
      return new Probe(name, role, where, up, s, h, up ? null : "reports " + s + " (HTTP " + a.status() + ")");
    }).otherwise(e -> Probe.down(name, role, where, why(e)));
  }

  private Future<Probe> anyAnswer(String name, URI base) {
    String where = Endpoints.where(base);
    return get(Endpoints.under(base, "/health")).map(a -> new Probe(name, "storage", where, true,
        a.status() / 100 == 2 ? "ok" : "up", -1, null, storageReport(a))).otherwise(e -> Probe.down(name, "storage",
        where, why(e)));
  }

  /** The fields of a Cachet gateway's health report a status shows; nothing else it says is passed on. */
  private static final List<String> STORAGE_FIELDS = List.of("status", "reason", "nodes", "nodesServing",
      "nodesReadable", "writeQuorum", "readQuorum", "nodeStatus", "nodeReports", "repair");

  /** A Cachet gateway's report on its nodes and repair (it names {@code nodeStatus}); null from any other server. */
  private static JsonObject storageReport(BoundedBody.Answer a) {
    JsonObject body;
    try {
      body = new JsonObject(a.body());
    } catch (RuntimeException e) {
      return null;
    }
    if (!(body.getValue("nodeStatus") instanceof JsonObject)) {
      return null;
    }
    JsonObject kept = new JsonObject();
    for (String field : STORAGE_FIELDS) {
      if (body.containsKey(field)) {
        kept.put(field, body.getValue(field));
      }
    }
    return kept;
  }

  private Future<Probe> evmRpc(URI rpc, String where) {
    RequestOptions r = options(rpc).setMethod(HttpMethod.POST).putHeader("content-type", "application/json");
    Buffer call = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "eth_blockNumber")
        .put("params", new JsonArray()).toBuffer();
    return BoundedBody.exchange(http, r, call, "eth_blockNumber", MAX_ANSWER_BYTES).map(a -> {
          try {
            String hex = new JsonObject(a.body()).getString("result");
            return new Probe("evm-rpc", "ledger", where, true, "ok", Long.parseLong(hex.substring(2), 16), null);
          } catch (RuntimeException e) {
            return Probe.down("evm-rpc", "ledger", where, "answered HTTP " + a.status() + " but no block number");
          }
        }).otherwise(e -> Probe.down("evm-rpc", "ledger", where, why(e)));
  }

  private Future<BoundedBody.Answer> get(URI url) {
    RequestOptions r = options(url).setMethod(HttpMethod.GET);
    return BoundedBody.exchange(http, r, null, "a health answer", MAX_ANSWER_BYTES);
  }

  private static RequestOptions options(URI url) {
    return new RequestOptions().setAbsoluteURI(url.toString()).setConnectTimeout(CONNECT_TIMEOUT.toMillis())
        .setIdleTimeout(ANSWER_TIMEOUT.toMillis());
  }

  /** A failure in a few words, never a stack or a file path: the words every health probe uses. */
  private static String why(Throwable e) {
    return ProbeFailure.describe(e, ANSWER_TIMEOUT.toMillis());
  }

  @Override
  public void close() {
    http.close();
    vertx.close();
  }
}
