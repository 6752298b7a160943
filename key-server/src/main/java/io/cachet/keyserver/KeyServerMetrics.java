package io.cachet.keyserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

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
 *   <li>{@code cachet_keyserver_audit_commits_total{mode}}: the audit log's group commits (in
 *       {@code commit} mode one write and one force each: records over commits is the group size);
 *   <li>{@code cachet_keyserver_audit_records}, {@code cachet_keyserver_key_version},
 *       {@code cachet_keyserver_in_flight}, {@code cachet_keyserver_replay_ids};
 *   <li>{@code cachet_keyserver_work_total{step}}: the per-request work the worker pool did,
 *       {@code parse} (JSON) and {@code request_verify} (the request's Ed25519 signature);
 *   <li>{@code cachet_keyserver_certificate_checks_total{result}}: {@code verified} (signature and
 *       session key checked in full) or {@code cached} (the verified certificate reused);
 *   <li>{@code cachet_keyserver_deadline_drops_total{stage}}: requests dropped for waiting past the
 *       request deadline for a worker, {@code received} (unread) or {@code after_ledger_wait};
 *       {@code cachet_keyserver_worker_queue}: requests waiting for a worker now.
 * </ul>
 */
final class KeyServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> latency = new ConcurrentHashMap<>();
  private final Map<String, Counter> work = new ConcurrentHashMap<>();
  private final Map<String, Counter> drops = new ConcurrentHashMap<>();

  void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  /** A counter whose value is read from {@code source} at each scrape, tagged {@code tag=value}. */
  <T> void counter(String name, String description, String tag, String value, T source, ToDoubleFunction<T> read) {
    FunctionCounter.builder(name, source, read).description(description).tag(tag, value).register(registry);
  }

  /** One piece of a request's work done on the worker pool; {@code step} is a fixed name. */
  void work(String step) {
    work.computeIfAbsent(step, k -> Counter.builder("cachet_keyserver_work")
        .description("per-request work done on the worker pool, by step").tag("step", step).register(registry))
        .increment();
  }

  /** A request dropped for waiting past the request deadline; {@code stage} is a fixed name. */
  void deadlineDrop(String stage) {
    drops.computeIfAbsent(stage, k -> Counter.builder("cachet_keyserver_deadline_drops")
        .description("requests dropped for waiting past the request deadline for a worker, by stage")
        .tag("stage", stage).register(registry)).increment();
  }

  /** How often {@link #work} was counted for {@code step}; for tests. */
  long worked(String step) {
    Counter c = work.get(step);
    return c == null ? 0 : (long) c.count();
  }

  /** How many requests {@link #deadlineDrop} counted at {@code stage}; for tests. */
  long dropped(String stage) {
    Counter c = drops.get(stage);
    return c == null ? 0 : (long) c.count();
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
