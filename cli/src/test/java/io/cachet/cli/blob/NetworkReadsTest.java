package io.cachet.cli.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NetworkReads}' GET keeps its overall limit against a real server that trickles: the
 * socket's read timeout alone restarts at every byte.
 */
class NetworkReadsTest {
  /** The limit the reads are given here: short, so a trickle long outlasts it. */
  private static final Duration LIMIT = Duration.ofSeconds(1);
  /** How long the test waits for a read to end: far past the limit, far short of the trickle. */
  private static final long WAIT_SECONDS = 60;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A raw TCP server that answers every connection with {@code head}, then one byte of {@code drip} every 100 ms. */
  private URI trickling(String head, char drip) throws Exception {
    Consumer<NetSocket> serve = socket -> {
      socket.write(head);
      long timer = vertx.setPeriodic(100, t -> socket.write(Buffer.buffer(String.valueOf(drip))));
      socket.closeHandler(v -> vertx.cancelTimer(timer));
      socket.exceptionHandler(e -> vertx.cancelTimer(timer));
    };
    NetServer server = vertx.createNetServer().connectHandler(serve::accept);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  /**
   * The read runs on a thread of its own: on the common pool (parallelism 1 on two cores) it
   * could wait behind another class's task for longer than the test waits for it.
   */
  private static Throwable failureOf(URI base) throws Exception {
    ExecutorService own = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<NetworkReads.Answer> read = CompletableFuture.supplyAsync(() -> {
        try {
          return NetworkReads.get(base, "/v1/network", "network description", LIMIT);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, own);
      try {
        read.get(WAIT_SECONDS, TimeUnit.SECONDS);
        throw new AssertionError("a trickled answer was read whole");
      } catch (ExecutionException e) {
        return e.getCause().getCause();
      }
    } finally {
      own.shutdownNow();
    }
  }

  @Test
  void get_aBodyTrickledByteByByte_failsAtTheOverallLimit() throws Exception {
    URI base = trickling("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n", ' ');
    assertThat(failureOf(base)).isInstanceOf(IOException.class)
        .hasMessage("the network description was not read within 1 s");
  }

  @Test
  void get_headersTrickledByteByByte_failAtTheOverallLimit() throws Exception {
    URI base = trickling("HTTP/1.1 200 OK\r\nX-Slow: ", 'a');
    assertThat(failureOf(base)).isInstanceOf(IOException.class)
        .hasMessage("the network description was not read within 1 s");
  }

  @Test
  void get_aPromptAnswer_isRead() throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(s -> s.end(Buffer.buffer(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")));
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    NetworkReads.Answer a = NetworkReads.get(URI.create("http://127.0.0.1:" + server.actualPort()), "/v1/network",
        "network description", Duration.ofSeconds(30));
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(new String(a.body(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("{}");
  }
}
