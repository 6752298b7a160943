package io.cachet.client.behaviour;

import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Requester;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerEvmConfig;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.EvmDeployment;
import io.cachet.policy.evm.EvmTestChain;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.web3j.crypto.Credentials;

/**
 * The behaviour suite's network on a real anvil: CachetPolicies and the blob registry deployed, key
 * servers with {@code chain = evm}. Time moves by {@code evm_setNextBlockTimestamp} + {@code
 * evm_mine} with the key servers' clock set to the same second. Writers are anvil's funded dev
 * accounts 1 to 3; readers are fresh EVM identities, which need no funds to read.
 */
public final class EvmBehaviourNetwork extends BehaviourNetwork {
  /** How often key servers ask the chain for its head. */
  private static final Duration POLL = Duration.ofMillis(100);
  /** A balance that pays any test's gas: 100 ether, in wei as anvil takes it. */
  static final String FUNDS = "0x56bc75e2d63100000";

  private final long confirmations;
  private final Map<Party, EvmIdentity> parties = new EnumMap<>(Party.class);
  EvmTestChain chain;
  EvmDeployment.Addresses contracts;

  private EvmBehaviourNetwork(Path dir, long confirmations, boolean liveClock) {
    super(dir, liveClock);
    this.confirmations = confirmations;
  }

  /** A network whose key servers and clients decide {@code confirmations} blocks below the head. */
  static EvmBehaviourNetwork start(Path dir, long confirmations) throws Exception {
    return start(dir, confirmations, Anvil.Options.defaults());
  }

  /**
   * A network on the wall clock, for programs that wait in real time (the examples): no confirmations,
   * blocks stamped by anvil's own clock. Writers with funds are {@link #fundedWriter}s.
   */
  public static EvmBehaviourNetwork startLive(Path dir) throws Exception {
    return start(dir, 0, Anvil.Options.defaults(), true);
  }

  static EvmBehaviourNetwork start(Path dir, long confirmations, Anvil.Options options) throws Exception {
    return start(dir, confirmations, options, false);
  }

  private static EvmBehaviourNetwork start(Path dir, long confirmations, Anvil.Options options, boolean live)
      throws Exception {
    EvmBehaviourNetwork n = new EvmBehaviourNetwork(dir, confirmations, live);
    try {
      n.chain = EvmTestChain.start(options);
      if (!live) {
        n.at(n.clock.millis());
      }
      n.contracts = EvmDeployment.deploy(n.chain.rpcUrl(), n.chain.chainId(),
          Credentials.create(Anvil.DEV_KEYS.get(0)));
      n.parties.put(Party.OWNER, dev(1, n.chain.chainId()));
      n.parties.put(Party.ADMIN, dev(2, n.chain.chainId()));
      n.parties.put(Party.STRANGER, dev(3, n.chain.chainId()));
      n.parties.put(Party.READER, EvmIdentity.generate(new SecureRandom()).onChain(n.chain.chainId()));
      n.parties.put(Party.OTHER, EvmIdentity.generate(new SecureRandom()).onChain(n.chain.chainId()));
      n.startKeyServers();
      n.startStorage();
      n.settle();
      return n;
    } catch (Exception e) {
      n.close();
      throw e;
    }
  }

  /** A new identity bound to the chain, given funds to pay for its writes (anvil_setBalance). */
  public EvmIdentity fundedWriter() throws IOException {
    EvmIdentity who = EvmIdentity.generate(new SecureRandom()).onChain(chain.chainId());
    chain.rpc("anvil_setBalance", who.address().evmHex(), FUNDS);
    return who;
  }

  private static EvmIdentity dev(int account, long chainId) throws FormatException {
    return EvmIdentity.fromHex(Anvil.DEV_KEYS.get(account)).onChain(chainId);
  }

  @Override
  KeyServerConfig keyServerConfig(int i) {
    return KeyServerConfig.defaultsEvm("ks-" + i, dir.resolve("ks-" + i),
        new KeyServerEvmConfig(chain.rpcUrl(), null, chain.chainId(), confirmations, POLL));
  }

  @Override
  String ledgerPart() {
    return "\"chain\":{\"kind\":\"evm\",\"rpcUrl\":\"" + chain.rpcUrl() + "\",\"chainId\":" + chain.chainId()
        + ",\"confirmations\":" + confirmations + ",\"policies\":\"" + contracts.policies() + "\",\"blobRegistry\":\""
        + contracts.blobRegistry() + "\"},";
  }

  @Override
  Requester requester(Party who) {
    return parties.get(who);
  }

  EvmIdentity evmRequester(Party who) {
    return parties.get(who);
  }

  @Override
  void at(long epochMillis) throws Exception {
    if (epochMillis % 1000 != 0) {
      throw new IllegalArgumentException("EVM block time is whole seconds: " + epochMillis);
    }
    clock.set(epochMillis);
    chain.setNextBlockTimestamp(epochMillis / 1000);
    chain.mine(1);
    if (!keyServers.isEmpty()) {
      settle();
    }
  }

  /** Mines {@code n} blocks one second apart, the clock kept in step; key servers caught up. */
  void mine(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      at((Math.max(clock.millis(), chain.timestamp(chain.head()) * 1000) / 1000 + 1) * 1000);
    }
  }

  @Override
  long confirmations() {
    return confirmations;
  }

  @Override
  long timeUnitMillis() {
    return 1000;
  }

  @Override
  void closeLedger() {
    if (chain != null) {
      chain.close();
    }
  }
}
