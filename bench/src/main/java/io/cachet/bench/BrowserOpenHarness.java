package io.cachet.bench;

import io.cachet.bench.browser.BenchChromium;
import io.cachet.bench.browser.CliOwner;
import io.cachet.bench.browser.NodeCachet;
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
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The browser SDK's figures (issue 18), with the Seal TypeScript SDK's decrypt measured in the same
 * run as the peer: a devnet in this JVM (3 key servers, any 2; 7 storage nodes; the viewer page),
 * files put with {@code cachet put}, granted to the identity of a headless Chromium, opened there by
 * the SDK the devnet serves ({@code /cachet.js}).
 *
 * <ol>
 *   <li>Throughput, for each size in {@code MiBs} (comma-separated): a file put, then opened in
 *       Chromium with {@code openBlob} and its stream drained (counted, not kept), timed in the page
 *       from the openBlob call to the stream's end, a freshly loaded page each run; one warm-up, then
 *       {@code RUNS} runs, each followed by one run of the Seal peer (Node, same plaintext size: its
 *       AES-256-GCM DEM alone, and its decrypt with the keys in hand) and one of the same SDK in Node
 *       (the body's decrypt over the envelope in memory, and openBlob over loopback). Then, {@code RUNS}
 *       times in a fresh page, the pieces of an open alone: the blob read by ranged GETs of a few
 *       shapes, and WebCrypto's AES-GCM over as many 1 MiB segments ({@link ViewerTab#split}).</li>
 *   <li>Time to first plaintext byte of a 1 KiB file: {@code FIRST} fresh navigations to the viewer
 *       page, each timed from navigation start to the first chunk of the stream.</li>
 * </ol>
 *
 * <p>Run from the repository root (the Seal peer is {@code bench/seal-peer}, installed by
 * {@code npm ci --ignore-scripts} if its node_modules is missing; the Node runs of our SDK import
 * {@code browser/src} with the browser module's node_modules, which its build installs):
 * {@code mvn -B -q -DskipTests -pl bench -am package && java -Xmx512m -cp bench/target/benchmarks.jar
 * io.cachet.bench.BrowserOpenHarness [MiBs [RUNS [FIRST]]]} (defaults 64,256 5 10).
 */
public final class BrowserOpenHarness {
  private static final int MIB = 1 << 20;

  private BrowserOpenHarness() {}

  public static void main(String[] args) throws Exception {
    int[] sizes = Arrays.stream((args.length > 0 ? args[0] : "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int firsts = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Path sealPeer = Path.of(System.getProperty("cachet.bench.sealPeer", "bench/seal-peer"));
    Path nodeSdk = Path.of(System.getProperty("cachet.bench.browserNode", "bench/browser-node"));
    Path root = Files.createTempDirectory("cachet-browser-bench");
    System.out.printf("machine: %d cores, load average %s; JVM heap max %d MiB%n",
        Runtime.getRuntime().availableProcessors(), loadAverage(), Runtime.getRuntime().maxMemory() / MIB);

    try (Devnet devnet = Devnet.start(root.resolve("devnet"), Devnet.Options.defaults());
         BenchChromium chromium = BenchChromium.start(root.resolve("chromium"), Duration.ofMinutes(10))) {
      CliOwner owner = CliOwner.create(root.resolve("home"), devnet.descriptorFile());
      ViewerTab tab = new ViewerTab(chromium, URI.create(devnet.viewerUrl()));
      String reader = tab.address();
      String policy = owner.allowList();
      Consumer<String> grant = member -> {
        owner.grant(policy, member);
        try {
          for (int ks = 1; ks <= Devnet.Options.defaults().keyServers(); ks++) {
            devnet.keyServer(ks).awaitLedgerHeight(devnet.ledgerHeight()).toCompletionStage().toCompletableFuture().get();
          }
        } catch (Exception e) {
          throw new IllegalStateException("the key servers did not reach the grant's height", e);
        }
      };
      grant.accept(reader);
      System.out.printf("devnet: 3 key servers (t=2), 7 storage nodes; Chromium %s, reader %s%n",
          chromium.version(), reader);

      for (int mib : sizes) {
        Path big = root.resolve("big.bin");
        write(big, (long) mib * MIB);
        long t0 = System.nanoTime();
        String blob = owner.put(big, policy);
        System.out.printf("%nput %d MiB with cachet put in %.1f s%n", mib, (System.nanoTime() - t0) / 1e9);
        Files.delete(big);
        try (SealPeer seal = SealPeer.start(sealPeer, mib, 2);
             NodeCachet node = NodeCachet.start(nodeSdk, devnet.descriptorFile(), blob, grant)) {
          System.out.printf("Seal peer ready: %s%nCachet SDK in Node ready: %s%n", seal.ready(), node.ready());
          throughput(tab, blob, mib, runs, seal, node);
        }
      }
      Path small = root.resolve("small.bin");
      write(small, 1024);
      firstByte(tab, owner.put(small, policy), firsts);
      System.out.printf("load average at the end: %s%n", loadAverage());
    } finally {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void throughput(ViewerTab tab, String blob, int mib, int runs, SealPeer seal, NodeCachet node)
      throws Exception {
    long bytes = (long) mib * MIB;
    ViewerTab.Drain warm = tab.drain(blob);
    check(warm.bytes(), bytes);
    NodeCachet.Run nodeWarm = node.run();
    check(nodeWarm.bodyBytes(), bytes);
    check(nodeWarm.openBytes(), bytes);
    System.out.printf(Locale.ROOT, "warm-up  browser %.1f MB/s; Node body %.1f MB/s, Node open %.1f MB/s%n",
        mb(bytes, warm.doneMillis()), mb(bytes, nodeWarm.bodyMillis()), mb(bytes, nodeWarm.openMillis()));
    double[] browser = new double[runs];
    double[] browserBody = new double[runs];
    double[] dem = new double[runs];
    double[] full = new double[runs];
    double[] nodeBody = new double[runs];
    double[] nodeOpen = new double[runs];
    for (int i = 0; i < runs; i++) {
      ViewerTab.Drain d = tab.drain(blob);
      check(d.bytes(), bytes);
      SealPeer.Run s = seal.run();
      NodeCachet.Run n = node.run();
      check(n.bodyBytes(), bytes);
      check(n.openBytes(), bytes);
      browser[i] = mb(bytes, d.doneMillis());
      browserBody[i] = mb(bytes, d.doneMillis() - d.openedMillis());
      dem[i] = mb(s.bytes(), s.demMillis());
      full[i] = mb(s.bytes(), s.fullMillis());
      nodeBody[i] = mb(bytes, n.bodyMillis());
      nodeOpen[i] = mb(bytes, n.openMillis());
      System.out.printf(Locale.ROOT, "run %d  browser open %.1f MB/s (%.0f ms; openBlob answered at %.0f ms,"
              + " first chunk %.0f ms) | Seal DEM %.1f MB/s (%.0f ms), Seal decrypt %.1f MB/s (%.0f ms)"
              + " | Node body %.1f MB/s, Node open %.1f MB/s%n",
          i + 1, browser[i], d.doneMillis(), d.openedMillis(), d.firstMillis(), dem[i], s.demMillis(), full[i],
          s.fullMillis(), nodeBody[i], nodeOpen[i]);
    }
    System.out.printf(Locale.ROOT, "%n| %d MiB, MB/s = 10^6 B/s | median | min | max |%n|---|---|---|---|%n", mib);
    row("Cachet, Chromium: openBlob to stream end", browser);
    row("Cachet, Chromium: openBlob answered to stream end", browserBody);
    row("Cachet, Node: openBlob to stream end (loopback)", nodeOpen);
    row("Cachet, Node: openBody over the envelope in memory", nodeBody);
    row("Seal, Node: AesGcm256.decrypt (DEM alone)", dem);
    row("Seal, Node: decrypt with keys in hand (parse + IBE + DEM)", full);
    System.out.printf(Locale.ROOT, "ratio Cachet in Chromium / Seal DEM: %.2f; / Seal decrypt: %.2f;"
            + " Cachet body in Node / Seal DEM: %.2f (medians)%n",
        median(browser) / median(dem), median(browser) / median(full), median(nodeBody) / median(dem));
    split(tab, blob, mib, runs);
  }

  /** Where Chromium's time goes: the pieces of an open, each alone in a fresh page (ViewerTab.SPLIT). */
  private static void split(ViewerTab tab, String blob, int mib, int runs) throws Exception {
    double[][] rates = new double[6][runs];
    for (int i = 0; i < runs; i++) {
      ViewerTab.Split s = tab.split(blob);
      double[] millis = {s.joined4Millis(), s.buffer4Millis(), s.ahead4Millis(), s.buffer16Millis(),
          s.decrypt1Millis(), s.decrypt4Millis()};
      for (int k = 0; k < millis.length; k++) rates[k][i] = mb(s.bytes(), millis[k]);
    }
    System.out.printf(Locale.ROOT, "%n| %d MiB in Chromium, each piece alone, MB/s | median | min | max |%n"
        + "|---|---|---|---|%n", mib);
    row("aggregator, 4 MiB ranges one at a time, body read chunk by chunk and joined", rates[0]);
    row("aggregator, 4 MiB ranges one at a time, arrayBuffer()", rates[1]);
    row("aggregator, 4 MiB ranges two at a time, arrayBuffer()", rates[2]);
    row("aggregator, 16 MiB ranges one at a time, arrayBuffer()", rates[3]);
    row("WebCrypto AES-256-GCM decrypt, 1 MiB segments, one call at a time", rates[4]);
    row("WebCrypto AES-256-GCM decrypt, 1 MiB segments, four calls at a time", rates[5]);
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
    System.out.printf(Locale.ROOT, "%n| 1 KiB, first plaintext byte, ms (%d fresh pages) | median | min | max |%n"
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
