package io.cachet.bench;

import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@code Expect: 100-continue} costs a curl upload to the gateway: the same file PUT with curl
 * asking for {@code 100 Continue} first ({@code -H 'Expect: 100-continue'}, what {@code curl -T}
 * sends for a large file) and without ({@code -H 'Expect:'}), in alternating order (with, without,
 * without, with per round, so each goes first equally often), each upload {@code force=true} so it
 * is stored in full. Times are curl's own {@code time_total} (process start-up excluded). Prints
 * each round, the medians and their ratio with/without: near 1 when the gateway answers the
 * expectation at once; a gateway that ignores it costs each "with" upload curl's one-second wait
 * ({@code --expect100-timeout}).
 *
 * <p>The storage network is the devnet's shape (7 nodes, 1 MiB shards, the gateway on loopback),
 * in this process, as {@link CurlRatioHarness}'s serving process starts it.
 *
 * <p>Run: {@code mvn -B -q -o -DskipTests -pl bench -am package && java -Xmx512m -cp
 * bench/target/benchmarks.jar io.cachet.bench.ExpectContinueHarness [MB=2] [rounds=7]}
 */
public final class ExpectContinueHarness {
  private static final int MIB = 1 << 20;

  private ExpectContinueHarness() {}

  public static void main(String[] args) throws Exception {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 2) * 1_000_000L;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    Path root = Files.createTempDirectory("cachet-expect-continue");
    Vertx vertx = Vertx.vertx();
    try {
      LocalNetwork net = LocalNetwork.start(vertx, root.resolve("net"),
              LocalNetwork.Options.defaults().withNodes(7, MIB).withIntervals(0, 0))
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      Path file = root.resolve("blob");
      try (OutputStream out = Files.newOutputStream(file); InputStream in = StorageHarness.generated(size, 11).open()) {
        in.transferTo(out);
      }
      String url = net.gatewayUrl() + "/v1/blobs?epochs=1&force=true";
      System.out.printf(Locale.ROOT, "blob %d bytes, gateway %s, %d cores, %s%n", size, net.gatewayUrl(),
          Runtime.getRuntime().availableProcessors(), CurlRatioHarness.curl("--version").lines().findFirst().orElse("curl"));
      put(file, url, true);
      put(file, url, false);

      List<Double> with = new ArrayList<>();
      List<Double> without = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        double w1 = put(file, url, true);
        double o1 = put(file, url, false);
        double o2 = put(file, url, false);
        double w2 = put(file, url, true);
        with.add((w1 + w2) / 2);
        without.add((o1 + o2) / 2);
        System.out.printf(Locale.ROOT, "round %d: with Expect %.1f ms, without %.1f ms (%.2f)%n", r + 1,
            with.get(r), without.get(r), with.get(r) / without.get(r));
      }
      double w = CurlRatioHarness.median(with);
      double o = CurlRatioHarness.median(without);
      System.out.printf(Locale.ROOT, "medians: with Expect: 100-continue %.1f ms, without %.1f ms; with/without %.2f%n",
          w, o, w / o);
      net.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Milliseconds of one upload, by curl's {@code time_total}; fails unless the answer is 200. */
  private static double put(Path file, String url, boolean expect) throws Exception {
    String out = CurlRatioHarness.curl("-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
        "-H", expect ? "Expect: 100-continue" : "Expect:", "-T", file.toString(), url);
    String[] parts = out.split(" ");
    if (!parts[0].equals("200")) {
      throw new IllegalStateException("the upload was answered " + out);
    }
    return Double.parseDouble(parts[1]) * 1000;
  }
}
