package io.cachet.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * A read-only view of a channel from {@code offset} on, with a position of its own: lets Tink's
 * seekable decryption see the body as starting at zero while the header sits in front of it.
 * Remembers the underlying channel's own failures so they are not mistaken for tampering.
 */
final class SlicedChannel implements SeekableByteChannel {
  private final SeekableByteChannel channel;
  private final long offset;
  private long position;
  IOException failure;

  SlicedChannel(SeekableByteChannel channel, long offset) {
    this.channel = channel;
    this.offset = offset;
  }

  @Override
  public synchronized int read(ByteBuffer dst) throws IOException {
    try {
      channel.position(offset + position);
      int n = channel.read(dst);
      if (n > 0) {
        position += n;
      }
      return n;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public synchronized long position() {
    return position;
  }

  @Override
  public synchronized SeekableByteChannel position(long newPosition) {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    return Math.max(0, channel.size() - offset);
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
