package io.cachet.storage.http;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;

/**
 * Shards are megabytes and cross several hands on their way; these views avoid copying them.
 * {@code Buffer.buffer(byte[])} copies, which for 1 MiB shards was the largest cost left on the
 * event loops. Uses Vert.x's internal buffer API: check it on every Vert.x upgrade.
 */
public final class Buffers {
  private Buffers() {}

  /** A Buffer over these bytes, not a copy; the caller must not change them afterwards. */
  public static Buffer wrap(byte[] bytes) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(bytes));
  }

  /** A Buffer over the first {@code length} of these bytes, not a copy. */
  public static Buffer wrap(byte[] bytes, int length) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(bytes, 0, length));
  }

  /** A read-only view of a Buffer's bytes, not a copy. */
  public static ByteBuffer view(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf().nioBuffer().asReadOnlyBuffer();
  }
}
