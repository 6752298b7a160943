package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's command pool: bounded, and a request that finds every thread busy is answered
 * {@code 503 BUSY} with {@code Retry-After} through {@link ConsoleContext#offLoop} and
 * {@link ConsoleAnswers#failed}, on a real Vert.x server on loopback.
 */
class CommandPoolTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private Vertx vertx;
  private ThreadPoolExecutor pool;
  private HttpServer server;
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private ConsoleHttp http;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    pool = CommandPool.create(1);
    ConsoleContext c = new ConsoleContext(vertx, null, null, null, pool);
    Router router = Router.router(vertx);
    router.get("/block").handler(ctx -> answer(ctx, c, () -> {
      entered.countDown();
      release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return "blocked";
    }));
    router.get("/quick").handler(ctx -> answer(ctx, c, () -> "quick"));
    server = vertx.createHttpServer().requestHandler(router).listen(0, ConsoleServer.HOST)
        .toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    http = ConsoleHttp.at(URI.create("http://" + ConsoleServer.HOST + ":" + server.actualPort()));
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    pool.shutdownNow();
    vertx.close().toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private static void answer(RoutingContext ctx, ConsoleContext c, java.util.concurrent.Callable<String> work) {
    c.offLoop(work).onComplete(r -> {
      if (r.succeeded()) {
        ConsoleAnswers.json(ctx, new JsonObject().put("ran", r.result()));
      } else {
        ConsoleAnswers.failed(ctx, r.cause());
      }
    });
  }

  @Test
  void request_whenEveryCommandThreadIsBusy_isAnswered503BusyWithRetryAfter() throws Exception {
    CompletableFuture<ConsoleHttp.Answer> blocked = CompletableFuture.supplyAsync(() -> {
      try {
        return http.get("/block");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    ConsoleHttp.Answer busy = http.get("/quick");
    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.firstValue("Retry-After")).contains("1");
    assertThat(busy.reason()).isEqualTo("BUSY");
    assertThat(busy.text()).doesNotContain("Exception").doesNotContain("cachet-console-command");

    release.countDown();
    assertThat(blocked.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
    // the freed thread takes new work once it is back waiting for some: the page retries, as Retry-After asks
    int status = 0;
    for (int attempt = 0; attempt < 600 && status != 200; attempt++) {
      status = http.get("/quick").status();
      if (status != 200) {
        Thread.sleep(50);
      }
    }
    assertThat(status).isEqualTo(200);
  }

  @Test
  void pool_floodedWithWork_neverRunsMoreThreadsThanItsBound() throws Exception {
    ThreadPoolExecutor four = CommandPool.create(4);
    CountDownLatch hold = new CountDownLatch(1);
    int accepted = 0;
    int refused = 0;
    try {
      for (int i = 0; i < 200; i++) {
        try {
          four.execute(() -> {
            try {
              hold.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
          accepted++;
        } catch (RejectedExecutionException e) {
          refused++;
        }
      }
      assertThat(accepted).isEqualTo(4);
      assertThat(refused).isEqualTo(196);
      assertThat(four.getLargestPoolSize()).isEqualTo(4);
    } finally {
      hold.countDown();
      four.shutdownNow();
    }
  }

  @Test
  void consoleServer_byDefault_boundsItsCommandThreads() {
    assertThat(new ConsoleServer.Options(null, null, 0, java.util.Map.of()).commandThreads())
        .isEqualTo(CommandPool.DEFAULT_THREADS).isEqualTo(32);
  }
}
