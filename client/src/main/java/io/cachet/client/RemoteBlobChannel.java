package io.cachet.client;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobStore;
import io.cachet.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A stored blob as a read-only seekable channel, read through range requests one window at a
 * time, so crypto's random-access envelope reader can open a byte range of a file without the
 * rest of it being downloaded. Not thread-safe (one reader).
 */
final class RemoteBlobChannel implements SeekableByteChannel {
  /** A few body segments: the envelope reader asks segment by segment. */
  static final int WINDOW = 2 * 1024 * 1024;

  private final BlobStore store;
  private final BlobId id;
  private final long size;
  private long position;
  private long windowStart = -1;
  private byte[] window = new byte[0];
  private boolean open = true;

  RemoteBlobChannel(BlobStore store, BlobId id, long size) {
    this.store = store;
    this.id = id;
    this.size = size;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= size) {
      return -1;
    }
    if (windowStart < 0 || position < windowStart || position >= windowStart + window.length) {
      fill(position);
    }
    int offset = (int) (position - windowStart);
    int n = Math.min(dst.remaining(), window.length - offset);
    dst.put(window, offset, n);
    position += n;
    return n;
  }

  private void fill(long from) throws IOException {
    int len = (int) Math.min(WINDOW, size - from);
    try (InputStream in = store.read(id, from, len)) {
      byte[] bytes = in.readNBytes(len);
      if (bytes.length != len) {
        throw new IOException("blob " + id + " ended at " + (from + bytes.length) + ", before its declared "
            + size + " bytes");
      }
      window = bytes;
      windowStart = from;
    } catch (StorageException e) {
      throw new IOException("reading bytes " + from + ".." + (from + len) + " of blob " + id + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
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
    window = new byte[0];
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
