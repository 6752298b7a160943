package io.cachet.cli.serve;

import io.cachet.cli.CommandRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the storage parts' process tests share: free ports, a network kit, and HTTP to the parts. */
final class StorageProcesses {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private StorageProcesses() {}

  /** {@code cachet network init} for {@code n} nodes on these loopback ports, the gateway on {@code gatewayPort}. */
  static Path initKit(Path parent, int[] nodePorts, int gatewayPort) throws Exception {
    Path kit = parent.resolve("kit");
    List<String> args = new ArrayList<>(List.of("network", "init", kit.toString(), "--nodes",
        Integer.toString(nodePorts.length), "--shard-size", "64KiB", "--gateway-port", Integer.toString(gatewayPort),
        "--node-url"));
    for (int port : nodePorts) {
      args.add("http://127.0.0.1:" + port);
    }
    CommandRun init = CommandRun.in(parent, Map.of(), args.toArray(String[]::new));
    if (init.exit() != 0) {
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
