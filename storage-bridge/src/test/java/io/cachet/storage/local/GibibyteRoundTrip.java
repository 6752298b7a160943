package io.cachet.storage.local;

import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.RetryPolicy;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link GibibyteRoundTripTest} (under {@code -Xmx256m}): starts a local
 * network with the default 1 MiB shards under {@code args[0]}, stores {@code args[1]} bytes
 * generated on the fly through the Walrus client, reads them back streaming and compares them
 * with the generator, byte for byte and by SHA-256. Neither side ever holds the blob: a heap four
 * times smaller than it proves the streaming. Prints the rates; exits 0 only if all matched.
 */
public final class GibibyteRoundTrip {
  private GibibyteRoundTrip() {}

  /** Deterministic bytes: block b of 64 KiB comes from its own seeded generator, so any chunking reads the same. */
  static final class Generated extends InputStream {
    static final int BLOCK = 64 * 1024;
    private final long seed;
    private final long length;
    private final byte[] block = new byte[BLOCK];
    private final MessageDigest sha;
    private long position;
    private long blockIndex = -1;

    Generated(long seed, long length) {
      this.seed = seed;
      this.length = length;
      try {
        this.sha = MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= length) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      long index = position / BLOCK;
      if (index != blockIndex) {
        new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index).nextBytes(block);
        blockIndex = index;
      }
      int within = (int) (position % BLOCK);
      int n = (int) Math.min(Math.min(len, BLOCK - within), length - position);
      System.arraycopy(block, within, b, off, n);
      sha.update(b, off, n);
      position += n;
      return n;
    }

    byte[] digest() {
      return sha.digest();
    }
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    long size = Long.parseLong(args[1]);
    long seed = 20240601L;
    Vertx vertx = Vertx.vertx();
    int status = 1;
    try {
      LocalNetwork net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withIntervals(0, 0))
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.printf("network: %d nodes, shard size %d, heap max %d MiB%n", net.network().n(),
          net.network().shardSize(), Runtime.getRuntime().maxMemory() >> 20);
      WalrusBlobStore store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl())
          .aggregator(net.gatewayUrl()).requestTimeout(Duration.ofMinutes(20)).retry(RetryPolicy.none()).build());
      try {
        Generated[] sent = new Generated[1];
        BlobSource source = new BlobSource() {
          @Override
          public InputStream open() {
            sent[0] = new Generated(seed, size);
            return sent[0];
          }

          @Override
          public long length() {
            return size;
          }

          @Override
          public boolean repeatable() {
            return true;
          }
        };
        long t0 = System.nanoTime();
        StoreResult r = store.store(source, StoreOptions.epochs(2));
        double putSeconds = (System.nanoTime() - t0) / 1e9;
        byte[] sentSha = sent[0].digest();
        System.out.printf("put: %d bytes in %.1f s = %.1f MB/s, blob %s%n", size, putSeconds, size / putSeconds / 1e6,
            r.blobId());

        long t1 = System.nanoTime();
        Generated expected = new Generated(seed, size);
        MessageDigest gotSha = MessageDigest.getInstance("SHA-256");
        byte[] got = new byte[256 * 1024];
        byte[] want = new byte[got.length];
        long at = 0;
        try (InputStream in = store.read(r.blobId())) {
          for (int n; (n = in.readNBytes(got, 0, got.length)) > 0; ) {
            gotSha.update(got, 0, n);
            if (expected.readNBytes(want, 0, n) != n) {
              throw new IOException("read returned more than " + size + " bytes");
            }
            int mismatch = java.util.Arrays.mismatch(got, 0, n, want, 0, n);
            if (mismatch >= 0) {
              throw new IOException("byte " + (at + mismatch) + " differs");
            }
            at += n;
          }
        }
        double getSeconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf("get: %d bytes in %.1f s = %.1f MB/s%n", at, getSeconds, at / getSeconds / 1e6);
        byte[] readSha = gotSha.digest();
        System.out.println("sha-256 sent " + HexFormat.of().formatHex(sentSha) + ", read "
            + HexFormat.of().formatHex(readSha));
        if (at != size || !java.util.Arrays.equals(sentSha, readSha)
            || !java.util.Arrays.equals(sentSha, expected.digest())) {
          System.out.println("MISMATCH: read " + at + " of " + size + " bytes");
        } else {
          System.out.println("ROUND TRIP OK");
          status = 0;
        }
      } finally {
        store.close();
        net.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    } catch (Throwable t) {
      t.printStackTrace(System.out);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(status);
  }
}
