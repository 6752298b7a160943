package io.cachet.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe from the sealing thread (writing the envelope) to the upload (reading it), so a
 * file of any size is sealed and stored in constant memory: at most {@code CHUNKS} chunks of
 * {@code CHUNK} bytes wait between them.
 *
 * <p>Unlike {@code PipedInputStream} it does not care which threads read and write (an HTTP client
 * reads from pool threads that come and go). Either side can give up: the writer's failure
 * reaches the reader as an IOException carrying it, and a reader that closes early makes the
 * writer's next write fail, so neither ever blocks on a partner that left.
 */
final class SealingPipe {
  static final int CHUNK = 256 * 1024;
  private static final int CHUNKS = 8;
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(CHUNKS);
  private volatile boolean readerClosed;
  private volatile Throwable writerFailure;

  final OutputStream sink = new Sink();

  /**
   * The writer's failure when the reader left: a consequence of the upload's own failure, never
   * its cause, so the upload's error is the one to report.
   */
  static final class ReaderGone extends IOException {
    ReaderGone() {
      super("the upload stopped reading");
    }
  }

  final InputStream source = new Source();

  /** The writer failed: the reader's next read fails with this as the cause. */
  void fail(Throwable t) {
    writerFailure = t;
    queue.clear();
    queue.offer(END);
  }

  private final class Sink extends OutputStream {
    private byte[] buf = new byte[CHUNK];
    private int n;
    private boolean closed;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("pipe closed");
      }
      while (len > 0) {
        int k = Math.min(len, CHUNK - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
        if (n == CHUNK) {
          push(buf);
          buf = new byte[CHUNK];
          n = 0;
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (n > 0) {
        byte[] last = new byte[n];
        System.arraycopy(buf, 0, last, 0, n);
        push(last);
      }
      push(END);
    }

    private void push(byte[] chunk) throws IOException {
      try {
        while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
          if (readerClosed) {
            throw new ReaderGone();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while sealing");
      }
    }
  }

  private final class Source extends InputStream {
    private byte[] cur;
    private int pos;
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int r = read(one, 0, 1);
      return r < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (cur == null || pos == cur.length) {
        if (ended) {
          return -1;
        }
        try {
          cur = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while reading the sealed envelope");
        }
        pos = 0;
        if (cur == END) {
          ended = true;
          if (writerFailure != null) {
            throw new IOException("sealing failed: " + writerFailure.getMessage(), writerFailure);
          }
          return -1;
        }
      }
      int k = Math.min(len, cur.length - pos);
      System.arraycopy(cur, pos, b, off, k);
      pos += k;
      return k;
    }

    @Override
    public void close() {
      readerClosed = true;
      queue.clear();
    }
  }
}
