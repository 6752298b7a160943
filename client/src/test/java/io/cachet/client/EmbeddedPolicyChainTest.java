package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TimeLock;
import io.cachet.policy.TokenGate;
import io.cachet.policy.Window;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded ledger behind {@link PolicyChain}, against a real sequencer, key servers and storage on loopback. */
class EmbeddedPolicyChainTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Address CONTRACT = Address.ofEvm(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
      18, 19, 20});

  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static final Identity OWNER = Identity.generate(RANDOM);
  static final Identity ADMIN = Identity.generate(RANDOM);
  static final Identity HEIR = Identity.generate(RANDOM);
  static final Identity READER = Identity.generate(RANDOM);

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
  }

  @Test
  void admins_addedByTheOwner_grant_andOnceRemoved_areRefusedNotAuthorized() throws Exception {
    try (PolicyChain owner = PolicyChains.open(config, OWNER); PolicyChain admin = PolicyChains.open(config, ADMIN)) {
      PolicyId list = owner.createAllowList();
      long added = owner.addAdmin(list, ADMIN.address());
      assertThat(owner.policy(list).admins()).containsExactly(ADMIN.address());
      long granted = admin.grant(list, READER.address(), Window.ALWAYS);
      assertThat(granted).isGreaterThan(added);
      assertThat(((AllowList) admin.policy(list)).members()).containsKey(READER.address());
      owner.removeAdmin(list, ADMIN.address());
      assertThat(owner.policy(list).admins()).isEmpty();
      assertThatThrownBy(() -> admin.revoke(list, READER.address()))
          .isInstanceOfSatisfying(LedgerRefusedException.class, e -> assertThat(e.reason()).isEqualTo("NOT_AUTHORIZED"));
    }
  }

  @Test
  void transferOwnership_movesTheOwner_andTheOldOwnerLosesTheRightToChangeIt() throws Exception {
    try (PolicyChain owner = PolicyChains.open(config, OWNER); PolicyChain heir = PolicyChains.open(config, HEIR)) {
      PolicyId list = owner.createAllowList();
      owner.transferOwnership(list, HEIR.address());
      assertThat(heir.policy(list).owner()).isEqualTo(HEIR.address());
      heir.grant(list, READER.address(), Window.ALWAYS);
      assertThatThrownBy(() -> owner.revoke(list, READER.address()))
          .isInstanceOfSatisfying(LedgerRefusedException.class, e -> assertThat(e.reason()).isEqualTo("NOT_AUTHORIZED"));
    }
  }

  @Test
  void createTimeLock_andHead_readBackFromTheLedger() throws Exception {
    try (PolicyChain owner = PolicyChains.open(config, OWNER)) {
      Instant opens = Instant.ofEpochMilli(4_102_444_800_000L);
      PolicyId lock = owner.createTimeLock(opens);
      assertThat(owner.policy(lock)).isInstanceOfSatisfying(TimeLock.class,
          t -> assertThat(t.unlockAt()).isEqualTo(opens.toEpochMilli()));
      PolicyChain.Head head = owner.head();
      assertThat(head.height()).isPositive();
      assertThat(head.timeMillis()).isPositive();
      assertThat(owner.ledgerId()).isEqualTo(config.ledgerId()).isEqualTo(owner.envelopeLedgerId());
      assertThat(owner.address()).isEqualTo(OWNER.address());
    }
  }

  @Test
  void policy_thatIsNotOnTheLedger_isUnknownPolicy() throws Exception {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    try (PolicyChain owner = PolicyChains.open(config, OWNER)) {
      assertThatThrownBy(() -> owner.policy(PolicyId.of(raw))).isInstanceOfSatisfying(LedgerRefusedException.class,
          e -> assertThat(e.reason()).isEqualTo(UnknownPolicyException.REASON));
    }
  }

  @Test
  void tokenGatesAndComposites_onTheEmbeddedLedger_areUnsupported_namingTheWayToAnEvmChain() throws Exception {
    try (PolicyChain owner = PolicyChains.open(config, OWNER)) {
      assertThatThrownBy(() -> owner.createTokenGate(TokenGate.Standard.ERC721, CONTRACT, BigInteger.ONE))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("token gates need an EVM chain")
          .hasMessageContaining("cachet devnet up --chain evm");
      PolicyRef part = new PolicyRef(config.ledgerId(), owner.createAllowList());
      assertThatThrownBy(() -> owner.createComposite(Composite.Mode.ALL_OF, List.of(part)))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("need an EVM chain");
    }
  }

  @Test
  void policyChainsOpen_onAnEvmDescriptor_asAnEd25519Identity_isRefusedNamingTheFix() throws Exception {
    ObjectNode root = (ObjectNode) new ObjectMapper().readTree(net.descriptor(Map.of()));
    root.remove("ledger");
    root.set("chain", new ObjectMapper().createObjectNode().put("kind", "evm").put("rpcUrl", "http://127.0.0.1:8545")
        .put("chainId", 31337).put("policies", CONTRACT.toString()).put("blobRegistry", CONTRACT.toString()));
    ClientConfig evm = ClientConfig.parse(root.toString());
    assertThatThrownBy(() -> PolicyChains.open(evm, OWNER)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes an EVM identity").hasMessageContaining("cachet id new NAME --evm");
  }

  @Test
  void theClient_feedsTheHeightOfItsGrantsToItsKeyFetches_andOpensThroughTheChain() throws Exception {
    try (CachetClient owner = CachetClient.open(config, OWNER); CachetClient reader = CachetClient.open(config, READER)) {
      PolicyId list = owner.createAllowList();
      long height = owner.grant(list, READER.address(), Window.ALWAYS);
      assertThat(owner.knownLedgerHeight()).isEqualTo(height);
      assertThat(owner.policies().policy(list)).isEqualTo(owner.policy(list));
      byte[] plain = "sealed under the chain's own ledger id".getBytes();
      StoredObject stored = owner.put(new ByteArrayInputStream(plain), plain.length,
          new PolicyRef(owner.policies().envelopeLedgerId(), list), 2);
      assertThat(reader.header(stored.blobId()).ledgerId()).isEqualTo(config.ledgerId());
      try (var in = reader.open(stored.blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(plain);
      }
    }
  }

  @Test
  void put_underAPolicyContract_onTheEmbeddedLedger_isRefusedBeforeAByteIsRead() throws Exception {
    try (CachetClient owner = CachetClient.open(config, OWNER)) {
      PolicyId list = owner.createAllowList();
      PolicyRef elsewhere = new PolicyRef(new EvmLedgerId(31337, CONTRACT).toString(), list);
      ByteArrayInputStream in = new ByteArrayInputStream(new byte[10]);
      assertThatThrownBy(() -> owner.put(in, 10, elsewhere, 2)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs an EVM chain");
      assertThat(in.available()).isEqualTo(10);
    }
  }

  @Test
  void open_withAChainAndARequester_works_andRefusesAChainActingAsSomeoneElse() throws Exception {
    try (PolicyChain other = PolicyChains.open(config, ADMIN)) {
      assertThatThrownBy(() -> CachetClient.open(config, other, OWNER, java.time.Clock.systemUTC(), null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one client acts as one identity");
    }
    try (CachetClient owner = CachetClient.open(config, PolicyChains.open(config, OWNER), OWNER,
        java.time.Clock.systemUTC(), null)) {
      PolicyId list = owner.createAllowList();
      assertThat(owner.grant(list, OWNER.address(), Window.ALWAYS)).isEqualTo(owner.knownLedgerHeight());
      byte[] plain = "through a chain given".getBytes();
      StoredObject stored = owner.put(new ByteArrayInputStream(plain), plain.length, list, 2);
      assertThat(stored.warnings()).isEmpty();
      try (var in = owner.open(stored.blobId())) {
        assertThat(in.readAllBytes()).isEqualTo(plain);
      }
    }
  }
}
