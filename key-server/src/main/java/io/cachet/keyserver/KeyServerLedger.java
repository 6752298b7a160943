package io.cachet.keyserver;

import io.cachet.policy.Follower;
import io.cachet.policy.FollowerStore;
import io.cachet.policy.PolicyLedger;
import io.cachet.policy.PolicyLedger.LedgerView;
import io.cachet.policy.evm.EvmPolicyLedger;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * The one place a key server's chain is chosen: the embedded ledger's {@link Follower} for
 * {@code chain = embedded}, an {@link EvmPolicyLedger} for {@code chain = evm}. Everything else in
 * the key server sees a {@link PolicyLedger}, a view and heights to wait for.
 */
final class KeyServerLedger implements AutoCloseable {
  private final PolicyLedger ledger;
  private final Follower follower;
  private final EvmPolicyLedger evm;

  private KeyServerLedger(Follower follower, EvmPolicyLedger evm) {
    this.follower = follower;
    this.evm = evm;
    this.ledger = follower != null ? follower : evm;
  }

  /**
   * Starts following the configured chain; blocks (the EVM chain id check, the follower's stored
   * blocks): call it off the event loops.
   *
   * @param ledgerDir where the embedded ledger's follower keeps its blocks
   * @throws IOException if the chain cannot be followed (for EVM: an RPC reports another chain id)
   */
  static KeyServerLedger start(Vertx vertx, KeyServerConfig config, Clock clock, Path ledgerDir) throws IOException {
    if (config.evm() != null) {
      return new KeyServerLedger(null, EvmPolicyLedger.start(config.evm().ledgerConfig(clock,
          config.ledgerClockTolerance())));
    }
    // resumes from its stored blocks and snapshot, and keeps what it applies for a sequencer's recovery
    return new KeyServerLedger(Follower.start(vertx, new Follower.Config(config.ledgerUrl(), config.ledgerId(),
        config.sequencerKey(), config.ledgerPollWait(), clock, config.ledgerClockTolerance(),
        config.genesisDigestBytes()), ledgerDir), null);
  }

  /** What the releaser decides with. */
  PolicyLedger ledger() {
    return ledger;
  }

  LedgerView view() {
    return ledger.view();
  }

  /** Completes once the view's height reaches {@code height}; fails when closed. */
  CompletableFuture<Long> awaitHeight(long height) {
    return follower != null ? follower.awaitHeight(height) : evm.awaitHeight(height);
  }

  /** The embedded follower's stored blocks, served at {@code /v1/blocks}; null on an EVM chain. */
  FollowerStore store() {
    return follower != null ? follower.store() : null;
  }

  /** Whether this ledger can no longer decide (a follower halted on an invalid block). */
  boolean halted() {
    return follower != null && follower.status().halted();
  }

  /** Whether a block stamped ahead of this server's clock (plus the tolerance) is being held, on either chain. */
  boolean holding() {
    return follower != null ? follower.status().heldHeight() >= 0 : evm.heldHeight() >= 0;
  }

  /**
   * The health page's account of the chain beyond the view: its kind and, for embedded, the
   * follower's state; for EVM, chain id, confirmations and the last RPC error. RPC URLs are left
   * out: they may carry a provider's key.
   */
  JsonObject describe(JsonObject into) {
    if (follower != null) {
      Follower.Status s = follower.status();
      return into.put("chain", KeyServerEvmConfig.CHAIN_EMBEDDED)
          .put("halted", s.halted())
          .put("lastError", s.lastError())
          .put("heldHeight", s.heldHeight() < 0 ? null : s.heldHeight())
          .put("heldBlockTime", s.heldHeight() < 0 ? null : s.heldBlockTime());
    }
    return into.put("chain", KeyServerEvmConfig.CHAIN_EVM)
        .put("chainId", evm.config().chainId())
        .put("confirmations", evm.config().confirmations())
        .put("rpcs", evm.config().secondRpcUrl() == null ? 1 : 2)
        .put("halted", false)
        .put("lastError", evm.lastError())
        .put("heldHeight", evm.heldHeight() < 0 ? null : evm.heldHeight())
        .put("heldBlockTime", evm.heldHeight() < 0 ? null : evm.heldBlockTime());
  }

  @Override
  public void close() {
    if (follower != null) {
      follower.close();
    } else {
      evm.close();
    }
  }
}
