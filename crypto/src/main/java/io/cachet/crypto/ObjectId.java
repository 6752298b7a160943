package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.security.SecureRandom;

/** Identifies one sealed object (one envelope); chosen at random by the encryptor. */
public final class ObjectId extends Id32 {
  private ObjectId(byte[] bytes) {
    super(bytes, "ObjectId");
  }

  public static ObjectId of(byte[] bytes) {
    return new ObjectId(bytes);
  }

  public static ObjectId random(SecureRandom random) {
    return new ObjectId(randomBytes(random));
  }

  @JsonCreator
  public static ObjectId parse(String text) throws FormatException {
    return new ObjectId(Hex.from0x(text, LENGTH, "ObjectId"));
  }
}
