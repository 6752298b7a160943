package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * An Ed25519 public key (Tink). Immutable; printed and carried as URL-safe base64.
 *
 * <p>Guarantee: {@link #verify} returns normally only for a signature made by the matching
 * private key over exactly these message bytes. It says nothing about when the message was made:
 * freshness is the caller's check.
 */
public final class VerifyingKey {
  public static final int LENGTH = 32;
  public static final int SIGNATURE_LENGTH = 64;

  private final byte[] key;
  private final PublicKeyVerify verifier;

  private VerifyingKey(byte[] key) {
    if (key == null || key.length != LENGTH) {
      throw new IllegalArgumentException("an Ed25519 public key is " + LENGTH + " bytes");
    }
    this.key = key.clone();
    this.verifier = new Ed25519Verify(this.key);
  }

  public static VerifyingKey of(byte[] key) {
    return new VerifyingKey(key);
  }

  @JsonCreator
  public static VerifyingKey parse(String base64) throws FormatException {
    return new VerifyingKey(Base64Url.decode(base64, LENGTH, "VerifyingKey"));
  }

  public void verify(byte[] message, byte[] signature, String what) throws InvalidSignatureException {
    if (signature == null || signature.length != SIGNATURE_LENGTH) {
      throw new InvalidSignatureException(what + ": a signature is " + SIGNATURE_LENGTH + " bytes");
    }
    try {
      verifier.verify(signature, message);
    } catch (GeneralSecurityException e) {
      throw new InvalidSignatureException(what + ": signature does not verify");
    }
  }

  public Address address() {
    return Address.ofEd25519(key);
  }

  public byte[] bytes() {
    return key.clone();
  }

  @JsonValue
  @Override
  public String toString() {
    return Base64Url.encode(key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey other && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }
}
