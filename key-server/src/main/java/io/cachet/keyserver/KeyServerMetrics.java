package io.cachet.keyserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What {@code GET /metrics} shows, in Prometheus text:
 *
 * <ul>
 *   <li>{@code cachet_keyserver_requests_total{route,status}}: every HTTP answer;
 *   <li>{@code cachet_keyserver_request_seconds{route}}: latency histogram per route;
 *   <li>{@code cachet_keyserver_decisions_total{outcome,reason}}: one per item decided
 *       ({@code released}/{@code denied}) or request refused ({@code refused});
 *   <li>{@code cachet_keyserver_ledger_height}, {@code cachet_keyserver_ledger_lag_seconds}
 *       (the key server's clock minus the ledger time of its newest block),
 *       {@code cachet_keyserver_ledger_stale} (1 while everything is refused);
 *   <li>{@code cachet_keyserver_audit_records}, {@code cachet_keyserver_key_version},
 *       {@code cachet_keyserver_in_flight}, {@code cachet_keyserver_replay_ids}.
 * </ul>
 */
final class KeyServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> latency = new ConcurrentHashMap<>();

  void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  void decision(String outcome, String reason) {
    decisions.computeIfAbsent(outcome + '/' + reason, k -> Counter.builder("cachet_keyserver_decisions")
        .description("share releases decided, by outcome and reason")
        .tag("outcome", outcome).tag("reason", reason).register(registry)).increment();
  }

  void request(String route, int status, long nanos) {
    requests.computeIfAbsent(route + '/' + status, k -> Counter.builder("cachet_keyserver_requests")
        .description("HTTP requests answered").tag("route", route).tag("status", Integer.toString(status))
        .register(registry)).increment();
    latency.computeIfAbsent(route, k -> Timer.builder("cachet_keyserver_request")
        .description("time from request to answer").tag("route", route)
        .publishPercentileHistogram().register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  String scrape() {
    return registry.scrape();
  }
}
