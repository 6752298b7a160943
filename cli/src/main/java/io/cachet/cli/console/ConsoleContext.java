package io.cachet.cli.console;

import io.cachet.cli.agent.HeldIdentities;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * What every group of the console's routes works with: the Vert.x instance, the command runner,
 * the identities the console holds unlocked, and the gate (for the CSRF check of downloads).
 */
public final class ConsoleContext {
  /** Largest JSON body a change may send; uploads stream and are not held to it. */
  public static final int MAX_JSON_BODY_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final ConsoleRuns runs;
  private final HeldIdentities held;
  private final ConsoleGate gate;
  private final ExecutorService commands;
  private final List<Runnable> closers = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param commands the threads commands and transfers block on: the console's own, not Vert.x's
   *     worker pool, so a long transfer never holds a thread the other answers need, and a
   *     command's own Vert.x instance is never made on a Vert.x thread
   */
  ConsoleContext(Vertx vertx, ConsoleRuns runs, HeldIdentities held, ConsoleGate gate, ExecutorService commands) {
    this.vertx = vertx;
    this.runs = runs;
    this.held = held;
    this.gate = gate;
    this.commands = commands;
  }

  /** Registers what a route group must stop when the console closes (its timers, its threads). */
  public void onClose(Runnable closer) {
    closers.add(closer);
  }

  /** Runs what the route groups registered, each once, whatever the others throw. */
  void close() {
    for (Runnable r : closers) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // the console is closing: one group failing to stop must not keep the others running
      }
    }
    closers.clear();
  }

  /**
   * Runs {@code work} on one of the console's command threads; its outcome comes back on this
   * request's context. When every thread is busy the work does not run and the future fails at once
   * with {@link CommandPool.Full}, which {@link ConsoleAnswers#failed} answers {@code 503 BUSY}.
   */
  public <T> Future<T> offLoop(Callable<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> done = Promise.promise();
    try {
      commands.execute(() -> {
        try {
          T value = work.call();
          context.runOnContext(v -> done.complete(value));
        } catch (Throwable t) {
          context.runOnContext(v -> done.fail(t));
        }
      });
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new CommandPool.Full());
    }
    return done.future();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ConsoleRuns runs() {
    return runs;
  }

  public HeldIdentities held() {
    return held;
  }

  ConsoleGate gate() {
    return gate;
  }

  /** The handler that reads a JSON change's body (at most {@link #MAX_JSON_BODY_BYTES}) before the route. */
  public BodyHandler jsonBody() {
    return BodyHandler.create(false).setBodyLimit(MAX_JSON_BODY_BYTES);
  }

  /** The request's JSON body as an object; an empty object when there is none. */
  public static JsonObject body(RoutingContext ctx) {
    JsonObject o = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    return o == null ? new JsonObject() : o;
  }

  /**
   * The identity a request acts as ({@code as}, from the query or the JSON body), if the console
   * holds it unlocked; otherwise answers {@code 409 LOCKED_IDENTITY} (or {@code 400 NO_IDENTITY})
   * saying what to do, and returns null.
   */
  public String acting(RoutingContext ctx, String as) {
    if (as == null || as.isBlank()) {
      ConsoleAnswers.error(ctx, 400, "NO_IDENTITY", "no identity to act as: unlock one on the Identities page and"
          + " choose it under 'Acting as'");
      return null;
    }
    boolean unlocked = held.list().stream().anyMatch(h -> h.name().equals(as));
    if (!unlocked) {
      ConsoleAnswers.error(ctx, 409, "LOCKED_IDENTITY", "identity '" + as + "' is not unlocked in this console:"
          + " unlock it on the Identities page");
      return null;
    }
    return as;
  }

  /** Runs {@code cachet ARGS --json} off the event loop and answers with its document or its error. */
  public void answer(RoutingContext ctx, List<String> args) {
    answer(ctx, args, Map.of());
  }

  /** As {@link #answer(RoutingContext, List)}, with variables added to the run's environment. */
  public void answer(RoutingContext ctx, List<String> args, Map<String, String> extraEnv) {
    offLoop(() -> runs.json(args, extraEnv)).onComplete(r -> {
      if (r.succeeded()) {
        ConsoleAnswers.send(ctx, r.result());
      } else {
        ConsoleAnswers.failed(ctx, r.cause());
      }
    });
  }
}
