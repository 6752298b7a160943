package io.cachet.bench;

import io.cachet.cli.devnet.Devnet;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.walrus.WalrusBlobStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * End-to-end harness for the whole product: a devnet in this JVM (ledger, 3 key servers with
 * threshold 2, 7 storage nodes and the gateway, all on loopback) and the SDK sealing, storing,
 * fetching keys and opening, as {@code cachet put} and {@code cachet get} do.
 *
 * <p>For each size it measures put (seal + upload + certificate on the ledger) and get (a fresh
 * session: header, key fetch from the key servers, download, authentication), and in the same run
 * the reference: the same bytes stored and read raw through the same storage network, so the
 * figures are also given as ratios of what the storage network alone does. Then time to first
 * byte of a 1 KiB file, in a fresh session (with the key fetch) and in a session that holds the key.
 *
 * <p>Run: {@code mvn -B -q -DskipTests -pl bench -am package && java -Xmx256m -cp
 * bench/target/benchmarks.jar io.cachet.bench.EndToEndHarness [maxMiB]}
 */
public final class EndToEndHarness {
  private static final int MIB = 1 << 20;

  private EndToEndHarness() {}

  public static void main(String[] args) throws Exception {
    long max = args.length > 0 ? Long.parseLong(args[0]) : 1024;
    Path root = Files.createTempDirectory("cachet-e2e-bench");
    SecureRandom random = new SecureRandom();
    Identity alice = Identity.generate(random);
    Identity bob = Identity.generate(random);
    try (Devnet devnet = Devnet.start(root.resolve("devnet"), Devnet.Options.defaults());
         WalrusBlobStore raw = WalrusBlobStore.connect(devnet.gatewayUrl(), devnet.gatewayUrl())) {
      ClientConfig config = ClientConfig.load(devnet.descriptorFile());
      System.out.printf("devnet: 3 key servers (t=2), 7 storage nodes, 1 MiB shards; heap max %d MiB%n",
          Runtime.getRuntime().maxMemory() / MIB);
      try (CachetClient a = CachetClient.open(config, alice)) {
        PolicyId policy = a.createAllowList();
        a.grant(policy, bob.address(), Window.ALWAYS);
        devnet.keyServer(1).awaitLedgerHeight(devnet.ledgerHeight()).toCompletionStage().toCompletableFuture().get();
        // the JIT needs several rounds before streaming decryption and the gateway's read path run at
        // speed (a cold get of 64 MiB is ~4x slower); the warm-up lines are printed to show it
        for (int i = 0; i < 3; i++) {
          run(a, config, bob, raw, policy, 64, "warm-up ");
        }
        for (long mib : new long[] {1, 64, 1024}) {
          if (mib <= max) {
            run(a, config, bob, raw, policy, mib, "measured");
          }
        }
        ttfb(a, config, bob, policy);
      }
    } finally {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(CachetClient a, ClientConfig config, Identity bob, WalrusBlobStore raw, PolicyId policy,
      long mib, String label) throws Exception {
    long size = mib * MIB;
    // small sizes are latency-bound and noisy: several rounds, the median reported
    int rounds = mib <= 1 ? 9 : mib <= 64 ? 3 : 1;
    double[] put = new double[rounds];
    double[] get = new double[rounds];
    double[] session = new double[rounds];
    double[] rawPut = new double[rounds];
    double[] rawGet = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long seed = System.nanoTime();
      MessageDigest expected = MessageDigest.getInstance("SHA-256");
      try (InputStream in = StorageHarness.generated(size, seed).open()) {
        StorageHarness.drain(in, expected);
      }
      byte[] want = expected.digest();

      long t0 = System.nanoTime();
      BlobId blob;
      try (InputStream in = StorageHarness.generated(size, seed).open()) {
        blob = a.put(in, size, policy, 5).blobId();
      }
      put[r] = (System.nanoTime() - t0) / 1e9;
      // a get as `cachet get` does it: a new session (client), the header, the key fetch, the body
      t0 = System.nanoTime();
      MessageDigest got = MessageDigest.getInstance("SHA-256");
      try (CachetClient b = CachetClient.open(config, bob)) {
        session[r] = (System.nanoTime() - t0) / 1e9;
        try (InputStream in = b.open(blob)) {
          StorageHarness.drain(in, got);
        }
      }
      get[r] = (System.nanoTime() - t0) / 1e9;
      if (!MessageDigest.isEqual(want, got.digest())) {
        throw new IllegalStateException("the opened bytes differ from the sealed ones");
      }

      t0 = System.nanoTime();
      BlobId rawBlob = raw.store(StorageHarness.generated(size, seed ^ 0x5DEECE66DL), StoreOptions.epochs(5)).blobId();
      rawPut[r] = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      try (InputStream in = raw.read(rawBlob)) {
        StorageHarness.drain(in, MessageDigest.getInstance("SHA-256"));
      }
      rawGet[r] = (System.nanoTime() - t0) / 1e9;
    }
    double p = median(put);
    double g = median(get);
    double rp = median(rawPut);
    double rg = median(rawGet);
    System.out.printf("%s %5d MiB (median of %d): put %6.1f MB/s = %.2f of raw storage (%.1f MB/s, %.0f vs %.0f ms); "
            + "get %6.1f MB/s = %.2f of raw (%.1f MB/s, %.0f vs %.0f ms; new session %.0f ms)%n",
        label, mib, rounds, size / p / 1e6, rp / p, size / rp / 1e6, p * 1e3, rp * 1e3,
        size / g / 1e6, rg / g, size / rg / 1e6, g * 1e3, rg * 1e3, median(session) * 1e3);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static void ttfb(CachetClient a, ClientConfig config, Identity bob, PolicyId policy) throws Exception {
    byte[] small = new byte[1024];
    new SecureRandom().nextBytes(small);
    BlobId blob = a.put(new java.io.ByteArrayInputStream(small), small.length, policy, 5).blobId();
    int rounds = 21;
    double[] fresh = new double[rounds];
    double[] cached = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      try (CachetClient b = CachetClient.open(config, bob)) {
        long t0 = System.nanoTime();
        try (InputStream in = b.open(blob)) {
          in.read();
        }
        fresh[i] = (System.nanoTime() - t0) / 1e6;
        t0 = System.nanoTime();
        try (InputStream in = b.open(blob)) {
          in.read();
        }
        cached[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    java.util.Arrays.sort(fresh);
    java.util.Arrays.sort(cached);
    System.out.printf("time to first byte, 1 KiB file (%d rounds, median / best): %.1f / %.1f ms in a fresh session "
        + "(key fetched from the key servers), %.1f / %.1f ms with the key held%n",
        rounds, fresh[rounds / 2], fresh[0], cached[rounds / 2], cached[0]);
  }
}
