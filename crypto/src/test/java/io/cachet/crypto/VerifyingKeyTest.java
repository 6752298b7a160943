package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class VerifyingKeyTest {
  private static final byte[] ZERO_SIGNATURE = new byte[VerifyingKey.SIGNATURE_LENGTH];

  /** A message for which the bare Ed25519 equation accepts the all-zero signature under {@code key}. */
  private static byte[] messageForgeableUnder(byte[] key) {
    Ed25519Verify bare = new Ed25519Verify(key);
    for (int i = 0; i < 1000; i++) {
      byte[] m = ("forged " + i).getBytes(StandardCharsets.US_ASCII);
      try {
        bare.verify(ZERO_SIGNATURE, m);
        return m;
      } catch (GeneralSecurityException e) {
        // not this one; about one message in eight is
      }
    }
    throw new AssertionError("no forgeable message found");
  }

  @Test
  void verify_allZeroKeyAndSignature_isRefusedEvenWhereTheEquationHolds() {
    byte[] zeroKey = new byte[VerifyingKey.LENGTH];
    byte[] message = messageForgeableUnder(zeroKey);
    VerifyingKey key = VerifyingKey.of(zeroKey);
    assertThat(key.isSound()).isFalse();
    assertThatThrownBy(() -> key.verify(message, ZERO_SIGNATURE, "transaction"))
        .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("small or mixed order");
  }

  @Test
  void verify_smallOrderKeys_areRefused() {
    byte[] identity = new byte[VerifyingKey.LENGTH];
    identity[0] = 1;
    byte[] minusOne = new byte[VerifyingKey.LENGTH];
    java.util.Arrays.fill(minusOne, (byte) 0xff);
    minusOne[0] = (byte) 0xec;
    minusOne[31] = 0x7f;
    for (byte[] k : new byte[][] {identity, minusOne}) {
      assertThat(VerifyingKey.of(k).isSound()).isFalse();
      assertThatThrownBy(() -> VerifyingKey.of(k).verify(new byte[] {1}, ZERO_SIGNATURE, "x"))
          .isInstanceOf(InvalidSignatureException.class);
    }
  }

  @Test
  void verify_realKey_stillVerifies() throws Exception {
    Identity id = Identity.generate(new SecureRandom());
    byte[] m = {1, 2, 3};
    assertThat(id.verifyingKey().isSound()).isTrue();
    id.verifyingKey().verify(m, id.sign(m), "x");
  }
}
