package io.cachet.storage.gateway;

import io.cachet.common.http.CorsPolicy;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.node.NodeKey;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Settings of the local gateway (publisher + aggregator).
 *
 * @param maxBlobSize largest blob accepted; larger uploads get 413 naming the limit
 * @param stripesInFlight stripes being encoded or sent at once per upload (memory: about
 *     (stripesInFlight + 1) x n x shardSize bytes per upload)
 * @param maxConcurrentUploads uploads at once; more get 429
 * @param readAhead stripes fetched ahead of the one being written to a reader
 * @param maxConcurrentDownloads reads streaming at once; more get 503 {@code TOO_MANY_DOWNLOADS}
 *     with {@code Retry-After}
 * @param readAheadBudgetBytes bytes all reads together may hold in stripes fetched ahead of their
 *     readers (each stripe counted at its encoded size, n shards); a read waits for budget instead
 *     of allocating past it
 * @param nodeTimeoutMillis longest one call to a node may take
 * @param repairIntervalMillis how often the repair loop runs; 0 = never (run it by hand)
 * @param auditIntervalMillis how often the auditor challenges a node; 0 = never
 * @param publisherKey the key the gateway signs its writes to the nodes with; the nodes must be
 *     configured to trust its public key, or they refuse every write
 * @param cors the web origins whose pages may read blobs from a browser ({@code cors-origins}); off by default
 * @param maxQuiltSize largest quilt ({@code PUT /v1/quilts}: index and files) accepted; larger get 413.
 *     A quilt's parts wait on the temporary disk ({@code java.io.tmpdir}) until the form is in, so this
 *     bounds the disk one upload takes; the blob limit applies too
 * @param quiltDiskReserve free space the temporary disk must keep: a quilt upload that would leave less
 *     is refused with 503 {@code INSUFFICIENT_STORAGE} and {@code Retry-After}
 */
public record GatewayConfig(NetworkConfig network, String host, int port, long maxBlobSize, int stripesInFlight,
    int maxConcurrentUploads, int readAhead, int maxConcurrentDownloads, long readAheadBudgetBytes,
    long nodeTimeoutMillis, long repairIntervalMillis, long auditIntervalMillis, LongSupplier nowMillis,
    NodeKey publisherKey, CorsPolicy cors, long maxQuiltSize, long quiltDiskReserve) {

  public static final long DEFAULT_MAX_BLOB_SIZE = 64L << 30;
  /** Reads streaming at once by default: enough for a busy desktop, far below the file descriptors. */
  public static final int DEFAULT_MAX_CONCURRENT_DOWNLOADS = 64;
  /** Read-ahead memory of all reads together by default: 64 reads of 4 MiB stripes, a few ahead each. */
  public static final long DEFAULT_READ_AHEAD_BUDGET_BYTES = 256L << 20;
  /** Largest quilt by default: its parts wait on the temporary disk, so far below the blob limit. */
  public static final long DEFAULT_MAX_QUILT_SIZE = 1L << 30;
  /** Free space the temporary disk keeps by default, whatever quilt uploads want. */
  public static final long DEFAULT_QUILT_DISK_RESERVE = 1L << 30;

  public GatewayConfig {
    if (maxBlobSize < 0 || stripesInFlight < 1 || maxConcurrentUploads < 1 || readAhead < 1
        || maxConcurrentDownloads < 1 || readAheadBudgetBytes < 1 || nodeTimeoutMillis < 1
        || repairIntervalMillis < 0 || auditIntervalMillis < 0 || maxQuiltSize < 0 || quiltDiskReserve < 0) {
      throw new IllegalArgumentException("invalid gateway settings");
    }
    Objects.requireNonNull(publisherKey, "publisherKey");
    Objects.requireNonNull(cors, "cors");
  }

  /** The settings with the default quilt limits ({@link #DEFAULT_MAX_QUILT_SIZE}, {@link #DEFAULT_QUILT_DISK_RESERVE}). */
  public GatewayConfig(NetworkConfig network, String host, int port, long maxBlobSize, int stripesInFlight,
      int maxConcurrentUploads, int readAhead, int maxConcurrentDownloads, long readAheadBudgetBytes,
      long nodeTimeoutMillis, long repairIntervalMillis, long auditIntervalMillis, LongSupplier nowMillis,
      NodeKey publisherKey, CorsPolicy cors) {
    this(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead, maxConcurrentDownloads,
        readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis, nowMillis, publisherKey,
        cors, DEFAULT_MAX_QUILT_SIZE, DEFAULT_QUILT_DISK_RESERVE);
  }

  public static GatewayConfig defaults(NetworkConfig network, NodeKey publisherKey) {
    return new GatewayConfig(network, "127.0.0.1", 0, DEFAULT_MAX_BLOB_SIZE, 4, 4, 6,
        DEFAULT_MAX_CONCURRENT_DOWNLOADS, DEFAULT_READ_AHEAD_BUDGET_BYTES, 30_000, 0, 0, System::currentTimeMillis,
        publisherKey, CorsPolicy.off());
  }

  /** The same settings with other read-path limits: concurrent downloads, read-ahead stripes and budget. */
  public GatewayConfig withDownloadLimits(int maxDownloads, int readAheadStripes, long budgetBytes) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads,
        readAheadStripes, maxDownloads, budgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        nowMillis, publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  public GatewayConfig withPort(int port) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        nowMillis, publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  public GatewayConfig withMaxBlobSize(long max) {
    return new GatewayConfig(network, host, port, max, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        nowMillis, publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  public GatewayConfig withClock(LongSupplier clock) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        clock, publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  public GatewayConfig withIntervals(long repairMillis, long auditMillis) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairMillis, auditMillis, nowMillis,
        publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  public GatewayConfig withNodeTimeout(long millis) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, millis, repairIntervalMillis, auditIntervalMillis, nowMillis,
        publisherKey, cors, maxQuiltSize, quiltDiskReserve);
  }

  /** The same settings, letting pages of {@code policy}'s origins read blobs from a browser. */
  public GatewayConfig withCors(CorsPolicy policy) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        nowMillis, publisherKey, policy, maxQuiltSize, quiltDiskReserve);
  }

  /** The same settings with other quilt limits: the largest quilt, and the free space the temporary disk keeps. */
  public GatewayConfig withQuiltLimits(long maxQuilt, long diskReserve) {
    return new GatewayConfig(network, host, port, maxBlobSize, stripesInFlight, maxConcurrentUploads, readAhead,
        maxConcurrentDownloads, readAheadBudgetBytes, nodeTimeoutMillis, repairIntervalMillis, auditIntervalMillis,
        nowMillis, publisherKey, cors, maxQuilt, diskReserve);
  }

  /** The largest quilt accepted: {@link #maxQuiltSize}, and no more than {@link #maxBlobSize}. */
  public long quiltLimit() {
    return Math.min(maxQuiltSize, maxBlobSize);
  }

  public long currentEpoch() {
    return network.epochs().epochAt(nowMillis.getAsLong());
  }
}
