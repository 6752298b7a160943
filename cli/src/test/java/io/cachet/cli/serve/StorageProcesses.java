package io.cachet.cli.serve;

import io.cachet.cli.Cachet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code cachet} as OS processes for the storage parts' tests: one JVM per part, as deployed. */
final class StorageProcesses {
  /** Long enough for a JVM to start and a node to open its store on a loaded 2-core machine. */
  static final Duration START_BOUND = Duration.ofMinutes(2);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private StorageProcesses() {}

  /** A running (or finished) {@code cachet} process and the files its output goes to. */
  record Part(Process process, Path stdout, Path stderr) {
    String err() throws IOException {
      return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    String out() throws IOException {
      return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** Waits until stderr holds {@code event}; fails with the output if the process ends first. */
    Part awaitLog(String event) throws Exception {
      long deadline = System.nanoTime() + START_BOUND.toNanos();
      while (System.nanoTime() < deadline) {
        if (err().contains(event)) {
          return this;
        }
        if (!process.isAlive()) {
          throw new AssertionError("the process ended (exit " + process.exitValue() + ") before " + event + ":\n"
              + err() + out());
        }
        Thread.sleep(100);
      }
      throw new AssertionError("no " + event + " within " + START_BOUND + ":\n" + err());
    }

    /** Waits for the exit code. */
    int awaitExit() throws Exception {
      if (!process.waitFor(START_BOUND.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("did not exit within " + START_BOUND + ":\n" + err());
      }
      return process.exitValue();
    }

    /** SIGTERM (what {@link Process#destroy} sends on POSIX). */
    void terminate() {
      process.destroy();
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code cachet args} in {@code dir} with {@code env} added; returns at once. */
  static Part start(Path dir, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx192m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dlogback.configurationFile=logback.xml",
        "-cp", System.getProperty("java.class.path"), Cachet.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CACHET_"));
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new Part(p, out, err);
  }

  /** Runs {@code cachet args} to its end. */
  static Part run(Path dir, Map<String, String> env, String... args) throws Exception {
    Part p = start(dir, env, args);
    p.awaitExit();
    return p;
  }

  /** {@code count} distinct ports free now (held together while chosen, so none is handed out twice). */
  static int[] freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  /** {@code cachet network init} for {@code n} nodes on these loopback ports, the gateway on {@code gatewayPort}. */
  static Path initKit(Path parent, int[] nodePorts, int gatewayPort) throws Exception {
    Path kit = parent.resolve("kit");
    List<String> args = new ArrayList<>(List.of("network", "init", kit.toString(), "--nodes",
        Integer.toString(nodePorts.length), "--shard-size", "64KiB", "--gateway-port", Integer.toString(gatewayPort),
        "--node-url"));
    for (int port : nodePorts) {
      args.add("http://127.0.0.1:" + port);
    }
    Part init = run(parent, Map.of(), args.toArray(String[]::new));
    if (init.process().exitValue() != 0) {
      throw new AssertionError("network init failed:\n" + init.err() + init.out());
    }
    return kit;
  }

  static HttpResponse<byte[]> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(1)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<String> put(String url, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
