package io.cachet.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;

/**
 * Random access to the plaintext of an envelope held in a seekable channel, through Tink's
 * seekable decrypting channel: reading a range decrypts (and authenticates) only the segments
 * that hold it. Opening checks the exact length and authenticates the first and last segments,
 * so a cut, extended or re-headed body is refused before the first plaintext byte.
 */
final class PlaintextChannel implements SeekableByteChannel {
  private final SlicedChannel body;
  private final SeekableByteChannel tink;
  private final long length;

  private PlaintextChannel(SlicedChannel body, SeekableByteChannel tink, long length) {
    this.body = body;
    this.tink = tink;
    this.length = length;
  }

  static PlaintextChannel open(EnvelopeHeader header, DataKey key, SeekableByteChannel envelope) throws IOException {
    long expected = header.envelopeLength();
    long actual = envelope.size();
    if (actual < expected) {
      throw new TruncatedBodyException("envelope is " + actual + " bytes, its header declares " + expected, null);
    }
    if (actual > expected) {
      throw new TrailingDataException("envelope is " + actual + " bytes, its header declares " + expected, null);
    }
    SlicedChannel body = new SlicedChannel(envelope, header.encodedLength());
    SeekableByteChannel tink;
    try {
      tink = header.body().streamingAead(key).newSeekableDecryptingChannel(body, header.encoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("streaming AEAD unavailable", e);
    } catch (IOException e) {
      throw new SegmentAuthenticationException("the body's stream header does not authenticate", e);
    }
    PlaintextChannel c = new PlaintextChannel(body, tink, header.plaintextLength());
    if (c.length == 0) {
      c.authenticateEmpty(header, key);
    } else {
      c.authenticateAt(0);
      c.authenticateAt(c.length - 1);
    }
    c.position(0);
    return c;
  }

  private void authenticateAt(long plaintextOffset) throws IOException {
    position(plaintextOffset);
    if (read(ByteBuffer.allocate(1)) != 1) {
      throw new TruncatedBodyException("no plaintext byte at offset " + plaintextOffset, null);
    }
  }

  /** An empty body is one short segment: decrypt it whole, the way the stream form would. */
  private void authenticateEmpty(EnvelopeHeader header, DataKey key) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) header.body().ciphertextLength(0));
    body.position(0);
    while (all.hasRemaining() && body.read(all) >= 0) {
      // the size check above guarantees the bytes are there
    }
    try (InputStream in = PlaintextStream.open(header, key, new ByteArrayInputStream(all.array()))) {
      if (in.read() >= 0) {
        throw new TrailingDataException("an empty body decrypted to bytes", null);
      }
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    try {
      return tink.read(dst);
    } catch (IOException e) {
      if (body.failure != null) {
        throw body.failure;
      }
      throw new SegmentAuthenticationException("a body segment does not authenticate (altered or reordered)", e);
    }
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    return tink.position();
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    tink.position(newPosition);
    return this;
  }

  /** The plaintext length the header declares (and the body was checked to hold). */
  @Override
  public long size() {
    return length;
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return tink.isOpen();
  }

  /** Closes the envelope channel too. */
  @Override
  public void close() throws IOException {
    tink.close();
  }
}
