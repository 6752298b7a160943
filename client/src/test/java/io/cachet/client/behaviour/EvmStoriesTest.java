package io.cachet.client.behaviour;

import static io.cachet.client.behaviour.BehaviourNetwork.Party.OTHER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.OWNER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.READER;
import static io.cachet.client.behaviour.BehaviourNetwork.Party.STRANGER;
import static io.cachet.client.behaviour.StoredFiles.RELEASED;
import static io.cachet.client.behaviour.StoredFiles.openAs;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.behaviour.StoredFiles.Put;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TokenGate;
import io.cachet.policy.Window;
import io.cachet.policy.evm.EvmPolicyLedger;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * What only an EVM chain has, end to end on a real anvil with real key servers ({@code chain = evm})
 * and files put and opened through the client: token gates, composites (also over an app's own
 * {@code ICachetPolicy} contract), files sealed under an app's contract, and the binding of a share
 * to the contract its envelope names.
 * Its time goes to anvil's blocks, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EvmStoriesTest")
class EvmStoriesTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** {@code SettablePolicy}'s first app-defined reason code: key servers call it DENIED_BY_POLICY. */
  private static final int APP_DENIAL = 64;

  @TempDir static Path dir;
  private static EvmBehaviourNetwork net;
  private static EvmTestContracts tokens;

  @BeforeAll
  static void start() throws Exception {
    net = EvmBehaviourNetwork.start(dir, 0);
    tokens = new EvmTestContracts(net.chain);
  }

  @AfterAll
  static void stop() throws Exception {
    if (tokens != null) {
      tokens.close();
    }
    if (net != null) {
      net.close();
    }
  }

  private static PolicyChain owner() throws Exception {
    return net.chainAs(OWNER);
  }

  private static PolicyRef stock(PolicyId id) throws Exception {
    return new PolicyRef(owner().envelopeLedgerId(), id);
  }

  private static Put put(PolicyRef policy) throws Exception {
    return StoredFiles.put(net, OWNER, policy);
  }

  @Test
  void erc721Gate_mintGrantsFromItsBlock_andTransferringItAwayRemovesAccess() throws Exception {
    net.freshTime();
    Address nft = tokens.deploy("TestNft");
    PolicyId gate = owner().createTokenGate(TokenGate.Standard.ERC721, nft, BigInteger.ONE);
    Put put = put(stock(gate));
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo("NOT_A_HOLDER");

    tokens.mint(nft, net.address(READER), 7);
    net.settle();
    assertThat(openAs(net, READER, put)).as("holding the token from the minting block").isEqualTo(RELEASED);

    tokens.transferNft(nft, net.evmRequester(READER), net.address(OTHER), 7);
    net.settle();
    assertThat(openAs(net, READER, put)).as("the token moved away").isEqualTo("NOT_A_HOLDER");
    assertThat(openAs(net, OTHER, put)).as("its new holder").isEqualTo(RELEASED);
  }

  @Test
  void erc20Gate_releasesAtTheMinimumBalance_notBelow() throws Exception {
    net.freshTime();
    Address token = tokens.deploy("TestToken");
    PolicyId gate = owner().createTokenGate(TokenGate.Standard.ERC20, token, BigInteger.valueOf(100));
    Put put = put(stock(gate));
    tokens.mint(token, net.address(READER), 99);
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo("NOT_A_HOLDER");
    tokens.mint(token, net.address(READER), 1);
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo(RELEASED);
  }

  @Test
  void allOf_allowListAndTokenGate_needsBoth() throws Exception {
    net.freshTime();
    Address nft = tokens.deploy("TestNft");
    PolicyId list = owner().createAllowList();
    PolicyId gate = owner().createTokenGate(TokenGate.Standard.ERC721, nft, BigInteger.ONE);
    PolicyId both = owner().createComposite(Composite.Mode.ALL_OF, List.of(stock(list), stock(gate)));
    owner().grant(list, net.address(READER), Window.ALWAYS);
    tokens.mint(nft, net.address(OTHER), 8);
    Put put = put(stock(both));
    net.settle();
    assertThat(openAs(net, READER, put)).as("a member without the token").isEqualTo("NOT_A_HOLDER");
    assertThat(openAs(net, OTHER, put)).as("a holder who is no member").isEqualTo("NOT_A_MEMBER");

    tokens.mint(nft, net.address(READER), 9);
    net.settle();
    assertThat(openAs(net, READER, put)).as("a member holding the token").isEqualTo(RELEASED);
  }

  @Test
  void anyOf_timeLockOrAllowList_eitherOpens() throws Exception {
    long start = net.freshTime();
    long unlockAt = start + PolicyBehaviourSuite.LEAD_MILLIS;
    PolicyId lock = owner().createTimeLock(Instant.ofEpochMilli(unlockAt));
    PolicyId list = owner().createAllowList();
    PolicyId either = owner().createComposite(Composite.Mode.ANY_OF, List.of(stock(lock), stock(list)));
    owner().grant(list, net.address(READER), Window.ALWAYS);
    Put put = put(stock(either));
    net.settle();

    net.at(unlockAt - 1000);
    assertThat(openAs(net, READER, put)).as("a member before the unlock").isEqualTo(RELEASED);
    assertThat(openAs(net, OTHER, put)).as("the first part's refusal").isEqualTo("LOCKED");
    net.at(unlockAt);
    assertThat(openAs(net, OTHER, put)).as("anyone once unlocked").isEqualTo(RELEASED);
  }

  @Test
  void composite_withAPartInAnAppsOwnContract_followsThatContractsAnswers() throws Exception {
    net.freshTime();
    Address app = net.chain.deploy("SettablePolicy");
    PolicyId appPolicy = PolicyId.random(RANDOM);
    PolicyRef appPart = new PolicyRef(new EvmLedgerId(net.chain.chainId(), app).toString(), appPolicy);
    PolicyId list = owner().createAllowList();
    PolicyId both = owner().createComposite(Composite.Mode.ALL_OF, List.of(stock(list), appPart));
    owner().grant(list, net.address(READER), Window.ALWAYS);
    Put put = put(stock(both));
    net.settle();
    assertThat(openAs(net, READER, put)).as("the app's contract knows no such policy yet")
        .isEqualTo("UNKNOWN_POLICY");

    net.chain.set(app, appPolicy, net.address(READER), 0, EvmPolicyLedger.NEVER);
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo(RELEASED);

    net.chain.set(app, appPolicy, net.address(READER), APP_DENIAL, BigInteger.ZERO);
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo("DENIED_BY_POLICY");
  }

  @Test
  void evmReader_opensAFileByteForByte_andAStrangerCannot() throws Exception {
    net.freshTime();
    PolicyId list = owner().createAllowList();
    owner().grant(list, net.address(READER), Window.ALWAYS);
    Put put = put(stock(list));
    net.settle();
    assertThat(put.stored().warnings()).as("the owner is warned it cannot read its own file").isNotEmpty();
    assertThat(openAs(net, READER, put)).isEqualTo(RELEASED);
    assertThat(openAs(net, STRANGER, put)).isEqualTo("NOT_A_MEMBER");
    assertThat(openAs(net, OTHER, put)).isEqualTo("NOT_A_MEMBER");
  }

  @Test
  void fileUnderAnAppsContract_opensForWhomTheContractAllows() throws Exception {
    net.freshTime();
    Address app = net.chain.deploy("SettablePolicy");
    PolicyId policy = PolicyId.random(RANDOM);
    net.chain.set(app, policy, net.address(READER), 0, EvmPolicyLedger.NEVER);
    Put put = put(new PolicyRef(new EvmLedgerId(net.chain.chainId(), app).toString(), policy));
    net.settle();
    assertThat(openAs(net, READER, put)).isEqualTo(RELEASED);
    assertThat(openAs(net, OTHER, put)).isEqualTo("UNKNOWN_POLICY");
  }

  /**
   * An envelope sealed under contract X, rewritten to name contract Y (which allows the reader the
   * same policy id), is stored as a blob of its own: the key servers decide on Y and allow, but the
   * shares were sealed to a context naming X, so none opens (CONTEXT_MISMATCH) and the reader gets
   * no key.
   */
  @Test
  void envelopeSealedUnderOneContract_movedToAnother_doesNotOpen() throws Exception {
    net.freshTime();
    Address x = net.chain.deploy("SettablePolicy");
    Address y = net.chain.deploy("SettablePolicy");
    PolicyId policy = PolicyId.random(RANDOM);
    net.chain.set(x, policy, net.address(READER), 0, EvmPolicyLedger.NEVER);
    net.chain.set(y, policy, net.address(READER), 0, EvmPolicyLedger.NEVER);
    Put underX = put(new PolicyRef(new EvmLedgerId(net.chain.chainId(), x).toString(), policy));
    net.settle();
    assertThat(openAs(net, READER, underX)).isEqualTo(RELEASED);

    Put underY = StoredFiles.rewritten(net, underX,
        new EvmLedgerId(net.chain.chainId(), x).toString().getBytes(StandardCharsets.US_ASCII),
        new EvmLedgerId(net.chain.chainId(), y).toString().getBytes(StandardCharsets.US_ASCII));
    assertThat(openAs(net, READER, underY)).as("every share was sealed to a context naming contract X")
        .isEqualTo("CONTEXT_MISMATCH");
  }
}
