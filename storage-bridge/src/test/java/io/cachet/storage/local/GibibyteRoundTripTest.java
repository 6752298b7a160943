package io.cachet.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * 1 GiB through the local network and back in a child JVM limited to a 256 MiB heap: the gateway,
 * the seven nodes and the client all stream. About 2.4 GB of shards land under the temporary
 * directory, deleted afterwards.
 * It keeps both cores busy, so it runs with nothing beside it.
 */
@Isolated
class GibibyteRoundTripTest {
  static final long SIZE = 1L << 30;

  @TempDir Path root;

  @Test
  void oneGibibyteRoundTripsUnderA256MibHeap() throws Exception {
    String classPath = System.getProperty("java.class.path");
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp", classPath, GibibyteRoundTrip.class.getName(),
        root.resolve("net").toString(), Long.toString(SIZE));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.add(line);
          System.out.println("[1 GiB child] " + line);
        }
      } catch (java.io.IOException e) {
        // The child is gone; its exit code says how it went.
      }
    });
    pump.start();
    boolean done = child.waitFor(15, TimeUnit.MINUTES);
    if (!done) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    pump.join(10_000);
    assertThat(done).as("the child finished within 15 minutes").isTrue();
    assertThat(child.exitValue()).as("child exit code; output:%n%s", String.join("\n", output)).isZero();
    assertThat(output).anyMatch(l -> l.startsWith("put: " + SIZE + " bytes"))
        .anyMatch(l -> l.startsWith("get: " + SIZE + " bytes")).contains("ROUND TRIP OK");
  }
}
