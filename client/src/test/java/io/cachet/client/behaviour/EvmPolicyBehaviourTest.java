package io.cachet.client.behaviour;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour suite on a real anvil: CachetPolicies deployed, key servers with {@code chain =
 * evm} and no confirmations, readers with EVM identities signing EIP-712 session certificates.
 */
class EvmPolicyBehaviourTest extends PolicyBehaviourSuite {
  @TempDir static Path dir;
  private static EvmBehaviourNetwork network;

  @BeforeAll
  static void start() throws Exception {
    network = EvmBehaviourNetwork.start(dir, 0);
  }

  @AfterAll
  static void stop() throws Exception {
    if (network != null) {
      network.close();
    }
  }

  @Override
  BehaviourNetwork net() {
    return network;
  }
}
