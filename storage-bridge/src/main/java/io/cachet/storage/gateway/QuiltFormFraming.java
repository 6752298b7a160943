package io.cachet.storage.gateway;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The raw bytes of a quilt's multipart body, watched beside Vert.x's form decoder, which hides two
 * facts the upload needs: how many bytes arrived in all (so the bytes that are not file data can be
 * bounded as they arrive, not once the form is over), and whether the form's closing delimiter
 * ({@code --boundary--}) arrived (at the end of a body that lacks it, the decoder leaves the last
 * part neither ended nor failed, and only this tells the upload that it never will be).
 *
 * <p>The closing delimiter is found by its bytes: a multipart body may not carry its boundary inside
 * a part, so any {@code --boundary--} is the real one. A delimiter split across chunks is found too
 * (the last bytes of each chunk are kept for the next). Event-loop confined.
 */
final class QuiltFormFraming {
  private final byte[] closing;
  private byte[] tail = new byte[0];
  private boolean closed;
  private long raw;

  /** Watches a body framed by {@code boundary} (as the Content-Type names it). */
  QuiltFormFraming(String boundary) {
    this.closing = ("--" + boundary + "--").getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * The boundary a {@code multipart/form-data} Content-Type names, unquoted; null when it names none
   * (the decoder refuses such a form itself).
   */
  static String boundary(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.strip();
      if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
        String value = p.substring("boundary=".length()).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        return value.isEmpty() ? null : value;
      }
    }
    return null;
  }

  /** One raw chunk of the body, in order. */
  void chunk(Buffer chunk) {
    raw += chunk.length();
    if (closed) {
      return;
    }
    byte[] bytes = chunk.getBytes();
    byte[] seen = new byte[tail.length + bytes.length];
    System.arraycopy(tail, 0, seen, 0, tail.length);
    System.arraycopy(bytes, 0, seen, tail.length, bytes.length);
    if (indexOf(seen, closing) >= 0) {
      closed = true;
      tail = new byte[0];
      return;
    }
    int keep = Math.min(closing.length - 1, seen.length);
    tail = new byte[keep];
    System.arraycopy(seen, seen.length - keep, tail, 0, keep);
  }

  /** Body bytes seen so far. */
  long raw() {
    return raw;
  }

  /** Whether the closing delimiter has arrived. */
  boolean closed() {
    return closed;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
