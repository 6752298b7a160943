package io.cachet.crypto;

/** The one rule for ledger ids and key-server ids: 1..64 characters of {@code [A-Za-z0-9._:-]}. */
public final class Names {
  public static final int MAX_LENGTH = 64;

  private Names() {}

  public static String check(String name, String what) {
    if (!isName(name)) {
      throw new IllegalArgumentException(what + " must be 1.." + MAX_LENGTH
          + " characters of [A-Za-z0-9._:-], was " + (name == null ? "null" : "'" + name + "'"));
    }
    return name;
  }

  // a loop, not a regular expression: every item of every fetch request names two of these
  private static boolean isName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
          || c == ':' || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
