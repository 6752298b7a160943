package io.cachet.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Objects;

/**
 * In-memory sources and sinks for the benchmarks, deliberately plain: unsynchronized, no
 * per-call allocation, so what is measured is the crypto and not {@code ByteArrayInputStream}'s
 * locks or a growing {@code ByteArrayOutputStream}.
 */
final class InMemory {
  private InMemory() {}

  /** Reads a byte array from the start; {@link #rewind} makes it reusable across invocations. */
  static final class Source extends InputStream {
    private final byte[] bytes;
    private int position;

    Source(byte[] bytes) {
      this.bytes = Objects.requireNonNull(bytes);
    }

    Source rewind() {
      position = 0;
      return this;
    }

    @Override
    public int read() {
      return position < bytes.length ? bytes[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, bytes.length - position);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(bytes, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public int available() {
      return bytes.length - position;
    }
  }

  /** Discards everything written and counts it: the cheapest honest destination for a seal. */
  static final class CountingSink extends OutputStream {
    private long count;

    long count() {
      return count;
    }

    CountingSink reset() {
      count = 0;
      return this;
    }

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      count += len;
    }
  }

  /** A read-only seekable channel over a byte array, as a file or a ranged HTTP reader would be. */
  static final class Channel implements SeekableByteChannel {
    private final byte[] bytes;
    private long position;
    private boolean open = true;

    Channel(byte[] bytes) {
      this.bytes = Objects.requireNonNull(bytes);
    }

    @Override
    public int read(ByteBuffer dst) {
      if (position >= bytes.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), bytes.length - position);
      dst.put(bytes, (int) position, n);
      position += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      if (newPosition < 0) {
        throw new IllegalArgumentException("negative position");
      }
      position = newPosition;
      return this;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
