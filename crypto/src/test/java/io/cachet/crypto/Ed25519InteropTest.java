package io.cachet.crypto;

import static io.cachet.crypto.EdwardsTestMath.BASE;
import static io.cachet.crypto.EdwardsTestMath.IDENTITY;
import static io.cachet.crypto.EdwardsTestMath.L;
import static io.cachet.crypto.EdwardsTestMath.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.google.crypto.tink.subtle.Ed25519Verify;
import io.cachet.crypto.EdwardsTestMath.Point;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ed25519 on Bouncy Castle ({@link Identity#sign}, {@link VerifyingKey#verify}) against Tink and
 * RFC 8032: the same signatures, each side verifies the other's, and the strictness about keys and
 * signatures that {@link VerifyingKey} promises.
 */
class Ed25519InteropTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The eight points of small order, by encoding (each checked below to have order dividing 8). */
  private static final String[] SMALL_ORDER = {
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  };

  private static boolean tinkAccepts(byte[] key, byte[] message, byte[] signature) {
    try {
      new Ed25519Verify(key).verify(signature, message);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Our verdict, which both of our checks must share: they differ only on a key holder's nonce
   * with a small-order component (pinned on its own below).
   */
  private static boolean oursAccepts(byte[] key, byte[] message, byte[] signature) {
    boolean strict = accepts(() -> VerifyingKey.of(key).verify(message, signature, "test"));
    boolean cofactored = accepts(() -> VerifyingKey.of(key).verifyCofactored(message, signature, "test"));
    assertThat(cofactored).as("the cofactored check agrees with the strict one").isEqualTo(strict);
    return strict;
  }

  interface Check {
    void run() throws InvalidSignatureException;
  }

  private static boolean accepts(Check check) {
    try {
      check.run();
      return true;
    } catch (InvalidSignatureException e) {
      return false;
    }
  }

  /** RFC 8032 section 7.1, TEST 1 to 3: secret key (seed), public key, message, signature. */
  @ParameterizedTest
  @CsvSource({
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
          + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
          + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7, fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82, "
          + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  })
  void rfc8032Vectors_signAndVerify(String seedHex, String publicHex, String messageHex, String signatureHex)
      throws Exception {
    byte[] message = messageHex == null ? new byte[0] : HEX.parseHex(messageHex);
    Identity id = Identity.fromSeed(HEX.parseHex(seedHex));
    assertThat(id.verifyingKey().bytes()).isEqualTo(HEX.parseHex(publicHex));
    assertThat(id.sign(message)).isEqualTo(HEX.parseHex(signatureHex));
    assertThat(new Ed25519Sign(HEX.parseHex(seedHex)).sign(message)).isEqualTo(HEX.parseHex(signatureHex));
    id.verifyingKey().verify(message, HEX.parseHex(signatureHex), "rfc8032");
    assertThat(EdwardsTestMath.encode(EdwardsTestMath.multiply(EdwardsTestMath.secretScalar(HEX.parseHex(seedHex)), BASE)))
        .as("the test arithmetic agrees with the RFC").isEqualTo(HEX.parseHex(publicHex));
  }

  @Property(tries = 200)
  void signatures_equalTinks_andEachVerifiesTheOthers(
      @ForAll @Size(32) byte[] seed, @ForAll @Size(max = 1024) byte[] message) throws Exception {
    Identity ours = Identity.fromSeed(seed);
    Ed25519Sign.KeyPair tinkPair = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
    byte[] tinkSignature = new Ed25519Sign(seed).sign(message);
    byte[] ourSignature = ours.sign(message);

    assertThat(ours.verifyingKey().bytes()).isEqualTo(tinkPair.getPublicKey());
    assertThat(ourSignature).isEqualTo(tinkSignature);
    new Ed25519Verify(tinkPair.getPublicKey()).verify(ourSignature, message);
    ours.verifyingKey().verify(message, tinkSignature, "tink");
  }

  @Test
  void verify_aWrongMessageOrKeyOrSignature_isRefusedByBoth() {
    Identity id = Identity.generate(RANDOM);
    byte[] key = id.verifyingKey().bytes();
    byte[] message = "grant".getBytes();
    byte[] signature = id.sign(message);
    byte[] otherKey = Identity.generate(RANDOM).verifyingKey().bytes();
    for (int bit = 0; bit < 512; bit += 7) {
      byte[] bad = signature.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(oursAccepts(key, message, bad)).as("bit " + bit).isFalse();
      assertThat(tinkAccepts(key, message, bad)).as("bit " + bit).isFalse();
    }
    assertThat(oursAccepts(key, "grant!".getBytes(), signature)).isFalse();
    assertThat(oursAccepts(otherKey, message, signature)).isFalse();
    assertThat(oursAccepts(key, message, signature)).isTrue();
  }

  @Test
  void smallOrderKeys_areUnsound_andVerifyNothing() {
    for (String hex : SMALL_ORDER) {
      byte[] key = HEX.parseHex(hex);
      Point point = EdwardsTestMath.decode(key);
      assertThat(EdwardsTestMath.multiply(BigInteger.valueOf(8), point)).as(hex).isEqualTo(IDENTITY);
      assertThat(VerifyingKey.of(key).isSound()).as(hex).isFalse();
      assertThat(oursAccepts(key, new byte[] {1}, new byte[VerifyingKey.SIGNATURE_LENGTH])).isFalse();
    }
  }

  /** A real key plus a point of order 8: the holder's signatures are no use under it. */
  @Test
  void mixedOrderKey_isUnsound() {
    Identity id = Identity.generate(RANDOM);
    Point a = EdwardsTestMath.decode(id.verifyingKey().bytes());
    for (String hex : SMALL_ORDER) {
      Point t = EdwardsTestMath.decode(HEX.parseHex(hex));
      if (t.equals(IDENTITY)) {
        continue;
      }
      byte[] mixed = EdwardsTestMath.encode(EdwardsTestMath.add(a, t));
      assertThat(VerifyingKey.of(mixed).isSound()).as(hex).isFalse();
    }
  }

  /** y at or above p: the identity written as p + 1, and a point whose y is small written as y + p. */
  @Test
  void nonCanonicalKeyEncodings_areUnsound() {
    assertThat(VerifyingKey.of(EdwardsTestMath.littleEndian(P.add(BigInteger.ONE))).isSound()).isFalse();
    for (int y = 2; y < 19; y++) {
      byte[] canonical = EdwardsTestMath.littleEndian(BigInteger.valueOf(y));
      byte[] high = EdwardsTestMath.littleEndian(P.add(BigInteger.valueOf(y)));
      assertThat(VerifyingKey.of(high).isSound()).as("y = p + " + y).isFalse();
      // whichever y below 19 is a point at all is the same point as its high twin, which is refused
      assertThat(VerifyingKey.of(canonical).isSound() && VerifyingKey.of(high).isSound()).isFalse();
    }
  }

  /** S + L satisfies the same equation; RFC 8032 requires S < L, and both refuse it. */
  @Test
  void nonCanonicalS_isRefusedByBoth() {
    Identity id = Identity.generate(RANDOM);
    byte[] message = "m".getBytes();
    byte[] signature = id.sign(message);
    BigInteger s = EdwardsTestMath.fromLittleEndian(Arrays.copyOfRange(signature, 32, 64));
    byte[] bad = signature.clone();
    System.arraycopy(EdwardsTestMath.littleEndian(s.add(L)), 0, bad, 32, 32);
    assertThat(oursAccepts(id.verifyingKey().bytes(), message, bad)).isFalse();
    assertThat(tinkAccepts(id.verifyingKey().bytes(), message, bad)).isFalse();
  }

  /**
   * Someone without the key who adds a small-order point to the R of a genuine signature gets
   * nothing: k hashes R's bytes, so S no longer fits. Both libraries refuse.
   */
  @Test
  void thirdPartyTorsionInR_isRefusedByBoth() {
    Identity id = Identity.generate(RANDOM);
    byte[] message = "receipt".getBytes();
    byte[] signature = id.sign(message);
    Point r = EdwardsTestMath.decode(Arrays.copyOf(signature, 32));
    for (String hex : SMALL_ORDER) {
      Point t = EdwardsTestMath.decode(HEX.parseHex(hex));
      if (t.equals(IDENTITY)) {
        continue;
      }
      byte[] bad = signature.clone();
      System.arraycopy(EdwardsTestMath.encode(EdwardsTestMath.add(r, t)), 0, bad, 0, 32);
      assertThat(oursAccepts(id.verifyingKey().bytes(), message, bad)).as(hex).isFalse();
      assertThat(tinkAccepts(id.verifyingKey().bytes(), message, bad)).as(hex).isFalse();
    }
  }

  /**
   * The one place the libraries differ, pinned so it cannot change unnoticed: the key holder can
   * pick a nonce point R with a small-order component and compute S for it. Bouncy Castle checks
   * RFC 8032's cofactored equation [8][S]B = [8]R + [8][k]A and accepts; Tink checks [S]B = R + [k]A
   * and refuses. Making such a signature needs the private scalar, so it is no forgery; but parties
   * who must agree (a sequencer and its followers) must use the same rule, so {@link VerifyingKey#verify}
   * keeps Tink's, and only {@link VerifyingKey#verifyCofactored} (a key server's own check of a
   * request) takes Bouncy Castle's.
   */
  @Test
  void keyHolderCraftedTorsionInR_isAcceptedByTheCofactoredCheckOnly_andRefusedByTheLedgersCheck() {
    byte[] seed = new byte[32];
    RANDOM.nextBytes(seed);
    Identity id = Identity.fromSeed(seed);
    byte[] key = id.verifyingKey().bytes();
    BigInteger a = EdwardsTestMath.secretScalar(seed);
    byte[] message = "key holder".getBytes();
    for (String hex : SMALL_ORDER) {
      Point t = EdwardsTestMath.decode(HEX.parseHex(hex));
      if (t.equals(IDENTITY)) {
        continue;
      }
      BigInteger nonce = new BigInteger(256, RANDOM).mod(L);
      byte[] r = EdwardsTestMath.encode(EdwardsTestMath.add(EdwardsTestMath.multiply(nonce, BASE), t));
      BigInteger k = EdwardsTestMath.fromLittleEndian(EdwardsTestMath.sha512(r, key, message)).mod(L);
      byte[] signature = new byte[64];
      System.arraycopy(r, 0, signature, 0, 32);
      System.arraycopy(EdwardsTestMath.littleEndian(nonce.add(k.multiply(a)).mod(L)), 0, signature, 32, 32);

      VerifyingKey ours = VerifyingKey.of(key);
      assertThat(accepts(() -> ours.verifyCofactored(message, signature, "test"))).as(hex).isTrue();
      // the check everyone who must agree uses (the ledger) is the one every release has made
      assertThat(accepts(() -> ours.verify(message, signature, "test"))).as(hex).isFalse();
      assertThat(tinkAccepts(key, message, signature)).as(hex).isFalse();
    }
  }

  @Test
  void sign_afterDestroy_isRefused() {
    Identity id = Identity.generate(RANDOM);
    id.destroy();
    assertThatThrownBy(() -> id.sign(new byte[] {1})).isInstanceOf(IllegalStateException.class);
  }
}
