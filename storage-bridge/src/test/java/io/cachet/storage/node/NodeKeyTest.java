package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.google.crypto.tink.subtle.Ed25519Verify;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node key signs as RFC 8032 says, byte for byte as Tink does, whose checks the ledger and the
 * gateway make of a node's confirmations; and the trust a node gives publishers' keys.
 */
class NodeKeyTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path dir;

  @Test
  void sign_rfc8032TestVector1() {
    NodeKey key = NodeKey.fromSeed(HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    assertThat(HEX.formatHex(key.publicKey())).isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assertThat(HEX.formatHex(key.sign(new byte[0]))).isEqualTo("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
        + "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  }

  @Test
  void sign_givesTinksBytes_andTinkVerifiesThem() throws Exception {
    Random random = new Random(16);
    for (int i = 0; i < 50; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      byte[] message = new byte[random.nextInt(300)];
      random.nextBytes(message);
      NodeKey key = NodeKey.fromSeed(seed);
      Ed25519Sign.KeyPair tink = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
      assertThat(key.publicKey()).isEqualTo(tink.getPublicKey());
      byte[] signature = key.sign(message);
      assertThat(signature).isEqualTo(new Ed25519Sign(tink.getPrivateKey()).sign(message));
      new Ed25519Verify(key.publicKey()).verify(signature, message);
    }
  }

  @Test
  void generate_makesDistinctKeys_thatSign() throws Exception {
    NodeKey a = NodeKey.generate();
    NodeKey b = NodeKey.generate();
    assertThat(a.publicKey()).isNotEqualTo(b.publicKey());
    new Ed25519Verify(a.publicKey()).verify(a.sign(new byte[] {1, 2, 3}), new byte[] {1, 2, 3});
  }

  @Test
  void destroy_zeroesTheSeed_andTheKeySignsNoMore() {
    NodeKey key = NodeKey.generate();
    key.destroy();
    assertThat(key.seed()).containsOnly(0);
    assertThatThrownBy(() -> key.sign(new byte[1])).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("destroyed");
  }

  @Test
  void fromSeed_ofAnotherLength_isRefused() {
    assertThatThrownBy(() -> NodeKey.fromSeed(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeKey.fromSeed(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void publisherTrust_refusesToTrustAKeyOfSmallOrder_orOfAnotherLength() throws Exception {
    long now = System.currentTimeMillis();
    byte[] good = NodeKey.generate().publicKey();
    new PublisherTrust(List.of(good), () -> now, dir);
    // y = 0 (order 4), the neutral element (y = 1), and a key that is not 32 bytes
    byte[] identity = new byte[32];
    identity[0] = 1;
    for (byte[] bad : List.of(new byte[32], identity, new byte[31])) {
      assertThatThrownBy(() -> new PublisherTrust(List.of(good, bad), () -> now, dir))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid Ed25519 public key");
    }
  }
}
