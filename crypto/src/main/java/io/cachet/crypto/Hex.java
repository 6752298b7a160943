package io.cachet.crypto;

import java.util.HexFormat;

/** {@code 0x}-prefixed lower-case hex, the printed form of ids, addresses and fingerprints. */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String to0x(byte[] bytes) {
    return "0x" + HEX.formatHex(bytes);
  }

  /** Parses {@code 0x} + exactly {@code 2 * length} lower-case hex digits: one spelling per value. */
  public static byte[] from0x(String text, int length, String what) throws FormatException {
    if (text == null || !text.startsWith("0x") || text.length() != 2 + 2 * length) {
      throw new FormatException(what + ": expected 0x followed by " + (2 * length) + " hex digits");
    }
    if (!text.equals(text.toLowerCase(java.util.Locale.ROOT))) {
      throw new FormatException(what + ": hex digits must be lower case");
    }
    try {
      return HEX.parseHex(text, 2, text.length());
    } catch (IllegalArgumentException e) {
      throw new FormatException(what + ": not hex", e);
    }
  }
}
