package io.cachet.storage.walrus;

import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt's request body, streamed from a {@link BlobSource} on the caller's thread: a piece is
 * read from the source only when the connection can take it (the request's write queue is not
 * full), so an upload holds about one piece and the socket's buffers, never the blob. Counts the
 * bytes, holds the source to its declared length, and tells a failure of the source (which
 * retrying cannot fix) from one of the network.
 */
final class Upload {
  /** One write: large enough that per-write costs vanish against the copy, small against the heap. */
  static final int PIECE_BYTES = 256 * 1024;
  /** How often a writer waiting for the connection looks again at the deadline and the answer. */
  private static final long WAIT_SLICE_MILLIS = 50;

  /** The source failed: its bytes are wrong or unreadable, and sending again will not mend that. */
  static final class SourceFailure extends Exception {
    private static final long serialVersionUID = 1L;

    SourceFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  final BlobSource source;
  private final long declared;
  private final Object drainSignal = new Object();
  private boolean drained;
  private boolean opened;
  private boolean ended;
  private long count;

  Upload(BlobSource source) {
    this.source = source;
    this.declared = source.length();
  }

  /** Whether the source was opened, so that its bytes may be gone (for a one-shot source). */
  boolean opened() {
    return opened;
  }

  /** The bytes the source delivered, or -1 when not known to be complete. */
  long sentBytes() {
    if (declared >= 0) {
      return declared;
    }
    return ended ? count : -1;
  }

  /** Whether the whole body went out (else the connection is not fit for another request). */
  boolean complete() {
    return ended;
  }

  /**
   * Sends the body and ends the request. Returns early, with the body incomplete, if the server
   * answers (or the exchange fails) first: {@code answer} then says what happened.
   *
   * @throws SourceFailure if the source could not be read or broke its declared length
   * @throws StorageException NETWORK if the connection took nothing until {@code deadlineNanos}
   */
  void send(HttpClientRequest request, CompletableFuture<Answer> answer, long deadlineNanos, Endpoint endpoint,
      String what) throws SourceFailure, StorageException {
    if (declared == 0) {
      ended = true;
      request.putHeader("Content-Length", "0");
      request.end();
      return;
    }
    if (declared > 0) {
      request.putHeader("Content-Length", Long.toString(declared));
    } else {
      request.setChunked(true);
    }
    request.drainHandler(v -> {
      synchronized (drainSignal) {
        drained = true;
        drainSignal.notifyAll();
      }
    });
    InputStream in;
    try {
      opened = true;
      in = source.open();
    } catch (IOException e) {
      throw new SourceFailure(e);
    }
    try {
      byte[] piece = new byte[PIECE_BYTES];
      while (!answer.isDone()) {
        int n = readPiece(in, piece);
        if (n < 0) {
          request.end();
          return;
        }
        request.write(Buffer.buffer(n == piece.length ? piece : Arrays.copyOf(piece, n)));
        piece = new byte[PIECE_BYTES];
        awaitRoom(request, answer, deadlineNanos, endpoint, what);
      }
    } finally {
      try {
        in.close();
      } catch (IOException e) {
        // Closing the source after its bytes were read: nothing the upload depends on.
      }
    }
  }

  private void awaitRoom(HttpClientRequest request, CompletableFuture<Answer> answer, long deadlineNanos,
      Endpoint endpoint, String what) throws StorageException {
    while (request.writeQueueFull() && !answer.isDone()) {
      if (System.nanoTime() - deadlineNanos >= 0) {
        throw new StorageException(Reason.NETWORK, 0, what + " failed: " + endpoint.named()
            + " stopped taking the upload: timed out");
      }
      synchronized (drainSignal) {
        try {
          if (!drained) {
            drainSignal.wait(WAIT_SLICE_MILLIS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw Transport.interrupted(what, e);
        }
        drained = false;
      }
    }
  }

  /** The next piece's length, -1 at the end; enforces the declared length. */
  private int readPiece(InputStream in, byte[] piece) throws SourceFailure {
    try {
      if (declared < 0) {
        int n = in.readNBytes(piece, 0, piece.length);
        if (n == 0) {
          ended = true;
          return -1;
        }
        count += n;
        return n;
      }
      int want = (int) Math.min(piece.length, declared - count);
      if (want == 0) {
        if (in.read() >= 0) {
          throw new IOException("the source delivered more than its declared " + declared + " bytes");
        }
        ended = true;
        return -1;
      }
      int n = in.readNBytes(piece, 0, want);
      count += n;
      if (n < want) {
        throw new IOException("the source ended after " + count + " of its declared " + declared + " bytes");
      }
      return n;
    } catch (IOException e) {
      throw new SourceFailure(e);
    }
  }
}
