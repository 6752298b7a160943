package io.cachet.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A hostile peer for tests: a real Vert.x server on loopback that answers every request it is
 * told to flood with {@link #FLOOD_BYTES} bytes (a gigabyte), generated chunk by chunk as the
 * socket drains, never held in memory. It counts the bytes it managed to hand to the socket and
 * the connections the reader dropped, so a test can assert that the reader stopped near its cap.
 * Other requests go to a fallback handler (an honest answer, so a client gets far enough to ask).
 */
public final class FloodServer implements AutoCloseable {
  /** What a flood answer is: one gigabyte. */
  public static final long FLOOD_BYTES = 1L << 30;
  /** One write of the flood. */
  private static final int CHUNK = 64 << 10;

  /** How the flood announces itself. */
  public enum Announce {
    /** {@code Content-Length: 1 GiB}, the truth. */
    HONEST_LENGTH,
    /** Chunked transfer: no length at all, so only counting the bytes finds the flood. */
    CHUNKED
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final AtomicLong written = new AtomicLong();
  private final AtomicInteger floods = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();

  private FloodServer(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /**
   * Starts on a free loopback port. Requests for which {@code flood} holds get the gigabyte, as
   * {@code announce} says, starting with {@code prefix} (e.g. the opening of a JSON object); the
   * rest go to {@code fallback}.
   */
  public static FloodServer start(Predicate<HttpServerRequest> flood, Announce announce, String prefix,
      io.vertx.core.Handler<HttpServerRequest> fallback) throws Exception {
    Vertx vertx = Vertx.vertx();
    FloodServer[] self = new FloodServer[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      if (flood.test(req)) {
        self[0].flood(req, announce, prefix);
      } else {
        fallback.handle(req);
      }
    });
    self[0] = new FloodServer(vertx, server);
    server.listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    return self[0];
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Bytes of flood handed to sockets so far. */
  public long written() {
    return written.get();
  }

  /** Flood answers begun. */
  public int floods() {
    return floods.get();
  }

  /** Flood answers whose reader closed the connection before the gigabyte was through. */
  public int dropped() {
    return dropped.get();
  }

  private void flood(HttpServerRequest req, Announce announce, String prefix) {
    floods.incrementAndGet();
    HttpServerResponse resp = req.response();
    resp.putHeader("content-type", "application/json");
    switch (announce) {
      case HONEST_LENGTH -> resp.putHeader("content-length", Long.toString(FLOOD_BYTES));
      case CHUNKED -> resp.setChunked(true);
    }
    Buffer head = Buffer.buffer(prefix);
    Buffer chunk = Buffer.buffer(new byte[CHUNK]);
    for (int i = 0; i < CHUNK; i++) {
      chunk.setByte(i, (byte) 'A');
    }
    long[] left = {FLOOD_BYTES - head.length()};
    boolean[] closed = {false};
    boolean[] ended = {false};
    // No one handler hears of every lost connection: while the request's body is still arriving,
    // Vert.x may tell the request alone (its exception handler), on other paths the response or
    // the connection, and when the peer resets the socket mid-pump only the failed write knows
    // (the close handlers run later, after the pump has moved on). Each counts the drop once.
    io.vertx.core.Handler<Void> onClose = v -> {
      if (!closed[0] && !ended[0]) {
        dropped.incrementAndGet();
      }
      closed[0] = true;
    };
    resp.closeHandler(onClose);
    resp.exceptionHandler(e -> onClose.handle(null));
    req.connection().closeHandler(onClose);
    req.exceptionHandler(e -> onClose.handle(null));
    // A write to a dead socket neither fills the write queue nor throws: it only fails its
    // future. So bytes count as written when the socket took them, and a failed write ends the
    // flood, or the pump would "write" the rest of the gigabyte into the void.
    resp.write(head).onComplete(countOrDrop(head.length(), onClose));
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (!closed[0] && left[0] > 0 && !resp.writeQueueFull() && !resp.closed()) {
        int n = (int) Math.min(CHUNK, left[0]);
        resp.write(n == CHUNK ? chunk : chunk.slice(0, n)).onComplete(countOrDrop(n, onClose));
        left[0] -= n;
      }
      if (closed[0] || resp.closed()) {
        onClose.handle(null);
        return;
      }
      if (left[0] == 0) {
        resp.end().onSuccess(v -> ended[0] = true).onFailure(e -> onClose.handle(null));
      } else {
        resp.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
  }

  private io.vertx.core.Handler<io.vertx.core.AsyncResult<Void>> countOrDrop(int bytes,
      io.vertx.core.Handler<Void> onClose) {
    return done -> {
      if (done.succeeded()) {
        written.addAndGet(bytes);
      } else {
        onClose.handle(null);
      }
    };
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the flood server did not stop", e);
    }
  }
}
