package io.cachet.bench;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * End-to-end storage harness: a 7-node local network and its gateway on loopback, driven through
 * the Walrus client, all in one JVM on this machine (as the devnet runs it).
 *
 * <p>It measures put and get of one blob of the given size (default 1 GiB), after a 128 MiB
 * warm-up, and time to first byte of a 1 KiB range read. Reference measured in the same run: the
 * time to write the same number of encoded bytes to one file on the same disk and fsync it (what
 * the nodes together must at least do), so put is also reported as a ratio of that bound. Storage
 * overhead is the bytes under the node directories over the blob's size.
 *
 * <p>Run: {@code mvn -B -q -DskipTests -pl bench -am package && java -Xmx256m -cp
 * bench/target/benchmarks.jar io.cachet.bench.StorageHarness [MiB] [shardKiB]}
 */
public final class StorageHarness {
  private static final int MIB = 1 << 20;

  private StorageHarness() {}

  public static void main(String[] args) throws Exception {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) * MIB;
    int shardSize = (args.length > 1 ? Integer.parseInt(args[1]) : 1024) * 1024;
    Path root = Files.createTempDirectory("cachet-storage-bench");
    Vertx vertx = Vertx.vertx();
    LocalNetwork net = LocalNetwork.start(vertx, root.resolve("net"),
            LocalNetwork.Options.defaults().withNodes(7, shardSize).withIntervals(0, 0))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    WalrusBlobStore store = WalrusBlobStore.connect(net.gatewayUrl(), net.gatewayUrl());
    try {
      System.out.printf("network: n=%d f=%d k=%d shard=%d KiB, heap max %d MiB%n", net.network().n(),
          net.network().f(), net.network().k(), shardSize / 1024, Runtime.getRuntime().maxMemory() / MIB);
      roundTrip(store, 128L * MIB, 1, "warm-up");
      roundTrip(store, 128L * MIB, 2, "warm-up");
      Result r = roundTrip(store, size, 3, "measured");
      long stored = directorySize(root.resolve("net"));
      System.out.printf("storage overhead: %.3f x (%d bytes on the nodes for %d stored, incl. the warm-up blobs)%n",
          (double) stored / (size + 256L * MIB), stored, size + 256L * MIB);

      double curl = curlGet(net.gatewayUrl() + "/v1/blobs/" + r.id);
      if (curl > 0) {
        System.out.printf("get with curl (reference client, same gateway): %.0f MB/s; the Walrus client reached %.2f of it%n",
            curl / 1e6, r.getMBs / (curl / 1e6));
      }
      long t0 = System.nanoTime();
      try (InputStream in = store.read(r.id, size / 2, 1024)) {
        in.readAllBytes();
      }
      System.out.printf("time to first byte (1 KiB range in the middle): %.1f ms%n", (System.nanoTime() - t0) / 1e6);

      long encoded = size * net.network().n() / net.network().k();
      double diskSeconds = diskReference(root.resolve("reference"), encoded);
      System.out.printf("reference: one file, %d MiB written and fsynced: %.0f MB/s of encoded bytes, "
          + "i.e. a put bound of %.0f MB/s of blob%n", encoded / MIB, encoded / diskSeconds / 1e6,
          size / diskSeconds / 1e6);
      System.out.printf("put %.0f MB/s = %.2f of the disk bound; get %.0f MB/s%n", r.putMBs,
          r.putMBs / (size / diskSeconds / 1e6), r.getMBs);
    } finally {
      store.close();
      net.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      BenchFiles.deleteTree(root);
    }
  }

  private record Result(BlobId id, double putMBs, double getMBs) {}

  private static Result roundTrip(WalrusBlobStore store, long size, long seed, String label) throws Exception {
    long t0 = System.nanoTime();
    StoreResult stored = store.store(generated(size, seed), StoreOptions.epochs(5));
    double put = (System.nanoTime() - t0) / 1e9;
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    try (InputStream in = generated(size, seed).open()) {
      drain(in, expected);
    }
    MessageDigest got = MessageDigest.getInstance("SHA-256");
    t0 = System.nanoTime();
    long read;
    try (InputStream in = store.read(stored.blobId())) {
      read = drain(in, got);
    }
    double get = (System.nanoTime() - t0) / 1e9;
    if (read != size || !MessageDigest.isEqual(expected.digest(), got.digest())) {
      throw new IllegalStateException("read back " + read + " bytes that differ from what was stored");
    }
    double putMBs = size / put / 1e6;
    double getMBs = size / get / 1e6;
    System.out.printf("%s: %d MiB put %.2f s (%.0f MB/s), get %.2f s (%.0f MB/s), blob %s%n", label, size / MIB, put,
        putMBs, get, getMBs, stored.blobId());
    return new Result(stored.blobId(), putMBs, getMBs);
  }

  /**
   * A repeatable source of {@code size} pseudo-random bytes, generated on the fly: a 1 MiB random
   * pattern, the first byte of each MiB XORed with its number, so generating stays far cheaper than
   * what is measured and no two stripes are alike.
   */
  static BlobSource generated(long size, long seed) {
    byte[] pattern = new byte[MIB];
    new SplittableRandom(seed).nextBytes(pattern);
    return new BlobSource() {
      public InputStream open() {
        return new InputStream() {
          private long position;

          @Override
          public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (position == size) {
              return -1;
            }
            int within = (int) (position % MIB);
            int n = (int) Math.min(Math.min(len, size - position), MIB - within);
            System.arraycopy(pattern, within, b, off, n);
            if (within == 0) {
              b[off] ^= (byte) (position / MIB);
            }
            position += n;
            return n;
          }
        };
      }

      public long length() {
        return size;
      }

      public boolean repeatable() {
        return true;
      }
    };
  }

  /** Download speed in bytes per second that curl reports for this URL, or -1 without curl. */
  private static double curlGet(String url) {
    try {
      Process p = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? Double.parseDouble(out) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static long drain(InputStream in, MessageDigest digest) throws IOException {
    byte[] buf = new byte[256 * 1024];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      digest.update(buf, 0, n);
      total += n;
    }
    return total;
  }

  private static double diskReference(Path dir, long bytes) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("encoded");
    ByteBuffer chunk = ByteBuffer.allocateDirect(MIB);
    long t0 = System.nanoTime();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (long done = 0; done < bytes; done += MIB) {
        chunk.clear();
        chunk.limit((int) Math.min(MIB, bytes - done));
        while (chunk.hasRemaining()) {
          ch.write(chunk);
        }
      }
      ch.force(true);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Files.delete(file);
    return seconds;
  }

  private static long directorySize(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }
}
