package io.cachet.client.behaviour;

import static io.cachet.client.behaviour.BehaviourNetwork.Party.OTHER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.OWNER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.READER;
import static io.cachet.client.behaviour.StoredFiles.RELEASED;
import static io.cachet.client.behaviour.StoredFiles.openAs;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.behaviour.StoredFiles.Put;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.KeyServer;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.Window;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key servers and clients deciding two blocks below anvil's head: a grant that a reorg orphans
 * (anvil reverted to before it, other blocks mined at its height and past its confirmation depth)
 * is never released on, through the real key servers and the client; a grant the reorg keeps is.
 */
class EvmReorgTest {
  /** How deep a block must be before key servers decide on it. */
  private static final int CONFIRMATIONS = 2;

  @TempDir static Path dir;
  private static EvmBehaviourNetwork net;

  @BeforeAll
  static void start() throws Exception {
    net = EvmBehaviourNetwork.start(dir, CONFIRMATIONS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  @Test
  void grantOrphanedByAReorg_isNeverReleasedOn() throws Exception {
    net.freshTime();
    PolicyId list = net.chainAs(OWNER).createAllowList();
    net.chainAs(OWNER).grant(list, net.address(OTHER), Window.ALWAYS);
    net.mine(CONFIRMATIONS);
    Put put = StoredFiles.put(net, OWNER, new PolicyRef(net.chainAs(OWNER).envelopeLedgerId(), list));
    assertThat(openAs(net, OTHER, put)).as("a confirmed grant").isEqualTo(RELEASED);

    String beforeGrant = net.chain.snapshot();
    long grant = net.chainAs(OWNER).grant(list, net.address(READER), Window.ALWAYS);
    net.mine(CONFIRMATIONS - 1);
    assertThat(net.chain.head()).isEqualTo(grant + CONFIRMATIONS - 1);
    assertThat(openAs(net, READER, put)).as("a grant one block short of its confirmations")
        .isEqualTo("NOT_A_MEMBER");

    net.chain.revert(beforeGrant);
    net.mine(CONFIRMATIONS + 1);
    assertThat(net.chain.head()).as("the chain grew past the orphaned grant's height")
        .isGreaterThanOrEqualTo(grant + CONFIRMATIONS);
    for (KeyServer s : net.keyServers) {
      assertThat(s.ledgerHeight()).isGreaterThanOrEqualTo(grant);
    }
    assertThat(openAs(net, READER, put)).as("the orphaned grant").isEqualTo("NOT_A_MEMBER");
    assertThat(openAs(net, OTHER, put)).as("the grant the reorg kept").isEqualTo(RELEASED);
  }
}
