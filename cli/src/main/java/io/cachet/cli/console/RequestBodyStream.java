package io.cachet.cli.console;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A request's body (an upload from the browser) as a blocking stream for a command's standard
 * input, with back-pressure: the event loop queues what arrives and pauses the request once
 * {@link #HIGH_WATER_BYTES} wait unread; the reader resumes it once the queue is down to
 * {@link #LOW_WATER_BYTES}. So an upload never sits in memory beyond about the high-water mark.
 *
 * <p>A browser that goes away (the connection closes before the body's end) fails the next read
 * with an IOException; so does one that stops sending for longer than the stall limit, so a
 * reader is never left waiting for ever. Reading is for one thread at a time.
 *
 * <p>(The storage bridge's {@code BodyStream} does the same for a client's response; a server's
 * request is another Vert.x type, and this is the console's only one.)
 */
final class RequestBodyStream extends InputStream {
  /** Unread bytes at which the request is paused. */
  static final int HIGH_WATER_BYTES = 1 << 20;
  /** Unread bytes at which a paused request is resumed. */
  static final int LOW_WATER_BYTES = 256 << 10;

  private final HttpServerRequest request;
  private final Context context;
  private final long stallNanos;

  // Guarded by this: shared with the event loop.
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private long queued;
  private boolean ended;
  private Throwable failure;
  private boolean paused;
  private boolean closed;
  private long received;

  // The reader's own.
  private Buffer current;
  private int position;

  private RequestBodyStream(HttpServerRequest request, Context context, Duration stall) {
    this.request = request;
    this.context = context;
    this.stallNanos = stall.toNanos();
  }

  /** Takes over the request's body; call on its event loop, before the route handler returns. */
  static RequestBodyStream attach(HttpServerRequest request, Duration stall) {
    Context context = Objects.requireNonNull(Vertx.currentContext(), "not on a Vert.x context");
    RequestBodyStream s = new RequestBodyStream(request, context, stall);
    request.handler(s::arrived);
    request.endHandler(v -> s.ended());
    request.exceptionHandler(s::failed);
    request.resume();
    return s;
  }

  // ---------------------------------------------------------------- event loop

  private synchronized void arrived(Buffer piece) {
    received += piece.length();
    if (closed) {
      return;
    }
    queue.add(piece);
    queued += piece.length();
    if (!paused && queued >= HIGH_WATER_BYTES) {
      paused = true;
      request.pause();
    }
    notifyAll();
  }

  private synchronized void ended() {
    ended = true;
    notifyAll();
  }

  private synchronized void failed(Throwable t) {
    if (failure == null && !ended) {
      failure = t;
    }
    notifyAll();
  }

  private synchronized void resumeIfDrained() {
    if (paused && !closed && queued <= LOW_WATER_BYTES) {
      paused = false;
      request.resume();
    }
  }

  // ---------------------------------------------------------------- reader

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (current == null || position == current.length()) {
      current = next();
      position = 0;
      if (current == null) {
        return -1;
      }
    }
    int n = Math.min(len, current.length() - position);
    current.getBytes(position, position + n, b, off);
    position += n;
    return n;
  }

  /** The next piece, waiting for it if need be; null at the body's end. */
  private synchronized Buffer next() throws IOException {
    long deadline = System.nanoTime() + stallNanos;
    while (queue.isEmpty() && !ended && failure == null && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        closed = true;
        context.runOnContext(v -> request.connection().close());
        throw new IOException("the upload stalled: no bytes from the browser for "
            + Duration.ofNanos(stallNanos).toSeconds() + " s after " + received + " bytes");
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading the upload");
      }
    }
    if (closed) {
      throw new IOException("the upload was closed");
    }
    Buffer piece = queue.poll();
    if (piece != null) {
      queued -= piece.length();
      if (paused && queued <= LOW_WATER_BYTES) {
        context.runOnContext(v -> resumeIfDrained());
      }
      return piece;
    }
    if (failure != null) {
      throw new IOException("the browser closed the upload after " + received + " bytes", failure);
    }
    return null;
  }

  /**
   * Drops what is queued and anything still to come: a paused request is resumed, so the rest of
   * the body is read and discarded and the browser, still sending, gets to read the answer.
   */
  @Override
  public synchronized void close() {
    closed = true;
    queue.clear();
    queued = 0;
    if (paused) {
      paused = false;
      context.runOnContext(v -> request.resume());
    }
    notifyAll();
  }
}
