package io.cachet.crypto.fuzz;

import io.cachet.crypto.CachetSecurityException;

/** What a fuzz target may do with a value a parser accepted: check it, and be refused only by a typed exception. */
final class Refusals {
  private Refusals() {}

  interface Check {
    void run() throws Exception;
  }

  /**
   * Runs a check on a parsed value. A typed security refusal is an answer; any runtime exception
   * escapes, because it means the parser accepted something its users cannot handle.
   */
  static void allowed(Check check) throws Exception {
    try {
      check.run();
    } catch (CachetSecurityException refused) {
      // a bad signature, an expired certificate: the value was read, and refused for what it says
    }
  }
}
