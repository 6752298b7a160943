package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.BlobCheck;
import io.cachet.bench.chaos.check.ChainHistory;
import io.cachet.bench.chaos.check.CheckReport;
import io.cachet.bench.chaos.check.Checker;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.bench.chaos.check.ReaderKeys;
import io.cachet.cli.network.NetworkLayout;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Sequencer;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hands the end of a soak to the independent checker ({@link Checker}): the chain from the
 * ledger's own port (its journal if the ledger cannot be read), pinned to the keys the layout made;
 * every key server's audit log; the acknowledged transactions; the successful puts, read back as
 * the soak's auditor identity, which every policy of the soak allows for good. The checker trusts
 * none of the soak's parts: only the signed chain, the audit logs and these records.
 */
final class SoakCheck {
  private SoakCheck() {}

  /**
   * Runs the checker on what the soak left.
   *
   * @param readers the directory of reader seeds ({@link ReaderKeys}) the puts name
   * @throws IOException if the chain or an audit log cannot be read at all: nothing was checked
   */
  static CheckReport run(NetworkLayout layout, SoakRecords records, Path readers, Clock clock) throws IOException {
    ChainHistory.Trust trust;
    try {
      trust = new ChainHistory.Trust(layout.ledgerId(), VerifyingKey.parse(layout.sequencerKey()),
          LedgerRef.parseGenesisDigest(layout.genesisDigest(), "genesis digest"));
    } catch (FormatException e) {
      throw new IOException("the layout's ledger keys do not parse: " + e.getMessage(), e);
    }
    Map<String, Path> audit = new LinkedHashMap<>();
    for (NetworkLayout.Part p : layout.parts(NetworkLayout.Kind.KEY_SERVER)) {
      audit.put(p.name(), layout.auditLog(p.name()));
    }
    ClientConfig network;
    try {
      network = ClientConfig.load(layout.descriptorFile());
    } catch (FormatException e) {
      throw new IOException("the soak's descriptor does not parse: " + e.getMessage(), e);
    }
    EpochSchedule epochs = NetworkConfig.fromJson(new JsonObject(Files.readString(layout.storageNetwork(),
        StandardCharsets.UTF_8))).epochs();
    BlobCheck blobs = new BlobCheck(network, name -> ReaderKeys.load(readers, name),
        () -> epochs.epochAt(clock.millis()), clock);
    NetworkLayout.Part ledger = layout.part("ledger");
    Checker.Plan plan = Checker.Plan.of(ledger.directUrl(), trust)
        .withJournal(ledger.dataDir().resolve(Sequencer.JOURNAL_FILE))
        .withAuditLogs(audit)
        .withTxs(records.txs())
        .withPuts(records.putRecords(), blobs)
        // the soak's key servers keep the default bound; a clock fault may have moved a server's
        // or the ledger's clock by up to the planner's largest offset, which a stale-view judgement allows for
        .withStaleness(KeyServerConfig.DEFAULT_STALENESS_BOUND, FaultPlanner.MAX_CLOCK_OFFSET);
    return Checker.run(plan);
  }
}
