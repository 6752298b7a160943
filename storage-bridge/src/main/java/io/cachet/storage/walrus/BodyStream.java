package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A response body as a blocking stream, with back-pressure: the event loop queues the pieces as
 * they arrive and pauses the response once {@link #HIGH_WATER_BYTES} wait unread; the reader
 * resumes it once the queue is down to {@link #LOW_WATER_BYTES}. So a body never sits in memory
 * beyond about the high-water mark, however large the blob.
 *
 * <p>Stalls: a read that finds nothing queued waits at most the stall limit for the next bytes;
 * then the connection is dropped and the read fails with an IOException saying so. Only time the
 * reader spends waiting counts, so a slow consumer is never cut off (while it does not read, the
 * response is paused and nothing is owed to it).
 *
 * <p>Closing before the end closes the connection instead of draining what a server may still
 * send. Reading is for one thread at a time.
 */
final class BodyStream extends InputStream {
  /** Unread bytes at which the response is paused: a few socket reads' worth. */
  static final int HIGH_WATER_BYTES = 4 << 20;
  /** Unread bytes at which a paused response is resumed: enough to keep the reader busy meanwhile. */
  static final int LOW_WATER_BYTES = 1 << 20;
  /**
   * Unread bytes that wake a waiting reader at once. Waking it for every socket read (64 KiB or
   * less) costs a thread hand-over each, which on a busy machine means a wait for a core each;
   * batching them cuts the hand-overs of a fast download about sixteenfold.
   */
  static final int WAKE_BYTES = 1 << 20;
  /** Longest a waiting reader is left unwoken while fewer than {@link #WAKE_BYTES} wait for it. */
  static final long WAKE_AFTER_MILLIS = 5;

  private final HttpClientResponse response;
  private final Context context;
  private final long stallNanos;
  private final String what;

  // Guarded by this: shared with the event loop.
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private long queued;
  private boolean ended;
  private Throwable failure;
  private boolean paused;
  private boolean resumeScheduled;
  private boolean closed;
  /** Whether the reader waits: only then does an arrival pay for a wake-up. */
  private boolean readerWaiting;
  /** Whether a timer will wake the reader for bytes below {@link #WAKE_BYTES}. */
  private boolean wakeTimerSet;

  // The reader's own.
  private Buffer current;
  private int position;

  private BodyStream(HttpClientResponse response, Context context, Duration stall, String what) {
    this.response = response;
    this.context = context;
    this.stallNanos = stall.toNanos();
    this.what = what;
  }

  /** Takes over the response's body; call on its event loop, before returning from the response callback. */
  static BodyStream attach(HttpClientResponse response, Duration stall, String what) {
    Context context = Objects.requireNonNull(Vertx.currentContext(), "not on a Vert.x context");
    BodyStream s = new BodyStream(response, context, stall, what);
    response.handler(s::arrived);
    response.endHandler(v -> s.ended());
    response.exceptionHandler(s::failed);
    return s;
  }

  // ---------------------------------------------------------------- event loop

  private synchronized void arrived(Buffer piece) {
    if (closed) {
      return;
    }
    queue.add(piece);
    queued += piece.length();
    if (!paused && queued >= HIGH_WATER_BYTES) {
      paused = true;
      response.pause();
    }
    if (readerWaiting) {
      if (queued >= WAKE_BYTES) {
        notifyAll();
      } else if (!wakeTimerSet) {
        wakeTimerSet = true;
        context.owner().setTimer(WAKE_AFTER_MILLIS, id -> wakeReader());
      }
    }
  }

  private synchronized void wakeReader() {
    wakeTimerSet = false;
    if (readerWaiting && !queue.isEmpty()) {
      notifyAll();
    }
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
    resumeScheduled = false;
    if (paused && !closed && queued <= LOW_WATER_BYTES) {
      paused = false;
      response.resume();
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

  @Override
  public long skip(long n) throws IOException {
    long left = n;
    while (left > 0) {
      if (current == null || position == current.length()) {
        current = next();
        position = 0;
        if (current == null) {
          break;
        }
      }
      int step = (int) Math.min(left, current.length() - position);
      position += step;
      left -= step;
    }
    return n - left;
  }

  @Override
  public int available() {
    int inCurrent = current == null ? 0 : current.length() - position;
    synchronized (this) {
      return (int) Math.min(Integer.MAX_VALUE, inCurrent + queued);
    }
  }

  /** The next piece, null at the end; waits at most the stall limit for it. */
  private synchronized Buffer next() throws IOException {
    long waitedSince = 0;
    while (true) {
      if (closed) {
        throw new IOException(what + ": the stream is closed");
      }
      Buffer piece = queue.poll();
      if (piece != null) {
        queued -= piece.length();
        if (paused && !resumeScheduled && queued <= LOW_WATER_BYTES) {
          resumeScheduled = true;
          context.runOnContext(v -> resumeIfDrained());
        }
        return piece;
      }
      if (failure != null) {
        // typed as the failures before the answer began are: a caller tells the network from its own I/O
        throw new StorageException(StorageException.Reason.NETWORK, 0, what + ": the connection failed: "
            + describe(failure), failure);
      }
      if (ended) {
        return null;
      }
      long now = System.nanoTime();
      if (waitedSince == 0) {
        waitedSince = now;
      } else if (now - waitedSince >= stallNanos) {
        abandon();
        throw new StorageException(StorageException.Reason.NETWORK, 0, what + ": no bytes arrived for "
            + seconds(stallNanos) + "; the connection was dropped");
      }
      long left = stallNanos - (now - waitedSince);
      readerWaiting = true;
      try {
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        abandon();
        throw Transport.interruptedRead(what);
      } finally {
        readerWaiting = false;
      }
    }
  }

  /** Drops the rest: closes the connection unless the body is complete. Idempotent. */
  @Override
  public void close() {
    abandon();
  }

  private synchronized void abandon() {
    if (closed) {
      return;
    }
    closed = true;
    queue.clear();
    queued = 0;
    current = null;
    notifyAll();
    if (!ended) {
      context.runOnContext(v -> Transport.drop(response.request()));
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + WalrusAnswers.quote(m));
  }

  private static String seconds(long nanos) {
    Duration d = Duration.ofNanos(nanos);
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
