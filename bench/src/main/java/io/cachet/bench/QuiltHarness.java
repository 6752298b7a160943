package io.cachet.bench;

import io.cachet.cli.devnet.Devnet;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.client.StoredPatch;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Quilts against separate blobs, on the same local network in one JVM: {@code count} files of
 * {@code KiB} each (default 1,000 of 1 KiB) stored as one quilt ({@code storeQuilt}) and as
 * {@code count} separate {@code store} calls, one after another as an application would. Reported
 * for each: wall time, and the bytes the storage nodes' data directories grew by (the sum of their
 * files' sizes, and what {@code du} counts in disk blocks); then the ratios.
 *
 * <p>With {@code sealed} as third argument, the same through the SDK on a devnet (ledger, 3 key
 * servers, 7 nodes): {@code CachetClient.putQuilt} against {@code count} {@code put}s, each file
 * its own envelope in both cases.
 *
 * <p>Before the measured runs, a warm-up of 50 files each way (the JIT, the connection pool),
 * whose bytes are outside the measured differences. Samples of every kind are read back and
 * compared before a figure is printed.
 *
 * <p>Run: {@code mvn -B -q -DskipTests -pl bench -am package && java -Xmx512m -cp
 * bench/target/benchmarks.jar io.cachet.bench.QuiltHarness [count] [KiB] [sealed]}
 */
public final class QuiltHarness {
  private static final int WARM_UP_FILES = 50;

  private QuiltHarness() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int size = (args.length > 1 ? Integer.parseInt(args[1]) : 1) * 1024;
    boolean sealed = args.length > 2 && args[2].equals("sealed");
    Path root = Files.createTempDirectory("cachet-quilt-bench");
    try {
      raw(root.resolve("raw"), count, size);
      if (sealed) {
        sealed(root.resolve("sealed"), count, size);
      }
    } finally {
      BenchFiles.deleteTree(root);
    }
  }

  // ---------------------------------------------------------------- raw

  private static void raw(Path root, int count, int size) throws Exception {
    Vertx vertx = Vertx.vertx();
    LocalNetwork net = LocalNetwork.start(vertx, root.resolve("net"),
            LocalNetwork.Options.defaults().withNodes(7, 1 << 20).withIntervals(0, 0))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    List<Path> nodes = new ArrayList<>();
    for (int i = 0; i < net.network().n(); i++) {
      nodes.add(net.nodeDir(i));
    }
    try (WalrusBlobStore store = WalrusBlobStore.connect(net.gatewayUrl(), net.gatewayUrl())) {
      System.out.printf("raw (WalrusBlobStore on the gateway): %d nodes, 1 MiB shards, %d files of %d bytes%n",
          net.network().n(), count, size);
      quilt(store, files(WARM_UP_FILES, size, 1));
      separately(store, files(WARM_UP_FILES, size, 2));

      Usage before = Usage.of(nodes);
      List<byte[]> quilted = files(count, size, 3);
      long t0 = System.nanoTime();
      QuiltStoreResult q = quilt(store, quilted);
      double quiltSeconds = (System.nanoTime() - t0) / 1e9;
      Usage afterQuilt = Usage.of(nodes);

      List<byte[]> separate = files(count, size, 4);
      t0 = System.nanoTime();
      List<BlobId> ids = separately(store, separate);
      double separateSeconds = (System.nanoTime() - t0) / 1e9;
      Usage afterSeparate = Usage.of(nodes);

      for (int i : new int[] {0, count / 2, count - 1}) {
        check(store.readPatch(q.patches().get(i).patchId()), quilted.get(i), "patch " + i);
        check(store.read(ids.get(i)), separate.get(i), "blob " + i);
      }
      report(count, (long) count * size, quiltSeconds, separateSeconds, afterQuilt.minus(before),
          afterSeparate.minus(afterQuilt), "storeQuilt", "store");
    } finally {
      net.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private static QuiltStoreResult quilt(WalrusBlobStore store, List<byte[]> files) throws IOException {
    List<QuiltFile> quilt = new ArrayList<>(files.size());
    for (int i = 0; i < files.size(); i++) {
      quilt.add(QuiltFile.of("file-" + i, BlobSource.ofBytes(files.get(i))));
    }
    return store.storeQuilt(quilt, StoreOptions.epochs(5));
  }

  private static List<BlobId> separately(WalrusBlobStore store, List<byte[]> files) throws IOException {
    List<BlobId> ids = new ArrayList<>(files.size());
    for (byte[] f : files) {
      ids.add(store.store(BlobSource.ofBytes(f), StoreOptions.epochs(5)).blobId());
    }
    return ids;
  }

  // ---------------------------------------------------------------- sealed

  private static void sealed(Path root, int count, int size) throws Exception {
    SecureRandom random = new SecureRandom();
    Identity alice = Identity.generate(random);
    try (Devnet devnet = Devnet.start(root.resolve("devnet"), Devnet.Options.defaults())) {
      List<Path> nodes = new ArrayList<>();
      for (int i = 0; i < devnet.storage().network().n(); i++) {
        nodes.add(devnet.storage().nodeDir(i));
      }
      ClientConfig config = ClientConfig.load(devnet.descriptorFile());
      Path plain = Files.createDirectories(root.resolve("plain"));
      try (CachetClient a = CachetClient.open(config, alice)) {
        PolicyId policy = a.createAllowList();
        a.grant(policy, alice.address(), Window.ALWAYS);
        devnet.keyServer(1).awaitLedgerHeight(devnet.ledgerHeight()).toCompletionStage().toCompletableFuture().get();
        System.out.printf("sealed (CachetClient on a devnet): 3 key servers (t=2), %d nodes, %d files of %d bytes%n",
            nodes.size(), count, size);
        a.putQuilt(onDisk(plain, "warm-q", files(WARM_UP_FILES, size, 5)), policy, 5);
        putSeparately(a, onDisk(plain, "warm-s", files(WARM_UP_FILES, size, 6)), policy);

        Usage before = Usage.of(nodes);
        List<byte[]> quilted = files(count, size, 7);
        Map<String, Path> quiltFiles = onDisk(plain, "q", quilted);
        long t0 = System.nanoTime();
        List<StoredPatch> q = a.putQuilt(quiltFiles, policy, 5);
        double quiltSeconds = (System.nanoTime() - t0) / 1e9;
        Usage afterQuilt = Usage.of(nodes);

        List<byte[]> separate = files(count, size, 8);
        Map<String, Path> separateFiles = onDisk(plain, "s", separate);
        t0 = System.nanoTime();
        List<StoredObject> s = putSeparately(a, separateFiles, policy);
        double separateSeconds = (System.nanoTime() - t0) / 1e9;
        Usage afterSeparate = Usage.of(nodes);

        for (int i : new int[] {0, count / 2, count - 1}) {
          check(a.open(q.get(i).patchId()), quilted.get(i), "sealed patch " + i);
          check(a.open(s.get(i).blobId()), separate.get(i), "sealed blob " + i);
        }
        report(count, (long) count * size, quiltSeconds, separateSeconds, afterQuilt.minus(before),
            afterSeparate.minus(afterQuilt), "putQuilt", "put");
      }
    }
  }

  private static List<StoredObject> putSeparately(CachetClient c, Map<String, Path> files, PolicyId policy)
      throws Exception {
    List<StoredObject> out = new ArrayList<>(files.size());
    for (Path f : files.values()) {
      out.add(c.put(f, policy, 5));
    }
    return out;
  }

  private static Map<String, Path> onDisk(Path dir, String prefix, List<byte[]> files) throws IOException {
    Map<String, Path> out = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      Path f = dir.resolve(prefix + "-" + i);
      Files.write(f, files.get(i));
      out.put("file-" + i, f);
    }
    return out;
  }

  // ---------------------------------------------------------------- figures

  private static List<byte[]> files(int count, int size, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<byte[]> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  private static void check(InputStream in, byte[] expected, String what) throws IOException {
    try (in) {
      if (!Arrays.equals(in.readAllBytes(), expected)) {
        throw new IllegalStateException(what + " read back other bytes than were stored");
      }
    }
  }

  private static void report(int count, long payload, double quiltSeconds, double separateSeconds, Usage quilt,
      Usage separate, String quiltName, String separateName) {
    System.out.printf("  %-10s %4d files: %8.2f s, nodes grew by %,12d bytes (%,d KiB in blocks), %,d files%n",
        quiltName, count, quiltSeconds, quilt.bytes, quilt.kib, quilt.files);
    System.out.printf("  %-10s x %4d   : %8.2f s, nodes grew by %,12d bytes (%,d KiB in blocks), %,d files%n",
        separateName, count, separateSeconds, separate.bytes, separate.kib, separate.files);
    System.out.printf("  time: %s is %.1fx faster; bytes: %s stores %.1fx fewer (%.2f vs %.2f bytes on the nodes per"
        + " payload byte), blocks %.1fx fewer%n", quiltName, separateSeconds / quiltSeconds, quiltName,
        (double) separate.bytes / quilt.bytes, (double) quilt.bytes / payload, (double) separate.bytes / payload,
        (double) separate.kib / quilt.kib);
  }

  /** What the node directories hold: file bytes, disk blocks (as du counts them) and files. */
  private record Usage(long bytes, long kib, long files) {
    /** Once the nodes stop writing: a store returns at 2f + 1 confirmations, the rest may still be at it. */
    static Usage of(List<Path> dirs) throws IOException, InterruptedException {
      Usage last = measure(dirs);
      while (true) {
        Thread.sleep(1000);
        Usage now = measure(dirs);
        if (now.equals(last)) {
          return now;
        }
        last = now;
      }
    }

    private static Usage measure(List<Path> dirs) throws IOException, InterruptedException {
      long bytes = 0;
      long files = 0;
      for (Path d : dirs) {
        try (Stream<Path> all = Files.walk(d)) {
          for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
            bytes += Files.size(p);
            files++;
          }
        }
      }
      return new Usage(bytes, du(dirs), files);
    }

    Usage minus(Usage o) {
      return new Usage(bytes - o.bytes, kib - o.kib, files - o.files);
    }

    private static long du(List<Path> dirs) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(List.of("du", "-sk", "-c"));
      dirs.forEach(d -> cmd.add(d.toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String[] lines = new String(p.getInputStream().readAllBytes()).trim().split("\n");
      p.waitFor();
      return Long.parseLong(lines[lines.length - 1].split("\\s+")[0]);
    }
  }
}
