package io.cachet.bench;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Walrus client against curl, reading (and writing) the same blob from the same gateway in the
 * same run: the devnet's storage (a 7-node local network and its gateway on loopback, in a JVM of
 * its own as {@code cachet devnet up} runs it, so that the client's process holds the client only,
 * as curl's holds curl), one blob of the given size, then several rounds each timing curl and the
 * client on it in the order curl, client, client, curl, so that each goes first and second equally
 * often (on a loaded machine the second of a pair tends to be faster). It prints each round, the
 * medians, the ratio client/curl of the medians and the median of the rounds' own ratios (the
 * steadier figure on a shared machine, since both readers of a round see the same load).
 *
 * <p>Reads: {@code curl -s -o /dev/null} against {@link WalrusBlobStore#read} drained into one
 * reused buffer (the bytes are checked once, in the first round, by length and SHA-256). Writes:
 * {@code curl -T file} against {@link WalrusBlobStore#store} of the same file, both with
 * {@code force=true}, so that every upload is encoded and stored in full.
 *
 * <p>Run: {@code mvn -B -q -o -DskipTests -pl bench -am package && java -Xmx512m -cp
 * bench/target/benchmarks.jar io.cachet.bench.CurlRatioHarness [MiB=256] [rounds=5] [uploadRounds=3]}
 */
public final class CurlRatioHarness {
  private static final int MIB = 1 << 20;
  /** The drain buffer: what a caller copying to a file or a digest would typically use. */
  private static final int READ_BUFFER = 256 * 1024;
  /** The argument that makes this process the storage network's. */
  private static final String SERVE = "--serve";
  /** How the storage network's process announces its gateway. */
  private static final String GATEWAY_LINE = "gateway: ";

  private CurlRatioHarness() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(SERVE)) {
      serve(Path.of(args[1]));
      return;
    }
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 256) * MIB;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int uploadRounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path root = Files.createTempDirectory("cachet-curl-ratio");
    Process devnet = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), CurlRatioHarness.class.getName(), SERVE,
        root.resolve("net").toString())
        .redirectErrorStream(true).start();
    BufferedReader devnetOut = new BufferedReader(new InputStreamReader(devnet.getInputStream(),
        StandardCharsets.UTF_8));
    String gateway = null;
    for (String line; gateway == null && (line = devnetOut.readLine()) != null; ) {
      if (line.startsWith(GATEWAY_LINE)) {
        gateway = line.substring(GATEWAY_LINE.length()).trim();
      }
    }
    if (gateway == null) {
      throw new IllegalStateException("the storage network's process ended without a gateway");
    }
    Thread drain = new Thread(() -> {
      try {
        devnetOut.transferTo(Writer.nullWriter());
      } catch (IOException e) {
        // the process is gone
      }
    });
    drain.setDaemon(true);
    drain.start();
    Path file = root.resolve("blob");
    try (OutputStream out = Files.newOutputStream(file); InputStream in = StorageHarness.generated(size, 7).open()) {
      in.transferTo(out);
    }
    try (WalrusBlobStore store = WalrusBlobStore.connect(gateway, gateway)) {
      System.out.printf("blob %d MiB, gateway %s, %d cores, heap max %d MiB, client %s%n", size / MIB, gateway,
          Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / MIB, store.getClass().getName());
      StoreResult stored = store.store(BlobSource.ofFile(file), StoreOptions.epochs(5));
      BlobId id = stored.blobId();
      String url = gateway + "/v1/blobs/" + id;
      checkOnce(store, id, size);
      // Warm-up: the JIT of both the gateway and the client, and the page cache of the nodes.
      readClient(store, id, size);
      curl("-s", "-o", "/dev/null", "-w", "%{size_download}", url);

      List<Double> curlReads = new ArrayList<>();
      List<Double> clientReads = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        // curl, client, client, curl: whichever reads second in a pair tends to be faster on a
        // loaded machine, so each reader goes first once and second once in every round.
        double c1 = timedCurlRead(url, size);
        double w1 = readClient(store, id, size);
        double w2 = readClient(store, id, size);
        double c2 = timedCurlRead(url, size);
        double c = harmonic(c1, c2);
        double w = harmonic(w1, w2);
        curlReads.add(c);
        clientReads.add(w);
        System.out.printf("read round %d: curl %.0f MB/s, client %.0f MB/s (%.2f)%n", r + 1, c, w, w / c);
      }
      report("read", curlReads, clientReads);

      List<Double> curlWrites = new ArrayList<>();
      List<Double> clientWrites = new ArrayList<>();
      String putUrl = gateway + "/v1/blobs?epochs=1&force=true";
      for (int r = 0; r < uploadRounds; r++) {
        double c1 = timedCurlWrite(file, putUrl, size);
        double w1 = timedClientWrite(store, file, size);
        double w2 = timedClientWrite(store, file, size);
        double c2 = timedCurlWrite(file, putUrl, size);
        double c = harmonic(c1, c2);
        double w = harmonic(w1, w2);
        curlWrites.add(c);
        clientWrites.add(w);
        System.out.printf("write round %d: curl %.0f MB/s, client %.0f MB/s (%.2f)%n", r + 1, c, w, w / c);
      }
      report("write", curlWrites, clientWrites);
    } finally {
      devnet.destroy();
      devnet.waitFor(60, TimeUnit.SECONDS);
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void report(String what, List<Double> curl, List<Double> client) {
    double c = median(curl);
    double w = median(client);
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < curl.size(); i++) {
      ratios.add(client.get(i) / curl.get(i));
    }
    System.out.printf("%s medians: curl %.0f MB/s, client %.0f MB/s; client/curl %.2f; median of the rounds' "
        + "ratios %.2f%n", what, c, w, w / c, median(ratios));
  }

  /** The storage network alone, in this process, until it is killed: what the parent measures against. */
  private static void serve(Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    LocalNetwork net = LocalNetwork.start(vertx, dir,
            LocalNetwork.Options.defaults().withNodes(7, MIB).withIntervals(0, 0))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println(GATEWAY_LINE + net.gatewayUrl());
    System.out.flush();
    Thread.currentThread().join();
  }

  private static void checkOnce(WalrusBlobStore store, BlobId id, long size) throws Exception {
    java.security.MessageDigest expected = java.security.MessageDigest.getInstance("SHA-256");
    try (InputStream in = StorageHarness.generated(size, 7).open()) {
      StorageHarness.drain(in, expected);
    }
    java.security.MessageDigest got = java.security.MessageDigest.getInstance("SHA-256");
    long n;
    try (InputStream in = store.read(id)) {
      n = StorageHarness.drain(in, got);
    }
    if (n != size || !Arrays.equals(expected.digest(), got.digest())) {
      throw new IllegalStateException("the client read " + n + " bytes that differ from the blob");
    }
  }

  /** The rate of both transfers together: the harmonic mean of two rates of the same size. */
  private static double harmonic(double a, double b) {
    return 2 / (1 / a + 1 / b);
  }

  /** MB/s of one upload with curl, {@code force=true} so that it is stored in full. */
  private static double timedCurlWrite(Path file, String putUrl, long size) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    // No "Expect: 100-continue": the Walrus client sends none, so neither does the reference
    // (ExpectContinueHarness measures what the header costs).
    curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:", "-T", file.toString(), putUrl);
    return size / ((System.nanoTime() - t0) / 1e9) / 1e6;
  }

  /** MB/s of one upload through the client, {@code force=true} like curl's. */
  private static double timedClientWrite(WalrusBlobStore store, Path file, long size) throws IOException {
    long t0 = System.nanoTime();
    store.store(BlobSource.ofFile(file), new StoreOptions(1, false, true));
    return size / ((System.nanoTime() - t0) / 1e9) / 1e6;
  }

  /** MB/s of one whole read through the client. */
  private static double readClient(WalrusBlobStore store, BlobId id, long size) throws IOException {
    byte[] buf = new byte[READ_BUFFER];
    long t0 = System.nanoTime();
    long total = 0;
    try (InputStream in = store.read(id)) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        total += n;
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (total != size) {
      throw new IllegalStateException("the client read " + total + " of " + size + " bytes");
    }
    return size / seconds / 1e6;
  }

  /** MB/s of one whole read with curl, timed from this process (start-up of curl included, as for the client). */
  private static double timedCurlRead(String url, long size) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    String got = curl("-s", "-o", "/dev/null", "-w", "%{size_download}", url);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (Long.parseLong(got) != size) {
      throw new IllegalStateException("curl read " + got + " of " + size + " bytes");
    }
    return size / seconds / 1e6;
  }

  /** Runs curl with {@code args}; its output, trimmed. Fails on a non-zero exit. */
  static String curl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("curl");
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("curl failed (" + p.exitValue() + "): " + out);
    }
    return out;
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
