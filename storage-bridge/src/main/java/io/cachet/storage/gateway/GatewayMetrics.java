package io.cachet.storage.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The gateway's Prometheus meters, in one place. */
final class GatewayMetrics {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter storedBytes = registry.counter("cachet_gateway_stored_bytes_total");
  private final Counter servedBytes = registry.counter("cachet_gateway_served_bytes_total");
  private final Counter shardBytesSent = registry.counter("cachet_gateway_shard_bytes_sent_total");
  private final Timer putTimer = Timer.builder("cachet_gateway_put_seconds").publishPercentileHistogram()
      .register(registry);

  /** The read path's gauges: reads streaming now and read-ahead bytes held now. */
  void readPath(Supplier<Number> downloads, Supplier<Number> readAheadBytes) {
    Gauge.builder("cachet_gateway_downloads_active", downloads).register(registry);
    Gauge.builder("cachet_gateway_read_ahead_bytes", readAheadBytes).register(registry);
  }

  void downloadRefused() {
    registry.counter("cachet_gateway_downloads_refused_total").increment();
  }

  void stored(long bytes, long nanos) {
    storedBytes.increment(bytes);
    putTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  void served(long bytes) {
    servedBytes.increment(bytes);
  }

  void shardBytesSent(long bytes) {
    shardBytesSent.increment(bytes);
  }

  void uploadFailed(String reason) {
    registry.counter("cachet_gateway_upload_failures_total", "reason", reason).increment();
  }

  void shardRejected(String nodeId, String why) {
    registry.counter("cachet_gateway_shards_rejected_total", "node", nodeId, "why", why).increment();
  }

  void repaired(String nodeId, long shards) {
    registry.counter("cachet_gateway_shards_repaired_total", "node", nodeId).increment(shards);
  }

  void challenge(String nodeId, boolean passed) {
    registry.counter("cachet_gateway_challenges_total", "node", nodeId, "outcome", passed ? "passed" : "failed")
        .increment();
  }
}
