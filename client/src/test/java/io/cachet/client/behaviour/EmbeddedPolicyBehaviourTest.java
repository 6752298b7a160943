package io.cachet.client.behaviour;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour suite on the embedded ledger: a real sequencer, ledger server and key servers. */
class EmbeddedPolicyBehaviourTest extends PolicyBehaviourSuite {
  @TempDir static Path dir;
  private static EmbeddedBehaviourNetwork network;

  @BeforeAll
  static void start() throws Exception {
    network = EmbeddedBehaviourNetwork.start(dir);
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
