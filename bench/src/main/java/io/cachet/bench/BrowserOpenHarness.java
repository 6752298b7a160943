package io.cachet.bench;

import io.cachet.bench.browser.BenchChromium;
import io.cachet.bench.browser.CliOwner;
import io.cachet.bench.browser.SealPeer;
import io.cachet.bench.browser.ViewerTab;
import io.cachet.cli.devnet.Devnet;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The browser SDK's figures (issue 18), with the Seal TypeScript SDK's decrypt measured in the same
 * run as the peer: a devnet in this JVM (3 key servers, any 2; 7 storage nodes; the viewer page),
 * files put with {@code cachet put}, granted to the identity of a headless Chromium, opened there by
 * the SDK the devnet serves ({@code /cachet.js}).
 *
 * <ol>
 *   <li>Throughput: a {@code MiB} MiB file opened with {@code openBlob} and its stream drained
 *       (counted, not kept), timed in the page from the openBlob call to the stream's end, in a
 *       freshly loaded page each run; one warm-up, then {@code RUNS} runs, each followed by one run
 *       of the Seal peer (Node, same plaintext size: its AES-256-GCM DEM alone, and its decrypt with
 *       the keys in hand).</li>
 *   <li>Time to first plaintext byte of a 1 KiB file: {@code FIRST} fresh navigations to the viewer
 *       page, each timed from navigation start to the first chunk of the stream.</li>
 * </ol>
 *
 * <p>Run from the repository root (the Seal peer is {@code bench/seal-peer}, installed by
 * {@code npm ci --ignore-scripts} if its node_modules is missing): {@code mvn -B -q -DskipTests -pl
 * bench -am package && java -Xmx512m -cp bench/target/benchmarks.jar io.cachet.bench.BrowserOpenHarness
 * [MiB [RUNS [FIRST]]]} (defaults 256, 5, 10).
 */
public final class BrowserOpenHarness {
  private static final int MIB = 1 << 20;

  private BrowserOpenHarness() {}

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int firsts = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Path sealPeer = Path.of(System.getProperty("cachet.bench.sealPeer", "bench/seal-peer"));
    Path root = Files.createTempDirectory("cachet-browser-bench");
    System.out.printf("machine: %d cores, load average %s; JVM heap max %d MiB%n",
        Runtime.getRuntime().availableProcessors(), loadAverage(), Runtime.getRuntime().maxMemory() / MIB);

    try (Devnet devnet = Devnet.start(root.resolve("devnet"), Devnet.Options.defaults());
         BenchChromium chromium = BenchChromium.start(root.resolve("chromium"), Duration.ofMinutes(10))) {
      CliOwner owner = CliOwner.create(root.resolve("home"), devnet.descriptorFile());
      ViewerTab tab = new ViewerTab(chromium, URI.create(devnet.viewerUrl()));
      String reader = tab.address();
      String policy = owner.allowList();
      owner.grant(policy, reader);
      System.out.printf("devnet: 3 key servers (t=2), 7 storage nodes; Chromium %s, reader %s%n",
          chromium.version(), reader);

      Path big = root.resolve("big.bin");
      write(big, (long) mib * MIB);
      long t0 = System.nanoTime();
      String bigBlob = owner.put(big, policy);
      System.out.printf("put %d MiB with cachet put in %.1f s%n", mib, (System.nanoTime() - t0) / 1e9);
      Files.delete(big);
      Path small = root.resolve("small.bin");
      write(small, 1024);
      String smallBlob = owner.put(small, policy);
      for (int ks = 1; ks <= Devnet.Options.defaults().keyServers(); ks++) {
        devnet.keyServer(ks).awaitLedgerHeight(devnet.ledgerHeight()).toCompletionStage().toCompletableFuture().get();
      }

      throughput(tab, bigBlob, mib, runs, sealPeer);
      firstByte(tab, smallBlob, firsts);
      System.out.printf("load average at the end: %s%n", loadAverage());
    }
  }

  private static void throughput(ViewerTab tab, String blob, int mib, int runs, Path sealPeer) throws Exception {
    long bytes = (long) mib * MIB;
    try (SealPeer seal = SealPeer.start(sealPeer, mib, 2)) {
      System.out.printf("Seal peer ready: %s%n", seal.ready());
      ViewerTab.Drain warm = tab.drain(blob);
      check(warm.bytes(), bytes);
      System.out.printf("warm-up  browser %7.1f MB/s%n", mb(bytes, warm.doneMillis()));
      double[] browser = new double[runs];
      double[] browserBody = new double[runs];
      double[] dem = new double[runs];
      double[] full = new double[runs];
      for (int i = 0; i < runs; i++) {
        ViewerTab.Drain d = tab.drain(blob);
        check(d.bytes(), bytes);
        SealPeer.Run s = seal.run();
        browser[i] = mb(bytes, d.doneMillis());
        browserBody[i] = mb(bytes, d.doneMillis() - d.openedMillis());
        dem[i] = mb(s.bytes(), s.demMillis());
        full[i] = mb(s.bytes(), s.fullMillis());
        System.out.printf(Locale.ROOT, "run %d  browser open %7.1f MB/s (%.0f ms; openBlob answered at %.0f ms,"
                + " first chunk %.0f ms)  |  Seal DEM %7.1f MB/s (%.0f ms), Seal decrypt %7.1f MB/s (%.0f ms)%n",
            i + 1, browser[i], d.doneMillis(), d.openedMillis(), d.firstMillis(), dem[i], s.demMillis(), full[i],
            s.fullMillis());
      }
      System.out.printf(Locale.ROOT, "%n| %d MiB, MB/s = 10^6 B/s | median | min | max |%n|---|---|---|---|%n", mib);
      row("browser open (openBlob to stream end)", browser);
      row("browser body (openBlob answered to stream end)", browserBody);
      row("Seal AesGcm256.decrypt (DEM alone, Node)", dem);
      row("Seal decrypt, keys in hand (parse + IBE + DEM, Node)", full);
      System.out.printf(Locale.ROOT, "ratio browser open / Seal DEM: %.2f; / Seal decrypt: %.2f (medians)%n%n",
          median(browser) / median(dem), median(browser) / median(full));
    }
  }

  private static void firstByte(ViewerTab tab, String blob, int n) throws Exception {
    tab.firstByte(blob); // warm-up: the browser's caches of the page and the SDK, the servers' JIT
    double[] first = new double[n];
    double[] loaded = new double[n];
    double[] script = new double[n];
    double[] sdk = new double[n];
    double[] again = new double[n];
    for (int i = 0; i < n; i++) {
      ViewerTab.FirstByte f = tab.firstByte(blob);
      check(f.bytes(), 1024);
      first[i] = f.firstMillis();
      loaded[i] = f.loadedMillis();
      script[i] = f.scriptMillis();
      sdk[i] = f.firstMillis() - f.scriptMillis();
      again[i] = f.againMillis();
    }
    System.out.printf(Locale.ROOT, "| 1 KiB, first plaintext byte, ms (%d fresh pages) | median | min | max |%n"
        + "|---|---|---|---|%n", n);
    row("navigation start to first plaintext chunk", first);
    row("  of which: navigation start to load event", loaded);
    row("  of which: navigation start to the measuring script's start", script);
    row("  of which: script start to first chunk (import, descriptor, identity, session, open)", sdk);
    row("second open in the same page (session held), call to first chunk", again);
  }

  private static void check(long got, long expected) {
    if (got != expected) {
      throw new IllegalStateException("the page read " + got + " plaintext bytes, not " + expected);
    }
  }

  private static double mb(long bytes, double millis) {
    return bytes / 1e6 / (millis / 1e3);
  }

  private static void row(String what, double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", what, median(values), s[0], s[s.length - 1]);
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  private static void write(Path file, long size) throws Exception {
    Random random = new Random(18);
    byte[] slice = new byte[MIB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += slice.length) {
        random.nextBytes(slice);
        out.write(slice, 0, (int) Math.min(slice.length, size - done));
      }
    }
  }

  private static String loadAverage() {
    try {
      List<String> f = new ArrayList<>(Arrays.asList(Files.readString(Path.of("/proc/loadavg")).trim().split(" ")));
      return String.join(" ", f.subList(0, 3));
    } catch (Exception e) {
      return "unknown";
    }
  }
}
