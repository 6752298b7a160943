package io.cachet.examples;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.PolicyChains;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.policy.PolicyChain;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Who acts in an example, as the network's chain needs them: on the embedded ledger fresh Ed25519
 * identities; on an EVM chain fresh EVM identities bound to the chain, except writers, who pay for
 * their transactions and so come from keys with funds (given by the caller, or by the environment).
 */
public final class Parties {
  /** Environment variable with funded EVM private keys (hex, comma-separated) for writers on an EVM chain. */
  public static final String EVM_KEYS_ENV = "CACHET_EVM_KEYS";

  private final ClientConfig network;
  private final SecureRandom random = new SecureRandom();
  private final Deque<Requester> writers;

  private Parties(ClientConfig network, List<? extends Requester> writers) {
    this.network = network;
    this.writers = new ArrayDeque<>(writers);
  }

  /** Parties for an embedded-ledger network, or for an EVM one with funded writers in {@link #EVM_KEYS_ENV}. */
  public static Parties fromEnvironment(ClientConfig network) throws FormatException {
    if (!network.chain().isEvm()) {
      return new Parties(network, List.of());
    }
    String keys = System.getenv(EVM_KEYS_ENV);
    if (keys == null || keys.isBlank()) {
      throw new IllegalArgumentException("on an EVM chain a writer pays for its transactions: set " + EVM_KEYS_ENV
          + " to funded private keys (hex, comma-separated; on a local anvil its dev accounts)");
    }
    List<EvmIdentity> funded = new ArrayList<>();
    for (String k : keys.split(",")) {
      funded.add(EvmIdentity.fromHex(k).onChain(network.chain().chainId()));
    }
    return new Parties(network, funded);
  }

  /** Parties on an EVM chain whose writers are {@code funded}, in order. */
  public static Parties evm(ClientConfig network, List<EvmIdentity> funded) {
    return new Parties(network, funded);
  }

  /** The next writer: one that may create policies and grant. */
  public Requester writer() {
    if (!network.chain().isEvm()) {
      return Identity.generate(random);
    }
    Requester next = writers.poll();
    if (next == null) {
      throw new IllegalStateException("no funded writer left: give one more key");
    }
    return next;
  }

  /** A new reader, who needs no funds. */
  public Requester reader() {
    return network.chain().isEvm() ? EvmIdentity.generate(random).onChain(network.chain().chainId())
        : Identity.generate(random);
  }

  /** A client acting as {@code who} on {@code network}, on whichever chain it names. */
  public static CachetClient open(ClientConfig network, Requester who) {
    if (who instanceof Identity identity) {
      return CachetClient.open(network, identity);
    }
    PolicyChain chain = PolicyChains.open(network, who);
    try {
      return CachetClient.open(network, chain, who, Clock.systemUTC(), null);
    } catch (RuntimeException e) {
      chain.close();
      throw e;
    }
  }
}
