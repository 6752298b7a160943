package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.security.SecureRandom;

/** Identifies an access policy on the ledger; an envelope's shares are bound to exactly one. */
public final class PolicyId extends Id32 {
  private PolicyId(byte[] bytes) {
    super(bytes, "PolicyId");
  }

  public static PolicyId of(byte[] bytes) {
    return new PolicyId(bytes);
  }

  public static PolicyId random(SecureRandom random) {
    return new PolicyId(randomBytes(random));
  }

  @JsonCreator
  public static PolicyId parse(String text) throws FormatException {
    return new PolicyId(Hex.from0x(text, LENGTH, "PolicyId"));
  }
}
