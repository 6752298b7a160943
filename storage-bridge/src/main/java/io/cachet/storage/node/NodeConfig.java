package io.cachet.storage.node;

import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * How one storage node runs: its data directory, its shard index in the network (its id and
 * public key are {@code network.nodes().get(index)}), where it listens, how often it collects
 * garbage, how long an idle upload lives, and the clock. Time is passed in: the current epoch is
 * {@code network.epochs().epochAt(nowMillis)}, so tests move through epochs without sleeping.
 * {@code trustedPublishers} are the Ed25519 public keys (32 bytes each) whose signed writes the
 * node accepts ({@link WriteSignature}); with none, the node takes no writes at all. {@code keyFile}
 * holds the node's signing key (by default {@code node.key} in the data directory).
 */
public record NodeConfig(Path dataDir, int index, NetworkConfig network, String host, int port,
    long gcIntervalMillis, long uploadTtlMillis, LongSupplier nowMillis, List<byte[]> trustedPublishers,
    Path keyFile) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** How often expired blobs and idle uploads are collected by default. */
  public static final long DEFAULT_GC_INTERVAL_MILLIS = 60_000;
  /** How long an upload may stay idle (no stripe written) before it is dropped, by default. */
  public static final long DEFAULT_UPLOAD_TTL_MILLIS = 60 * 60_000;

  public NodeConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(nowMillis, "nowMillis");
    trustedPublishers = trustedPublishers == null ? List.of()
        : trustedPublishers.stream().map(byte[]::clone).toList();
    for (byte[] key : trustedPublishers) {
      if (key.length != 32) {
        throw new IllegalArgumentException("a trusted publisher key is 32 bytes (Ed25519), got " + key.length);
      }
    }
    host = host == null ? DEFAULT_HOST : host;
    keyFile = keyFile == null ? dataDir.resolve(NodeKeys.KEY_FILE) : keyFile;
    if (index < 0 || index >= network.n()) {
      throw new IllegalArgumentException("node index " + index + " outside a network of " + network.n());
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (gcIntervalMillis < 1 || uploadTtlMillis < 1) {
      throw new IllegalArgumentException("gcIntervalMillis and uploadTtlMillis must be positive");
    }
  }

  /** A node whose key is {@code node.key} in its data directory. */
  public NodeConfig(Path dataDir, int index, NetworkConfig network, String host, int port, long gcIntervalMillis,
      long uploadTtlMillis, LongSupplier nowMillis, List<byte[]> trustedPublishers) {
    this(dataDir, index, network, host, port, gcIntervalMillis, uploadTtlMillis, nowMillis, trustedPublishers, null);
  }

  /** A node that trusts no publisher yet (see {@link #withTrustedPublishers}). */
  public NodeConfig(Path dataDir, int index, NetworkConfig network, String host, int port, long gcIntervalMillis,
      long uploadTtlMillis, LongSupplier nowMillis) {
    this(dataDir, index, network, host, port, gcIntervalMillis, uploadTtlMillis, nowMillis, List.of());
  }

  /** This configuration, accepting writes signed by these publisher keys. */
  public NodeConfig withTrustedPublishers(List<byte[]> keys) {
    return new NodeConfig(dataDir, index, network, host, port, gcIntervalMillis, uploadTtlMillis, nowMillis, keys,
        keyFile);
  }

  /** This configuration, its signing key read from {@code file} instead of the data directory. */
  public NodeConfig withKeyFile(Path file) {
    return new NodeConfig(dataDir, index, network, host, port, gcIntervalMillis, uploadTtlMillis, nowMillis,
        trustedPublishers, file);
  }

  /** Loopback, any port, default GC interval and upload TTL. */
  public static NodeConfig of(Path dataDir, int index, NetworkConfig network, LongSupplier nowMillis) {
    return new NodeConfig(dataDir, index, network, DEFAULT_HOST, 0, DEFAULT_GC_INTERVAL_MILLIS,
        DEFAULT_UPLOAD_TTL_MILLIS, nowMillis);
  }

  /** This node as the network knows it. */
  public NodeInfo node() {
    return network.nodes().get(index);
  }

  public long currentEpoch() {
    return network.epochs().epochAt(nowMillis.getAsLong());
  }
}
