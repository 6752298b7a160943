package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Yields exactly {@code expected} bytes of a response body, then end of stream without reading
 * further. If the body ends first, the read that finds the end throws a {@link StorageException}
 * (NETWORK) instead of reporting end of stream: a connection cut mid-blob must never look like a
 * shorter blob. Closing it closes the body, which releases the connection.
 */
final class ExactLengthInputStream extends InputStream {
  private final InputStream in;
  private final long expected;
  private final int status;
  private final String what;
  private long remaining;

  ExactLengthInputStream(InputStream in, long expected, int status, String what) {
    this.in = Objects.requireNonNull(in);
    if (expected < 0) {
      throw new IllegalArgumentException("expected " + expected);
    }
    this.expected = expected;
    this.remaining = expected;
    this.status = status;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    if (remaining == 0) {
      return -1;
    }
    int b = in.read();
    if (b < 0) {
      throw truncated();
    }
    remaining--;
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len == 0) {
      return 0;
    }
    if (remaining == 0) {
      return -1;
    }
    int n = in.read(buf, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw truncated();
    }
    remaining -= n;
    return n;
  }

  @Override
  public int available() throws IOException {
    return (int) Math.min(in.available(), remaining);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private StorageException truncated() {
    return new StorageException(Reason.NETWORK, status, what + " ended after " + (expected - remaining) + " of "
        + expected + " bytes");
  }
}
