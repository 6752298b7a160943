package io.cachet.storage.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * A storage node's Prometheus metrics: requests by method, route and status (routes named in the
 * route table; anything else counts as {@code unmatched}, so a scan of random paths cannot grow
 * the registry), shard bytes, corrupt shards, confirmations, and gauges of what the node holds.
 * Thread-safe.
 */
final class NodeMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Set<String> routeNames = ConcurrentHashMap.newKeySet();
  final Counter bytesWritten = Counter.builder("cachet_node_shard_bytes_written").description("shard bytes written")
      .register(registry);
  final Counter bytesRead = Counter.builder("cachet_node_shard_bytes_read").description("verified shard bytes served")
      .register(registry);
  final Counter corruptShards = Counter.builder("cachet_node_corrupt_shards")
      .description("shards found failing their digest").register(registry);
  final Counter confirmationsSigned = Counter.builder("cachet_node_confirmations_signed").register(registry);

  /** Adds a gauge read from {@code source} at every scrape. */
  <T> void gauge(String name, T source, ToDoubleFunction<T> value) {
    registry.gauge(name, source, value);
  }

  /** Names a route of the route table, so its requests are counted under its name. */
  void routeNamed(String name) {
    routeNames.add(name);
  }

  /** Counts every request by route and status when its response ends. */
  void instrument(RoutingContext ctx) {
    String method = ctx.request().method().name();
    ctx.addEndHandler(r -> {
      Route current = ctx.currentRoute();
      String name = current == null ? null : current.getName();
      String route = name != null && routeNames.contains(name) ? name : "unmatched";
      String status = Integer.toString(ctx.response().getStatusCode());
      requestCounters.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Counter.builder("cachet_node_requests")
          .tag("method", method).tag("route", route).tag("status", status).register(registry)).increment();
    });
    ctx.next();
  }

  /** Answers a scrape in the Prometheus text format. */
  void scrape(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape());
  }
}
