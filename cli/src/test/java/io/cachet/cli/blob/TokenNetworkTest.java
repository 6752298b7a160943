package io.cachet.cli.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.ChainDescriptor;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A share token's network against the reader's, when one or both name an EVM chain (no ledger URL, no sequencer). */
class TokenNetworkTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Identity KEY_SERVER = Identity.generate(RANDOM);
  static final URI HERE = URI.create("http://127.0.0.1:7001");

  static ClientConfig.Builder base() {
    return ClientConfig.builder().keyServer("ks-1", HERE, KEY_SERVER.verifyingKey()).threshold(1).storage(HERE, HERE);
  }

  static ClientConfig embedded() {
    return base().ledger(URI.create("http://127.0.0.1:7000"), "cachet-devnet",
        Identity.generate(RANDOM).verifyingKey()).build();
  }

  static ClientConfig evm(int contractByte) {
    byte[] raw = new byte[20];
    raw[19] = (byte) contractByte;
    Address policies = Address.ofEvm(raw);
    return base().chain(ChainDescriptor.evm(URI.create("http://127.0.0.1:8545"), 31337, 0, policies, policies))
        .build();
  }

  @Test
  void differences_betweenAnEmbeddedAndAnEvmNetwork_nameTheChain_withoutFailing() {
    List<String> out = TokenNetwork.differences(embedded(), evm(1));
    assertThat(out).anySatisfy(d -> assertThat(d).startsWith("chain: yours is embedded, the token's evm chain 31337"));
    assertThat(out).anySatisfy(d -> assertThat(d).contains("ledger.url: yours is http://127.0.0.1:7000, the token's none"));
  }

  @Test
  void differences_betweenTwoEvmNetworks_nameTheContract() {
    assertThat(TokenNetwork.differences(evm(1), evm(1))).isEmpty();
    assertThat(TokenNetwork.differences(evm(1), evm(2))).anySatisfy(d -> assertThat(d).startsWith("chain.policies:"));
  }
}
