package io.cachet.cli.blob;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Standard input held to the length announced for it ({@code put - --size N}): it gives exactly N
 * bytes, and fails the read that would find out otherwise, so a sealer that reads it stops with an
 * IOException before the envelope is finished. An input that ends early fails at its end; one that
 * carries more fails on the read that delivers its N-th byte (one byte further is read to tell), so
 * the last bytes are never handed over and the put never completes. {@link #mismatch()} then says
 * what happened, in a person's words. One reader at a time.
 */
final class ExactLengthInput extends InputStream {
  /** Reason code of an input whose length is not the one announced. */
  static final String SIZE_MISMATCH = "SIZE_MISMATCH";

  private final InputStream in;
  private final long size;
  private long delivered;
  /** Whether the byte after the N-th was looked for. */
  private boolean endChecked;
  private volatile String mismatch;

  ExactLengthInput(InputStream in, long size) {
    this.in = Objects.requireNonNull(in);
    this.size = size;
  }

  /** What was wrong with the input's length, or null while nothing was. */
  String mismatch() {
    return mismatch;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (delivered == size) {
      checkEnd();
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n = in.read(b, off, (int) Math.min(len, size - delivered));
    if (n < 0) {
      throw fail("standard input ended after " + delivered + " bytes, and --size announced " + size);
    }
    if (delivered + n == size) {
      checkEnd();
    }
    delivered += n;
    return n;
  }

  private void checkEnd() throws IOException {
    if (!endChecked) {
      endChecked = true;
      if (in.read() >= 0) {
        throw fail("standard input carries more than the " + size + " bytes --size announced");
      }
    }
  }

  private IOException fail(String what) {
    mismatch = what;
    return new IOException(what);
  }

  /** Leaves standard input open: it is the run's, not the put's. */
  @Override
  public void close() {
  }
}
