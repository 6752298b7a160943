package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

class EvmIdentityTest {
  /** anvil's first dev account. */
  static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
  static final String ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

  @Test
  void address_ofAnvilDevKey_isItsKnownAccount() throws Exception {
    EvmIdentity id = EvmIdentity.fromHex(ANVIL_KEY);
    assertThat(id.address().toString()).isEqualTo(ANVIL_ADDRESS);
    assertThat(id.address().isEvm()).isTrue();
    assertThat(id.credentials().getAddress()).isEqualTo(ANVIL_ADDRESS.toLowerCase());
  }

  @Test
  void address_ofGeneratedKey_agreesWithWeb3j() {
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < 20; i++) {
      EvmIdentity id = EvmIdentity.generate(random);
      String web3j = Keys.getAddress(id.credentials().getEcKeyPair());
      assertThat(id.address().evmHex()).isEqualTo("0x" + web3j);
    }
  }

  @Test
  void fromHex_acceptsWalletSpellings() throws Exception {
    String bare = ANVIL_KEY.substring(2);
    assertThat(EvmIdentity.fromHex(bare + "\n").address()).isEqualTo(EvmIdentity.fromHex(ANVIL_KEY).address());
    assertThat(EvmIdentity.fromHex("0X" + bare.toUpperCase()).address().toString()).isEqualTo(ANVIL_ADDRESS);
  }

  @Test
  void fromHex_refusesZeroShortAndOutOfRangeKeys() {
    assertThatThrownBy(() -> EvmIdentity.fromHex("0x" + "00".repeat(32))).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> EvmIdentity.fromHex("0x1234")).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> EvmIdentity.fromHex("0x" + "ff".repeat(32))).isInstanceOf(FormatException.class);
  }

  @Test
  void toString_neverPrintsTheSecret() throws Exception {
    EvmIdentity id = EvmIdentity.fromHex(ANVIL_KEY);
    assertThat(id.toString()).contains(ANVIL_ADDRESS).doesNotContain(ANVIL_KEY.substring(2, 12));
  }

  @Test
  void destroy_zeroesTheKeyAndRefusesToSign() throws Exception {
    EvmIdentity id = EvmIdentity.fromHex(ANVIL_KEY);
    id.destroy();
    assertThat(id.isDestroyed()).isTrue();
    assertThatThrownBy(() -> id.signDigest(new byte[32])).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(id::credentials).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(id::privateKey).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void onChain_isAnIndependentCopy() throws Exception {
    EvmIdentity id = EvmIdentity.fromHex(ANVIL_KEY);
    EvmIdentity bound = id.onChain(31337);
    assertThat(bound.chainId()).isEqualTo(31337);
    assertThat(bound.address()).isEqualTo(id.address());
    bound.destroy();
    assertThat(id.signDigest(new byte[32])).hasSize(EvmSignatures.LENGTH);
  }

  @Test
  void certify_unboundIdentity_saysToBindAChain() throws Exception {
    EvmIdentity id = EvmIdentity.fromHex(ANVIL_KEY);
    assertThatThrownBy(() -> id.certify(VerifyingKey.of(new byte[32]), Instant.EPOCH,
        Duration.ofMinutes(1), List.of("ks-1")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("onChain");
  }
}
