package io.cachet.bench;

import io.cachet.storage.erasure.ReedSolomon;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reed-Solomon throughput for the devnet code (n = 7, k = 3) with 1 MiB shards, one thread:
 * encoding a stripe, rebuilding its data in the worst case (all three data shards lost, rebuilt
 * from parity) and in the common case (one data shard lost), and a memory-bandwidth reference.
 *
 * <p>Every call covers one stripe, 3 MiB of data, and declares 3 operations, so <b>the score in
 * ops/s is MiB/s of stripe data</b> (multiply by 1.048576 for MB/s). For {@link #reconstructOne}
 * that is the data a reader gets per second, of which a third was rebuilt.
 *
 * <p>{@link #xorReference} is the floor any coding loop is measured against: it reads the three
 * data shards and writes their XOR into one output, a byte loop C2 vectorizes fully, so it runs at
 * memory speed. Reading scores as a fraction of it factors out the machine and its current load.
 *
 * <p>Run (about 2 minutes):
 * <pre>
 * mvn -B -q -DskipTests -pl bench -am package
 * java -jar bench/target/benchmarks.jar ErasureBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class ErasureBenchmark {
  /** Total shards: the devnet's 7 nodes. */
  static final int N = 7;

  /** Data shards: f + 1 for f = 2. */
  static final int K = 3;

  /** Bytes per shard: the default shard size. */
  static final int SHARD_BYTES = 1 << 20;

  /** MiB of data per stripe; also the operations declared per call, so scores read as MiB/s. */
  static final int DATA_MIB = K;

  /** Seed of the data bytes; any value, fixed so every run codes the same data. */
  static final long DATA_SEED = 0xEC0DEL;

  private final ReedSolomon rs = ReedSolomon.of(N, K);
  private byte[][] original;
  private byte[][] shards;
  private boolean[] parityOnly;
  private boolean[] firstLost;
  private byte[] xorOut;

  @Setup
  public void setup() {
    Random random = new Random(DATA_SEED);
    original = new byte[N][SHARD_BYTES];
    for (int j = 0; j < K; j++) {
      random.nextBytes(original[j]);
    }
    rs.encode(original, 0, SHARD_BYTES);
    shards = new byte[N][];
    for (int i = 0; i < N; i++) {
      shards[i] = original[i].clone();
    }
    parityOnly = new boolean[N];
    Arrays.fill(parityOnly, K, N, true);
    firstLost = new boolean[N];
    Arrays.fill(firstLost, 1, N, true);
    xorOut = new byte[SHARD_BYTES];

    // Both rebuilds must give back exactly the data before either is timed.
    for (int j = 0; j < K; j++) {
      Arrays.fill(shards[j], (byte) 0);
    }
    rs.reconstructData(shards, parityOnly, 0, SHARD_BYTES);
    check("reconstructData from parity");
    Arrays.fill(shards[0], (byte) 0);
    rs.reconstruct(shards, firstLost, 0, SHARD_BYTES);
    check("reconstruct of shard 0");
  }

  /** Four parity shards from three data shards. */
  @Benchmark
  @OperationsPerInvocation(DATA_MIB)
  public byte[][] encode() {
    rs.encode(shards, 0, SHARD_BYTES);
    return shards;
  }

  /** The worst case for a reader: every data shard lost, all three rebuilt from parity 3, 4, 5. */
  @Benchmark
  @OperationsPerInvocation(DATA_MIB)
  public byte[][] reconstructDataFromParity() {
    rs.reconstructData(shards, parityOnly, 0, SHARD_BYTES);
    return shards;
  }

  /** Data shard 0 lost and rebuilt from shards 1, 2 and 3 (the first three present). */
  @Benchmark
  @OperationsPerInvocation(DATA_MIB)
  public byte[][] reconstructOne() {
    rs.reconstruct(shards, firstLost, 0, SHARD_BYTES);
    return shards;
  }

  /** Memory-bandwidth reference: the XOR of the three data shards into one output. */
  @Benchmark
  @OperationsPerInvocation(DATA_MIB)
  public byte[] xorReference() {
    byte[] a = shards[0];
    byte[] b = shards[1];
    byte[] c = shards[2];
    byte[] out = xorOut;
    for (int i = 0; i < SHARD_BYTES; i++) {
      out[i] = (byte) (a[i] ^ b[i] ^ c[i]);
    }
    return out;
  }

  private void check(String what) {
    if (!Arrays.deepEquals(shards, original)) {
      throw new IllegalStateException(what + " did not give back the stripe");
    }
  }
}
