package io.cachet.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channel;

/**
 * Exactly {@code length} bytes of an opened envelope's plaintext, from wherever its channel was
 * positioned; ending early is an IOException, never a short read passed off as the end. Closing
 * it closes the plaintext and the remote channel under it.
 */
final class PlaintextRange extends InputStream {
  private final InputStream plain;
  private final Channel remote;
  private long left;

  PlaintextRange(InputStream plain, long length, Channel remote) {
    this.plain = plain;
    this.left = length;
    this.remote = remote;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (left == 0) {
      return -1;
    }
    int n = plain.read(b, off, (int) Math.min(len, left));
    if (n > 0) {
      left -= n;
    } else if (n < 0) {
      throw new IOException("the plaintext ended " + left + " bytes before the range did");
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    try {
      plain.close();
    } finally {
      remote.close();
    }
  }
}
