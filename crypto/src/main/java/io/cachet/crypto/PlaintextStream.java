package io.cachet.crypto;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.security.GeneralSecurityException;

/**
 * The plaintext of a body read as a stream. Tink authenticates segment by segment; this class
 * adds what Tink cannot know: the length the header declares, and which way a failing body is
 * wrong (cut short, extended, or a segment that does not authenticate), told apart by how many
 * ciphertext bytes the source had given when Tink refused.
 */
final class PlaintextStream extends InputStream {
  private final Source source;
  private final PushbackInputStream decrypted;
  private final long declared;
  private final long expectedCiphertext;
  private long delivered;

  private PlaintextStream(Source source, InputStream decrypted, long declared, long expectedCiphertext) {
    this.source = source;
    this.decrypted = new PushbackInputStream(decrypted, 1);
    this.declared = declared;
    this.expectedCiphertext = expectedCiphertext;
  }

  /** Opens and reads ahead one byte, so a bad header or first segment fails here, not later. */
  static PlaintextStream open(EnvelopeHeader header, DataKey key, InputStream body) throws IOException {
    Source source = new Source(body);
    InputStream tink;
    try {
      tink = header.body().streamingAead(key).newDecryptingStream(source, header.encoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("streaming AEAD unavailable", e);
    }
    PlaintextStream s = new PlaintextStream(source, tink, header.plaintextLength(),
        header.body().ciphertextLength(header.plaintextLength()));
    int first = s.decryptedRead();
    if (first >= 0) {
      s.decrypted.unread(first);
    } else {
      s.checkEnd();
    }
    return s;
  }

  private int decryptedRead() throws IOException {
    try {
      return decrypted.read();
    } catch (IOException e) {
      throw classify(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  /**
   * Never hands out more than the header declares: reads are capped at what is left, and at the
   * declared end one more read must find the end of the authenticated stream.
   */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (delivered == declared) {
      if (decryptedRead() >= 0) {
        throw new TrailingDataException("body holds more than the " + declared + " bytes its header declares", null);
      }
      return -1;
    }
    int n;
    try {
      n = decrypted.read(b, off, (int) Math.min(len, declared - delivered));
    } catch (IOException e) {
      throw classify(e);
    }
    if (n < 0) {
      checkEnd();
      return -1;
    }
    delivered += n;
    return n;
  }

  private void checkEnd() throws BodyIntegrityException {
    if (delivered < declared) {
      throw new TruncatedBodyException("body authenticated but holds " + delivered + " of the " + declared
          + " bytes its header declares", null);
    }
  }

  private IOException classify(IOException e) {
    if (source.failure != null) {
      return source.failure;
    }
    if (e instanceof BodyIntegrityException) {
      return e;
    }
    if (source.count > expectedCiphertext) {
      return new TrailingDataException("body continues past its expected " + expectedCiphertext + " bytes", e);
    }
    if (source.eof && source.count < expectedCiphertext) {
      return new TruncatedBodyException("body ends after " + source.count + " of its expected "
          + expectedCiphertext + " bytes", e);
    }
    return new SegmentAuthenticationException("a body segment near ciphertext offset " + source.count
        + " does not authenticate (altered, reordered, or another header)", e);
  }

  @Override
  public void close() throws IOException {
    decrypted.close();
  }

  /** The ciphertext source, counted, remembering its own failures so they are not mistaken for tampering. */
  private static final class Source extends FilterInputStream {
    long count;
    boolean eof;
    IOException failure;

    Source(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = in.read(b, off, len);
        if (n < 0) {
          eof = true;
        } else {
          count += n;
        }
        return n;
      } catch (IOException e) {
        failure = e;
        throw e;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      throw new IOException("skip is not supported on an envelope body");
    }
  }
}
