package io.cachet.cli.console;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A command's standard output (plaintext from {@code get -o -}) streamed as an HTTP answer, with
 * back-pressure: the writing thread waits until each piece has gone to the connection, so a slow
 * browser slows the read instead of filling memory.
 *
 * <p>The answer's status and headers are sent with the first piece only ({@code head}, on the event
 * loop), so a command that fails before it has written anything can still be answered with an
 * error of its own ({@link #started()} is false). A browser that goes away, or takes no bytes for
 * longer than the stall limit, fails the write with an IOException, which stops the command. One
 * writer at a time.
 */
final class ResponseSink extends OutputStream {
  /** Bytes gathered before a piece is sent. */
  static final int PIECE_BYTES = 64 << 10;

  private final HttpServerResponse response;
  private final Context context;
  private final Consumer<HttpServerResponse> head;
  private final long stallMillis;
  private final byte[] pending = new byte[PIECE_BYTES];
  private int pendingLength;
  private volatile boolean started;
  private long sent;

  /**
   * @param head sets the status and headers of a successful answer; runs on the event loop, once
   */
  ResponseSink(HttpServerResponse response, Context context, Consumer<HttpServerResponse> head, Duration stall) {
    this.response = response;
    this.context = context;
    this.head = head;
    this.stallMillis = stall.toMillis();
  }

  /** Whether the answer's head (and so some bytes) went out. */
  boolean started() {
    return started;
  }

  /** Bytes sent so far. */
  long sent() {
    return sent;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, PIECE_BYTES - pendingLength);
      System.arraycopy(b, off, pending, pendingLength, n);
      pendingLength += n;
      off += n;
      len -= n;
      if (pendingLength == PIECE_BYTES) {
        send();
      }
    }
  }

  @Override
  public void flush() throws IOException {
    if (pendingLength > 0) {
      send();
    }
  }

  /** Sends what is pending, and the head first if it has not gone yet; waits until it went out. */
  private void send() throws IOException {
    Buffer piece = Buffer.buffer(pendingLength).appendBytes(pending, 0, pendingLength);
    pendingLength = 0;
    CompletableFuture<Void> written = new CompletableFuture<>();
    context.runOnContext(v -> {
      if (response.closed() || response.ended()) {
        written.completeExceptionally(new IOException("the browser went away during the download"));
        return;
      }
      if (!started) {
        head.accept(response);
        started = true;
      }
      Future<Void> f = response.write(piece);
      f.onComplete(r -> {
        if (r.succeeded()) {
          written.complete(null);
        } else {
          written.completeExceptionally(r.cause());
        }
      });
    });
    try {
      written.get(stallMillis, TimeUnit.MILLISECONDS);
      sent += piece.length();
    } catch (ExecutionException e) {
      throw new IOException("the browser went away during the download", e.getCause());
    } catch (TimeoutException e) {
      context.runOnContext(v -> response.reset());
      throw new IOException("the browser took no bytes for " + stallMillis / 1000 + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted during the download");
    }
  }
}
