package io.cachet.bench;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Requester;
import io.cachet.storage.BlobId;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The warm SDK's read rate, the reference {@code bench/cli-timing.sh} sets a fresh {@code cachet
 * get} against: one JVM opens the same blob {@code ROUNDS} times, each round a new client (a new
 * session and key fetch, as a get does), reading the plaintext to nowhere. The first half of the
 * rounds warm the JIT; the median rate of the second half is printed as {@code warm-rate-MBps N}.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.cachet.bench.WarmGetRate NETWORK.json KEYSTORE PASSFILE BLOB ROUNDS}
 */
public final class WarmGetRate {
  private WarmGetRate() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: WarmGetRate NETWORK.json KEYSTORE PASSFILE BLOB ROUNDS");
      System.exit(2);
    }
    ClientConfig config = ClientConfig.load(Path.of(args[0]));
    byte[] keystore = Files.readAllBytes(Path.of(args[1]));
    char[] pass = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).lines().findFirst().orElse("")
        .toCharArray();
    BlobId blob = BlobId.parse(args[3]);
    int rounds = Integer.parseInt(args[4]);
    Path cache = Files.createTempDirectory("warm-get-");
    byte[] buf = new byte[1 << 20];
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      Requester who = Keystore.open(keystore, pass);
      if (who instanceof EvmIdentity e && config.chain().isEvm()) {
        who = e.onChain(config.chain().chainId());
      }
      long start = System.nanoTime();
      long bytes = 0;
      try (CachetClient client = CachetClient.openAs(config, who, Clock.systemUTC(), cache);
          InputStream in = client.open(blob)) {
        for (int n; (n = in.read(buf)) > 0; ) {
          bytes += n;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double rate = bytes / 1e6 / seconds;
      System.err.printf("round %d: %d bytes in %.2f s, %.1f MB/s%n", i + 1, bytes, seconds, rate);
      if (i >= rounds / 2) {
        rates.add(rate);
      }
    }
    Arrays.fill(pass, '\0');
    Collections.sort(rates);
    System.out.printf("warm-rate-MBps %.1f%n", rates.get(rates.size() / 2));
  }
}
