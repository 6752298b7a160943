package io.cachet.cli.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.PartsListening;
import io.cachet.client.ClientConfig;
import io.cachet.client.ChainDescriptor;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyEvaluator;
import io.cachet.policy.Reason;
import io.cachet.policy.evm.EvmLedgerConfig;
import io.cachet.policy.evm.EvmPolicyLedger;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cachet policy check}: whether WHO may read under POLICY now, decided the way a key server
 * decides, with no identity opened (no passphrase). On the embedded ledger the policy and the head
 * are read at one height and judged by {@link PolicyEvaluator} at the head's time, a window ending
 * at the later of that time and this machine's clock (a key server's rule); on an EVM chain the
 * stock contract's {@code canRead} is asked at the confirmed block through {@link EvmPolicyLedger},
 * the key servers' own reader. Exit 0 when allowed, 1 when not: a script can branch on it.
 */
@Command(name = "check", description = {"Whether WHO may read what is sealed under POLICY now, and why.",
    "Decided from the chain as a key server decides. Exit 0 when allowed, 1 when not. Needs no passphrase."},
    footer = {"", "Examples:", "  cachet policy check 0x5e1f... bob",
        "  cachet policy check 0x5e1f... 0x9a0c... --json"})
final class PolicyCheckCommand implements Callable<Integer> {
  /** Reads of head, policy, head before the heights agree; a block lands every few seconds at most. */
  private static final int CONSISTENT_READ_ATTEMPTS = 5;
  /** How long the EVM reader may take to reach the chain's confirmed block. */
  private static final long EVM_HEAD_TIMEOUT_SECONDS = 15;

  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(index = "0", paramLabel = "POLICY", description = "The policy id.")
  String policy;

  @Parameters(index = "1", paramLabel = "WHO",
      description = "An address (0x...), or the name of an identity or contact.")
  String who;

  @Option(names = "--json", description = "Print JSON: allowed, reason, message, ledgerTime, height.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PolicyId id = PolicyArgs.policyId(policy);
    ClientConfig config = connection.config();
    Address reader = PolicyArgs.member(connection.home.addressBook(), who, config);
    Decision d = config.chain().isEvm() ? onEvm(config, id, reader) : onEmbedded(config, id, reader);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("policy", id.toString());
      doc.put("who", reader.toString());
      connection.home.addressBook().nameOf(reader).ifPresent(n -> doc.put("name", n));
      doc.put("allowed", d.allowed());
      doc.put("reason", d.reason().name());
      doc.put("message", d.message());
      doc.put("ledgerTime", Instant.ofEpochMilli(d.ledgerTime()).toString());
      doc.put("height", d.height());
      Json.print(out, doc);
    } else {
      out.println((d.allowed() ? "allowed: " : "not allowed (" + d.reason() + "): ") + d.message()
          + " (ledger time " + Instant.ofEpochMilli(d.ledgerTime()) + ", height " + d.height() + ")");
    }
    return d.allowed() ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /**
   * The policy and the head of one height: the head is read before and after the policy, and the
   * reads are taken again if a block landed between them, so the policy judged is the one that
   * holds at the time it is judged at.
   */
  private Decision onEmbedded(ClientConfig config, PolicyId id, Address reader) throws IOException,
      CachetSecurityException {
    PartsListening.require(config.chainUrl());
    try (PolicyChain chain = connection.reader(config)) {
      for (int attempt = 1; ; attempt++) {
        PolicyChain.Head before = chain.head();
        Policy p = policyOrNull(chain, id);
        PolicyChain.Head after = chain.head();
        if (before.height() == after.height() || attempt == CONSISTENT_READ_ATTEMPTS) {
          return PolicyEvaluator.evaluate(id, p, reader, after.timeMillis(), Clock.systemUTC().millis(),
              after.height());
        }
      }
    }
  }

  /** The policy, or null where the ledger has none (the evaluator then denies UNKNOWN_POLICY). */
  private static Policy policyOrNull(PolicyChain chain, PolicyId id) throws IOException, CachetSecurityException {
    try {
      return chain.policy(id);
    } catch (CachetSecurityException e) {
      if (Reason.UNKNOWN_POLICY.name().equals(e.reason())) {
        return null;
      }
      throw e;
    }
  }

  /** canRead at the confirmed block, through the reader key servers use (never allows on a failure). */
  private static Decision onEvm(ClientConfig config, PolicyId id, Address reader) throws IOException {
    ChainDescriptor c = config.chain();
    EvmLedgerConfig ledgerConfig = EvmLedgerConfig.of(c.rpcUrl(), c.chainId(), c.confirmations(), Clock.systemUTC());
    try (EvmPolicyLedger ledger = EvmPolicyLedger.start(ledgerConfig)) {
      ledger.awaitHeight(0).get(EVM_HEAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return ledger.evaluate(c.stockLedgerId().toString(), id, reader);
    } catch (TimeoutException | ExecutionException e) {
      throw new IOException("the EVM chain at " + c.rpcWhere() + " gave no confirmed block within "
          + EVM_HEAD_TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the EVM chain", e);
    }
  }
}
