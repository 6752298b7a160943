package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.hybrid.HybridConfig2026;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.junit.jupiter.api.Test;

/**
 * The Bouncy Castle HPKE path against Tink's: what either seals, the other opens, for any
 * plaintext and context info; and what must not open does not.
 */
class HpkeInteropTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** One recipient for the properties: key generation is not what they test. */
  private static final HpkeKeyPair PAIR = HpkeKeyPair.generate();
  private static final HybridEncrypt TINK_SEAL = tinkEncrypt(PAIR.tinkKey());
  private static final HybridDecrypt TINK_OPEN = tinkDecrypt(PAIR.tinkKey());

  private static HybridEncrypt tinkEncrypt(HpkePrivateKey key) {
    try {
      return KeysetHandle.newBuilder()
          .addEntry(KeysetHandle.importKey(key.getPublicKey()).withRandomId().makePrimary())
          .build().getPrimitive(HybridConfig2026.get(), HybridEncrypt.class);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static HybridDecrypt tinkDecrypt(HpkePrivateKey key) {
    try {
      return KeysetHandle.newBuilder()
          .addEntry(KeysetHandle.importKey(key).withRandomId().makePrimary())
          .build().getPrimitive(HybridConfig2026.get(), HybridDecrypt.class);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  @Property(tries = 200)
  void open_ofWhatTinkSealed_givesThePlaintext(
      @ForAll @Size(max = 2048) byte[] plaintext, @ForAll @Size(max = 512) byte[] info) throws Exception {
    byte[] sealed = TINK_SEAL.encrypt(plaintext, info);
    assertThat(PAIR.open(sealed, info)).isEqualTo(plaintext);
  }

  @Property(tries = 200)
  void tinkOpens_whatSealSealed(
      @ForAll @Size(max = 2048) byte[] plaintext, @ForAll @Size(max = 512) byte[] info) throws Exception {
    byte[] sealed = PAIR.publicKey().seal(plaintext, info);
    assertThat(sealed).hasSize(HpkeSuite.ENC_LENGTH + plaintext.length + HpkeSuite.TAG_LENGTH);
    assertThat(TINK_OPEN.decrypt(sealed, info)).isEqualTo(plaintext);
    assertThat(PAIR.open(sealed, info)).isEqualTo(plaintext);
  }

  @Property(tries = 100)
  void open_ofAnyFlippedBit_fails(@ForAll @Size(min = 1, max = 64) byte[] plaintext, @ForAll int where) {
    byte[] info = "cachet/test".getBytes();
    byte[] sealed = PAIR.publicKey().seal(plaintext, info);
    int bit = Math.floorMod(where, sealed.length * 8);
    sealed[bit / 8] ^= (byte) (1 << (bit % 8));
    assertThatThrownBy(() -> PAIR.open(sealed, info)).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void open_underOtherInfo_orByAnotherKey_orTruncated_fails() {
    byte[] info = "cachet/share/v1 policy A".getBytes();
    byte[] sealed = PAIR.publicKey().seal(new byte[32], info);
    assertThatThrownBy(() -> PAIR.open(sealed, "cachet/share/v1 policy B".getBytes()))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("does not open");
    assertThatThrownBy(() -> PAIR.open(sealed, new byte[0])).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> HpkeKeyPair.generate().open(sealed, info)).isInstanceOf(GeneralSecurityException.class);
    for (int length : new int[] {0, 1, HpkeSuite.ENC_LENGTH, HpkeSuite.ENC_LENGTH + HpkeSuite.TAG_LENGTH - 1,
        sealed.length - 1}) {
      byte[] cut = Arrays.copyOf(sealed, length);
      assertThatThrownBy(() -> PAIR.open(cut, info)).isInstanceOf(GeneralSecurityException.class);
    }
    assertThatThrownBy(() -> PAIR.open(null, info)).isInstanceOf(GeneralSecurityException.class);
  }

  /** RFC 9180 section 7.1.4: a low-order encapsulated key gives the all-zero secret; open refuses it. */
  @Test
  void open_withALowOrderEncapsulatedKey_isRefused() {
    byte[] info = "i".getBytes();
    byte[] sealed = PAIR.publicKey().seal(new byte[32], info);
    for (String hex : X25519LowOrderTest.LOW_ORDER) {
      byte[] forged = sealed.clone();
      System.arraycopy(HexFormat.of().parseHex(hex), 0, forged, 0, HpkeSuite.ENC_LENGTH);
      assertThatThrownBy(() -> PAIR.open(forged, info))
          .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("low-order");
    }
  }

  /**
   * The seal refuses a low-order recipient on its own, below the check that stops such a key from
   * being made: Bouncy Castle's agreement fails on the all-zero shared secret.
   */
  @Test
  void seal_toALowOrderKey_isRefusedByTheSealItself() {
    for (String hex : X25519LowOrderTest.LOW_ORDER) {
      X25519PublicKeyParameters weak = new X25519PublicKeyParameters(HexFormat.of().parseHex(hex));
      assertThatThrownBy(() -> HpkeSuite.seal(weak, new byte[32], new byte[0]))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("low-order");
    }
  }

  @Test
  void keyPair_fromTinkAndBack_opensTheSame_andFromPrivateKeyMatchesTinksPublicKey() throws Exception {
    HpkeKeyPair fresh = HpkeKeyPair.generate();
    HpkeKeyPair reloaded = HpkeKeyPair.fromTink(fresh.tinkKey());
    assertThat(reloaded.publicKey()).isEqualTo(fresh.publicKey());
    assertThat(reloaded.tinkKey()).isSameAs(fresh.tinkKey());
    byte[] sealed = fresh.publicKey().seal(new byte[] {7}, new byte[] {9});
    assertThat(reloaded.open(sealed, new byte[] {9})).containsExactly(7);

    for (int i = 0; i < 20; i++) {
      byte[] priv = new byte[32];
      RANDOM.nextBytes(priv); // unclamped on purpose: both sides clamp
      HpkeKeyPair pair = HpkeKeyPair.fromPrivateKey(priv);
      assertThat(pair.publicKey().bytes()).isEqualTo(com.google.crypto.tink.subtle.X25519.publicFromPrivate(priv));
      assertThat(tinkDecrypt(pair.tinkKey()).decrypt(pair.publicKey().seal(priv, priv), priv)).isEqualTo(priv);
    }
  }

  /** A Bouncy Castle HPKE object is not thread-safe; seal and open must be, as callers share keys. */
  @Test
  void sealAndOpen_fromManyThreadsAtOnce_allRoundTrip() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            byte[] m = new byte[32];
            RANDOM.nextBytes(m);
            byte[] info = ("t" + i).getBytes();
            if (!Arrays.equals(PAIR.open(PAIR.publicKey().seal(m, info), info), m)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
