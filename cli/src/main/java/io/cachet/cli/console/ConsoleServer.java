package io.cachet.cli.console;

import io.cachet.cli.agent.HeldIdentities;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The console's web server: Vert.x Web on 127.0.0.1 (never another interface), the gate first
 * ({@link ConsoleGate}), then the API under {@code /api/} and the page (plain HTML, CSS and ES
 * modules from the jar's {@code console/}). It seals and opens files through the client SDK in
 * this process ({@link ConsoleRuns}), so plaintext goes only between this process and the browser
 * on the same machine.
 */
public final class ConsoleServer implements AutoCloseable {
  /** The loopback address the console listens on, and nothing else. */
  public static final String HOST = "127.0.0.1";
  /** How long an identity unlocked in the console stays unlocked. */
  public static final Duration UNLOCK_TTL = Duration.ofHours(8);
  private static final long START_TIMEOUT_SECONDS = 30;

  /**
   * @param home the state directory (identities, contacts, the local index, the devnet)
   * @param network the network descriptor, or null for the commands' default (HOME/network.json, else the devnet's)
   * @param port the port, 0 for a free one
   * @param env the environment the console's commands see
   * @param commandThreads how many commands and transfers may run at once; more are answered {@code 503 BUSY}
   */
  public record Options(Path home, Path network, int port, Map<String, String> env, int commandThreads) {
    /** Options with {@link CommandPool#DEFAULT_THREADS} command threads. */
    public Options(Path home, Path network, int port, Map<String, String> env) {
      this(home, network, port, env, CommandPool.DEFAULT_THREADS);
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final ConsoleGate gate;
  private final HeldIdentities held;
  private final ExecutorService commands;
  private final ConsoleContext context;

  private ConsoleServer(Vertx vertx, HttpServer server, ConsoleGate gate, HeldIdentities held,
      ExecutorService commands, ConsoleContext context) {
    this.vertx = vertx;
    this.server = server;
    this.gate = gate;
    this.held = held;
    this.commands = commands;
    this.context = context;
  }

  public static ConsoleServer start(Options o) throws Exception {
    Vertx vertx = Vertx.vertx();
    ExecutorService commands = CommandPool.create(o.commandThreads());
    try {
      HeldIdentities held = new HeldIdentities(Clock.systemUTC(), UNLOCK_TTL);
      ConsoleRuns runs = new ConsoleRuns(o.home(), o.network(), o.env(), held);
      Router router = Router.router(vertx);
      GateRef gateRef = new GateRef();
      router.route().handler(ctx -> {
        ConsoleGate g = gateRef.gate;
        if (g == null) {
          ctx.response().setStatusCode(503).end();
        } else {
          g.handle(ctx);
        }
      });
      HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(HOST).setPort(o.port()))
          .requestHandler(req -> {
            ConsoleGate g = gateRef.gate;
            if (g == null || !g.refusedBeforeRouting(req)) {
              router.handle(req);
            }
          });
      server.listen().await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      ConsoleGate gate = new ConsoleGate(server.actualPort());
      gateRef.gate = gate;
      ConsoleContext c = new ConsoleContext(vertx, runs, held, gate, commands);
      router.get("/api/session").handler(ctx -> ConsoleAnswers.json(ctx, session(runs, o)));
      IdentitiesRoutes.mount(router, c);
      FilesRoutes.mount(router, c);
      PoliciesRoutes.mount(router, c);
      NetworkRoutes.mount(router, c);
      router.route("/api/*").handler(ctx -> ConsoleAnswers.error(ctx, 404, "NO_SUCH_ROUTE",
          "the console has no " + ctx.request().method() + " " + ctx.request().path()));
      router.route("/*").handler(StaticHandler.create("console").setCachingEnabled(false)
          .setIndexPage("index.html").setDefaultContentEncoding("UTF-8").setDirectoryListing(false));
      return new ConsoleServer(vertx, server, gate, held, commands, c);
    } catch (Exception e) {
      commands.shutdownNow();
      vertx.close();
      throw e;
    }
  }

  /**
   * What the page shows of where the console points. Not the CSRF token: the page has it from the
   * link's redirect, and an answer here needs it already.
   */
  private static JsonObject session(ConsoleRuns runs, Options o) {
    return new JsonObject()
        .put("home", runs.home().toString())
        .put("network", o.network() == null ? null : o.network().toAbsolutePath().toString())
        .put("devnet", NetworkRoutes.devnetDir(runs) != null);
  }

  /** The gate, set once the port is known; the router is built before the server listens. */
  private static final class GateRef {
    volatile ConsoleGate gate;
  }

  /** The link to open: carries the one-time token. */
  public URI link() {
    return URI.create(gate.link());
  }

  public int port() {
    return server.actualPort();
  }

  public String origin() {
    return gate.origin();
  }

  /** The identities this console holds unlocked: tests unlock through it where no route is theirs to use. */
  HeldIdentities held() {
    return held;
  }

  @Override
  public void close() {
    held.lock();
    context.close();
    commands.shutdownNow();
    try {
      vertx.close().await(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway: the process is ending or the test is done
    }
  }
}
