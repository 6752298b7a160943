package io.cachet.crypto;

import java.util.Base64;

/** URL-safe base64 without padding, the text form of every byte string on Cachet's wire. */
public final class Base64Url {
  private Base64Url() {}

  public static String encode(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] decode(String text, String what) throws FormatException {
    if (text == null) {
      throw new FormatException(what + ": missing");
    }
    if (text.indexOf('=') >= 0) {
      throw new FormatException(what + ": padding is not allowed");
    }
    try {
      byte[] out = Base64.getUrlDecoder().decode(text);
      if (!encode(out).equals(text)) {
        throw new FormatException(what + ": not canonical base64");
      }
      return out;
    } catch (IllegalArgumentException e) {
      throw new FormatException(what + ": not URL-safe base64", e);
    }
  }

  /** Decodes and insists on an exact length. */
  public static byte[] decode(String text, int length, String what) throws FormatException {
    byte[] out = decode(text, what);
    if (out.length != length) {
      throw new FormatException(what + ": expected " + length + " bytes, got " + out.length);
    }
    return out;
  }
}
