package io.cachet.storage.gateway;

import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.ProbeFailure;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the gateway's {@code GET /health} answers, and why when it is not serving. Each call asks
 * every node for its own {@code /health} and the certificate sink whether it is ready, all at
 * once, each within {@link #PROBE_TIMEOUT_MILLIS}, so an answer comes within about that time
 * whatever the nodes do; calls that arrive while a check is under way share its answer, so a
 * flood of health checks costs the nodes one probe at a time. The first rule that holds names
 * the status:
 *
 * <ol>
 *   <li>{@code no_read_quorum}: fewer than k = f + 1 nodes can serve a read: neither puts nor
 *       reads can succeed. A node can if it serves, if only its disk is full, or if it is
 *       {@code failed} but says {@code "reads": true} (a write failed); not if it is silent, or
 *       failed with its data directory gone, or answers anything else;
 *   <li>{@code no_write_quorum}: fewer than 2f + 1 nodes answer that they serve (a node with a full
 *       disk answers, but takes no write): puts fail, reads go on;
 *   <li>{@code ledger_unreachable}: the sink (the ledger that records certificates) is not ready:
 *       puts are not answered until it is, reads go on;
 *   <li>otherwise {@code serving}.
 * </ol>
 *
 * Guarantees: HTTP 200 only while serving, else 503 with {@code reason} (the first rule's sentence)
 * and {@code problems} (every rule that holds), naming the nodes concerned and never a path or an
 * exception's text. Every answer also carries, for a console: {@code nodeReports}, each answering
 * node's own counts ({@code blobs}, {@code shards}, {@code usedBytes}, {@code freeBytes}, where it
 * gave them), and {@code repair}, what the repair loop is doing and its last pass found
 * ({@link Repairer#activity}). Confined to the gateway's event loop.
 */
final class GatewayHealth {
  /** Longest a node or the ledger may take to connect and answer a health probe: a stopped process costs this. */
  static final long PROBE_TIMEOUT_MILLIS = 2_000;

  /** One answer: its HTTP status and body. */
  record Report(int httpStatus, JsonObject json) {}

  private final NodeClient nodes;
  private final NetworkConfig network;
  private final CertificateSink sink;
  private final LongSupplier currentEpoch;
  private final Supplier<JsonObject> repair;
  /** The check under way, which later calls share; null when none is. */
  private Future<Report> underWay;

  GatewayHealth(NodeClient nodes, NetworkConfig network, CertificateSink sink, LongSupplier currentEpoch,
      Supplier<JsonObject> repair) {
    this.nodes = nodes;
    this.network = network;
    this.sink = sink;
    this.currentEpoch = currentEpoch;
    this.repair = repair;
  }

  /** Probes the nodes and the sink, or joins the probe under way. */
  Future<Report> check() {
    if (underWay != null) {
      return underWay;
    }
    List<Future<NodeAnswer>> probes = new ArrayList<>();
    for (int i = 0; i < network.n(); i++) {
      probes.add(nodes.selfReport(i, PROBE_TIMEOUT_MILLIS).map(GatewayHealth::nodeStatus)
          .otherwise(GatewayHealth::unanswered));
    }
    Future<String> ledger = sink == CertificateSink.NONE ? Future.succeededFuture(null)
        : sink.ready(PROBE_TIMEOUT_MILLIS).map(v -> (String) null).otherwise(Throwable::getMessage);
    List<Future<?>> all = new ArrayList<>(probes);
    all.add(ledger);
    Future<Report> check = Future.join(all).transform(done -> Future.succeededFuture(report(probes, ledger)));
    underWay = check;
    check.onComplete(r -> underWay = null);
    return check;
  }

  /** One node's answer: its status word, whether it can serve a read, and its own counts (empty if none). */
  private record NodeAnswer(String status, boolean answered, boolean readable, JsonObject counts) {}

  /** The numbers a node's health may carry that a console shows; nothing else of its answer is passed on. */
  private static final List<String> NODE_COUNTS = List.of("blobs", "shards", "usedBytes", "freeBytes");

  private Report report(List<Future<NodeAnswer>> probes, Future<String> ledger) {
    JsonObject byNode = new JsonObject();
    JsonObject reports = new JsonObject();
    List<String> down = new ArrayList<>();
    List<String> notServing = new ArrayList<>();
    int answering = 0;
    int readable = 0;
    int serving = 0;
    for (int i = 0; i < probes.size(); i++) {
      String id = network.nodes().get(i).id();
      NodeAnswer node = probes.get(i).result();
      String status = node.status();
      byNode.put(id, status);
      reports.put(id, node.counts().copy().put("status", status));
      if ("serving".equals(status)) {
        serving++;
      } else {
        notServing.add(id + " (" + status + ")");
      }
      if (node.answered()) {
        answering++;
      }
      if (node.readable()) {
        readable++;
      } else {
        down.add(id + " (" + status + (node.answered() ? ", cannot serve reads" : "") + ")");
      }
    }
    String ledgerProblem = ledger.result();
    List<String> problems = new ArrayList<>();
    List<String> statuses = new ArrayList<>();
    if (readable < network.k()) {
      statuses.add("no_read_quorum");
      problems.add("only " + readable + " of " + network.n() + " nodes can serve a read and a read needs "
          + network.k() + " (f + 1), so neither puts nor reads can succeed; not readable: " + String.join(", ", down));
    }
    if (serving < network.quorum()) {
      statuses.add("no_write_quorum");
      problems.add("only " + serving + " of " + network.n() + " nodes serve and a put needs " + network.quorum()
          + " (2f + 1), so puts fail" + (readable >= network.k() ? " and reads go on" : "") + "; not serving: "
          + String.join(", ", notServing));
    }
    if (ledgerProblem != null) {
      statuses.add("ledger_unreachable");
      problems.add(ledgerProblem + "; puts are not answered until it is back, reads go on");
    }
    JsonObject json = new JsonObject().put("status", statuses.isEmpty() ? "serving" : statuses.get(0));
    if (!problems.isEmpty()) {
      json.put("reason", problems.get(0)).put("problems", new JsonArray(new ArrayList<>(problems)));
    }
    json.put("nodes", network.n()).put("f", network.f()).put("epoch", currentEpoch.getAsLong())
        .put("nodesServing", serving).put("nodesAnswering", answering).put("nodesReadable", readable)
        .put("writeQuorum", network.quorum())
        .put("readQuorum", network.k()).put("nodeStatus", byNode).put("nodeReports", reports)
        .put("repair", repair.get())
        .put("ledger", sink == CertificateSink.NONE ? "none" : ledgerProblem == null ? "reachable" : "unreachable");
    return new Report(problems.isEmpty() ? 200 : 503, json);
  }

  /**
   * A node's own word on itself: {@code serving}, or the status it gave, or the HTTP status it
   * answered with; readable as the class's first rule says.
   */
  private static NodeAnswer nodeStatus(BoundedBody.Answer answer) {
    String status = null;
    boolean saysReads = false;
    JsonObject counts = new JsonObject();
    try {
      JsonObject body = answer.json();
      status = body.getString("status");
      saysReads = Boolean.TRUE.equals(body.getValue("reads"));
      for (String field : NODE_COUNTS) {
        if (body.getValue(field) instanceof Number n && n.longValue() >= 0) {
          counts.put(field, n.longValue());
        }
      }
    } catch (DecodeException | ClassCastException | IllegalStateException e) {
      // not our health shape: the HTTP status speaks for it
    }
    if (answer.status() == 200) {
      return new NodeAnswer("serving", true, true, counts);
    }
    String word = status != null && status.matches("[a-z_]{1,32}") ? status : "http_" + answer.status();
    boolean readable = word.equals("disk_full") || word.equals("failed") && saysReads;
    return new NodeAnswer(word, true, readable, counts);
  }

  /** Why a node gave no answer, in words: {@code unreachable} for a refused or lost connection. */
  private static NodeAnswer unanswered(Throwable e) {
    String why = ProbeFailure.describe(e, PROBE_TIMEOUT_MILLIS);
    return new NodeAnswer(why.startsWith("no answer") ? why : "unreachable", false, false, new JsonObject());
  }
}
