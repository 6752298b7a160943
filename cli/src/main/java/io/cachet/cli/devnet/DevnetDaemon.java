package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.ServerLimitsGuard;
import io.cachet.common.io.DurableFiles;
import io.cachet.common.process.PartProcess;
import io.cachet.common.process.Termination;
import io.cachet.crypto.Base64Url;
import io.cachet.common.http.ApiErrors;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process {@code cachet devnet up} leaves running: the devnet, its parts inside this JVM or
 * one process each ({@link DevnetParts}), plus a control endpoint on 127.0.0.1 through which
 * {@code status}, {@code stop PART [--kill]} and {@code start PART} reach it.
 * The endpoint takes only requests bearing the token in {@code secrets/control.token} (0600),
 * compared in constant time. SIGTERM (what {@code down} sends) stops everything cleanly.
 *
 * <p>{@code daemon.json} (pid, control port) exists exactly while the daemon serves or stops:
 * written once every part is up, removed once every part has stopped.
 */
public final class DevnetDaemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DevnetDaemon.class);
  static final String STATE = "daemon.json";
  /** The daemon's last argument when its parts are processes. */
  static final String PROCESSES_ARG = DevnetMode.PROCESSES.word();

  /**
   * Longest the control endpoint's close is awaited: short, since it counts against Termination's
   * bound together with the parts' stop (ProcessDevnet.CLOSE_BOUND).
   */
  private static final long CONTROL_CLOSE_SECONDS = 3;

  private final DevnetParts devnet;
  private final Vertx vertx = Vertx.vertx();
  /** Starting and stopping parts blocks, which no Vert.x thread may do; one at a time. */
  private final ExecutorService control = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "devnet-control");
    t.setDaemon(true);
    return t;
  });
  private final HttpServer server;
  private final byte[] token;
  private final Path stateFile;

  private DevnetDaemon(DevnetParts devnet, byte[] token) throws Exception {
    this.devnet = devnet;
    this.token = token;
    this.stateFile = devnet.dir().resolve(STATE);
    ServerLimitsGuard guard = new ServerLimitsGuard(vertx, ServerLimits.defaults(), "devnet control");
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    guard.install(router);
    router.route().handler(this::authenticate);
    router.get("/status").handler(ctx -> blocking(ctx, devnet::status));
    router.post("/parts/:part/:action").handler(ctx -> blocking(ctx, () -> act(ctx.pathParam("part"),
        ctx.pathParam("action"))));
    server = guard.createServer(new HttpServerOptions()).requestHandler(router).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
  }

  /** One action on one part; the answer is the status after it, with the part's exit code for a stop or kill. */
  private JsonObject act(String part, String action) throws Exception {
    Integer exit = switch (action) {
      case "stop" -> devnet.stop(part);
      case "kill" -> devnet.kill(part);
      case "start" -> {
        devnet.start(part);
        yield null;
      }
      default -> throw new DevnetException("the actions are stop, kill and start");
    };
    JsonObject status = devnet.status().put("part", part).put("action", action);
    return exit == null ? status : status.put("exitCode", exit);
  }

  /** Starts the devnet in {@code dir}, its parts inside this JVM, and its control endpoint; writes daemon.json last. */
  public static DevnetDaemon start(Path dir, Devnet.Options options) throws Exception {
    return serve(new InJvmParts(Devnet.start(dir, options)));
  }

  /** As {@link #start}, every part its own OS process ({@link ProcessDevnet}). */
  public static DevnetDaemon startProcesses(Path dir) throws Exception {
    return serve(ProcessDevnet.start(dir));
  }

  private static DevnetDaemon serve(DevnetParts devnet) throws Exception {
    try {
      DevnetDaemon d = new DevnetDaemon(devnet, controlToken(devnet.dir()));
      ObjectNode state = new ObjectMapper().createObjectNode();
      state.put("pid", ProcessHandle.current().pid());
      state.put("controlPort", d.server.actualPort());
      DurableFiles.write(d.stateFile, new ObjectMapper().writeValueAsBytes(state), false);
      LOG.info("event=devnet_up dir={} control_port={}", devnet.dir(), d.server.actualPort());
      return d;
    } catch (Exception e) {
      devnet.close();
      throw e;
    }
  }

  /** {@code DIR [embedded|evm] [processes]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: DevnetDaemon DIR [embedded|evm] [" + PROCESSES_ARG + "]");
      System.exit(2);
    }
    boolean processes = args.length == 3 && args[2].equals(PROCESSES_ARG);
    DevnetDaemon d;
    try {
      boolean evm = args.length >= 2 && args[1].equals(Devnet.CHAIN_EVM);
      d = processes ? startProcesses(Path.of(args[0]))
          : start(Path.of(args[0]), Devnet.Options.defaults().withEvm(evm));
    } catch (Exception e) {
      LOG.error("event=devnet_failed_to_start reason={}", e.toString());
      System.exit(1);
      return;
    }
    if (processes) {
      d.stopOnSignal();
      new CountDownLatch(1).await();
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      d.close();
      stopped.countDown();
    }, "devnet-shutdown"));
    stopped.await();
  }

  /**
   * For a devnet of processes: SIGTERM (or Ctrl-C) stops the parts in order before the JVM's hooks
   * run, since a hook of its own would race the launcher's, which kills every part process at exit.
   * A forced exit (a second signal, or a stop past Termination's bound) kills every part first:
   * a halt runs no hook, and no part may outlive the daemon.
   */
  void stopOnSignal() {
    Termination.beforeHalt(PartProcess::killAll);
    Termination.onSignal("devnet", this::close);
  }

  /** The devnet's status, as {@code GET /status} answers it. */
  JsonObject status() {
    return devnet.status();
  }

  private interface Work {
    JsonObject run() throws Exception;
  }

  private void blocking(RoutingContext ctx, Work work) {
    io.vertx.core.Context context = vertx.getOrCreateContext();
    control.execute(() -> {
      JsonObject result;
      try {
        result = work.run();
      } catch (Exception e) {
        context.runOnContext(v -> {
          if (e instanceof DevnetException de) {
            ApiErrors.send(ctx, 400, de.reason() != null ? de.reason() : DevnetException.BAD_PART, e.getMessage());
          } else if (e instanceof PartDidNotStartException) {
            ApiErrors.send(ctx, 503, PartDidNotStartException.REASON, e.getMessage());
          } else {
            ApiErrors.send(ctx, 500, "INTERNAL", String.valueOf(e.getMessage()));
          }
        });
        return;
      }
      context.runOnContext(v -> ctx.response().putHeader("content-type", "application/json").end(result.encode()));
    });
  }

  private void authenticate(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).getBytes(StandardCharsets.US_ASCII) : new byte[0];
    if (!MessageDigest.isEqual(given, token)) {
      ApiErrors.send(ctx, 401, "UNAUTHENTICATED", "the devnet's control endpoint needs the token in secrets/control.token");
      return;
    }
    ctx.next();
  }

  /** The control token, made on first use. */
  static byte[] controlToken(Path dir) throws IOException {
    Path f = dir.resolve("secrets").resolve("control.token");
    if (!Files.exists(f)) {
      byte[] raw = new byte[32];
      new SecureRandom().nextBytes(raw);
      DurableFiles.write(f, Base64Url.encode(raw).getBytes(StandardCharsets.US_ASCII), true);
    }
    return Files.readString(f, StandardCharsets.US_ASCII).trim().getBytes(StandardCharsets.US_ASCII);
  }

  public int controlPort() {
    return server.actualPort();
  }

  /**
   * Stops the control endpoint, then every part, and only then removes daemon.json: while parts
   * still run, {@code status} must say the daemon runs, and a concurrent {@code down} must signal
   * the daemon rather than end its live parts as orphans.
   */
  @Override
  public void close() {
    try {
      server.close().await(CONTROL_CLOSE_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing anyway
    }
    control.shutdownNow();
    devnet.close();
    try {
      Files.deleteIfExists(stateFile);
    } catch (IOException e) {
      // a stale daemon.json is recognised by its dead pid
    }
    vertx.close();
    LOG.info("event=devnet_down dir={}", devnet.dir());
  }

}
