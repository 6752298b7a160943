package io.cachet.cli.console;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;

/**
 * The console's network routes (see docs/CONSOLE.md):
 * <pre>
 * GET  /api/network                         one snapshot ({@link NetworkPicture} has its shape)
 * GET  /api/network/events                  server-sent events: "snapshot", about once a second
 * POST /api/devnet/parts/{part}/stop|start  'cachet devnet stop|start PART --json', on a devnet only
 * </pre>
 * Snapshots come from {@link NetworkSnapshots}: one probe round at a time however many pages
 * listen, none while nobody does.
 */
final class NetworkRoutes {
  /**
   * Event streams open at once. A page holds one; a browser opens at most six connections to one
   * host, so a few forgotten tabs holding streams would leave none for the console's own requests:
   * past this the newest page is told to close some instead.
   */
  static final int MAX_STREAMS = 4;
  /** What a devnet directory holds from its first start on (in either mode). */
  private static final String DEVNET_STATE = "devnet.json";

  private NetworkRoutes() {}

  static void mount(Router router, ConsoleContext c) {
    NetworkSnapshots snapshots = new NetworkSnapshots(c.vertx(), c.runs(), devnetDir(c.runs()), Clock.systemUTC());
    c.onClose(snapshots::close);
    mount(router, c, snapshots);
  }

  static void mount(Router router, ConsoleContext c, NetworkSnapshots snapshots) {
    router.get("/api/network").handler(ctx -> snapshots.snapshot().onComplete(r -> {
      if (r.succeeded()) {
        ConsoleAnswers.json(ctx, r.result());
      } else {
        ConsoleAnswers.error(ctx, 500, "INTERNAL", "the network could not be probed");
      }
    }));
    router.get("/api/network/events").handler(ctx -> events(ctx, snapshots));
    router.post("/api/devnet/parts/:part/:action").handler(c.jsonBody())
        .handler(ctx -> part(ctx, c, snapshots));
  }

  /**
   * The devnet's directory when the console's network is one: with no {@code --network}, HOME/devnet
   * if it exists; else the descriptor's own directory if a devnet lives there.
   */
  static Path devnetDir(ConsoleRuns runs) {
    List<String> network = runs.networkArgs();
    if (network.isEmpty()) {
      Path d = runs.home().resolve("devnet");
      return Files.isDirectory(d) ? d : null;
    }
    Path parent = Path.of(network.get(1)).toAbsolutePath().getParent();
    return parent != null && Files.exists(parent.resolve(DEVNET_STATE)) ? parent : null;
  }

  private static void events(RoutingContext ctx, NetworkSnapshots snapshots) {
    if (snapshots.listening() >= MAX_STREAMS) {
      ConsoleAnswers.error(ctx, 503, "TOO_MANY_STREAMS", "the console already streams the network to "
          + MAX_STREAMS + " pages; close some of them");
      return;
    }
    HttpServerResponse res = ctx.response();
    res.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8");
    res.write(": the network, about once a second\n\n");
    Consumer<JsonObject> listener = snapshot -> {
      // a page that does not read misses snapshots rather than growing this process's memory
      if (!res.ended() && !res.closed() && !res.writeQueueFull()) {
        res.write("event: snapshot\ndata: " + snapshot.encode() + "\n\n");
      }
    };
    res.closeHandler(v -> snapshots.unlisten(listener));
    res.endHandler(v -> snapshots.unlisten(listener));
    snapshots.listen(listener);
  }

  private static void part(RoutingContext ctx, ConsoleContext c, NetworkSnapshots snapshots) {
    String part = ctx.pathParam("part");
    String action = ctx.pathParam("action");
    if (!"stop".equals(action) && !"start".equals(action)) {
      ConsoleAnswers.error(ctx, 404, "NO_SUCH_ROUTE", "a part can be stopped or started, nothing else");
      return;
    }
    Path dir = snapshots.devnetDir();
    if (dir == null) {
      ConsoleAnswers.error(ctx, 409, "NOT_A_DEVNET", "this console's network is not a local devnet, so its parts"
          + " are not this machine's to stop or start; ask the network's operator");
      return;
    }
    if (RouteInputs.part(ctx, part) == null) {
      return;
    }
    List<String> args = List.of("devnet", action, part, "--dir", dir.toString());
    c.offLoop(() -> c.runs().json(args)).onComplete(r -> {
      snapshots.soon();
      if (r.succeeded()) {
        ConsoleAnswers.send(ctx, r.result());
      } else {
        ConsoleAnswers.failed(ctx, r.cause());
      }
    });
  }
}
