package io.cachet.crypto;

import java.util.regex.Pattern;

/** The one rule for ledger ids and key-server ids: 1..64 characters of {@code [A-Za-z0-9._:-]}. */
public final class Names {
  public static final int MAX_LENGTH = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

  private Names() {}

  public static String check(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be 1.." + MAX_LENGTH
          + " characters of [A-Za-z0-9._:-], was " + (name == null ? "null" : "'" + name + "'"));
    }
    return name;
  }
}
