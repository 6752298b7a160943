package io.cachet.crypto.codec;

import io.cachet.crypto.FormatException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads the encoding {@link CanonicalWriter} writes, from a byte array already bounded by its
 * caller. Every read checks the bytes remaining first, so a length field can never make it
 * allocate more than the input holds; every failure is a {@link FormatException} that names the
 * field and its offset.
 */
public final class CanonicalReader {
  private final byte[] in;
  private int pos;

  public CanonicalReader(byte[] in) {
    this.in = in;
  }

  public int position() {
    return pos;
  }

  public int remaining() {
    return in.length - pos;
  }

  private void need(int n, String field) throws FormatException {
    if (n < 0 || n > remaining()) {
      throw new FormatException(field + ": needs " + n + " bytes at offset " + pos + ", "
          + remaining() + " remain");
    }
  }

  public int u8(String field) throws FormatException {
    need(1, field);
    return in[pos++] & 0xFF;
  }

  public int u16(String field) throws FormatException {
    need(2, field);
    int v = ((in[pos] & 0xFF) << 8) | (in[pos + 1] & 0xFF);
    pos += 2;
    return v;
  }

  public long u32(String field) throws FormatException {
    need(4, field);
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 8) | (in[pos++] & 0xFF);
    }
    return v;
  }

  public long u64(String field) throws FormatException {
    need(8, field);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (in[pos++] & 0xFF);
    }
    return v;
  }

  public byte[] fixed(int n, String field) throws FormatException {
    need(n, field);
    byte[] out = new byte[n];
    System.arraycopy(in, pos, out, 0, n);
    pos += n;
    return out;
  }

  public byte[] bytes8(String field) throws FormatException {
    return fixed(u8(field + ".length"), field);
  }

  public byte[] bytes16(String field) throws FormatException {
    return fixed(u16(field + ".length"), field);
  }

  /** A length-prefixed UTF-8 string; malformed UTF-8 is a format error, never replaced. */
  public String string8(String field) throws FormatException {
    int at = pos;
    byte[] raw = bytes8(field);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new FormatException(field + ": not UTF-8 at offset " + at, e);
    }
  }

  /** Fails unless every byte was consumed: trailing bytes are never ignored. */
  public void end(String what) throws FormatException {
    if (remaining() != 0) {
      throw new FormatException(what + ": " + remaining() + " trailing bytes at offset " + pos);
    }
  }
}
