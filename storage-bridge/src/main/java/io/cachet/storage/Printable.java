package io.cachet.storage;

/**
 * Text from a request or a stored blob, fit to quote in an error message: ISO control characters,
 * DEL and unpaired surrogates written as Java escapes (a backslash, {@code u}, four hex digits), so
 * a message never carries a line break or invalid Unicode; everything else as it is, and at most
 * {@link #MAX_CHARS} chars of it.
 */
public final class Printable {
  /** Longest text quoted whole; a longer one is cut there and ends in "...". */
  public static final int MAX_CHARS = 100;

  private Printable() {}

  /** {@code text} as a message quotes it ({@code ""} for null). */
  public static String of(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    int end = Math.min(text.length(), MAX_CHARS);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1));
      if (paired) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return text.length() > end ? out + "..." : out.toString();
  }
}
