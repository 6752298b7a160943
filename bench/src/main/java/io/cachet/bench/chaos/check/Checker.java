package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.AuditReleases.Release;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The soak's independent checker: loads the chain (validated against what the soak pinned), then
 * checks each invariant against it alone. What a soak calls at its end, and what {@link CheckMain}
 * runs on a directory a soak left behind.
 *
 * <p>Order and failure: the chain is loaded first, from the ledger's API or, if the ledger cannot
 * be reached, from a copy of its journal; a chain that does not validate is a {@link
 * Invariant#CHAIN_VALID} violation and nothing else is checked (nothing unsigned is trusted, and
 * nothing can be judged against nothing). A chain served by the API that fails is never replaced
 * by the journal's: that would hide what the API served. Then releases, transactions and blobs.
 */
public final class Checker {
  /**
   * What to check.
   *
   * @param ledgerUrl the ledger's API; null to read the journal only
   * @param journal the ledger's journal file, read when the API cannot be reached; null for none
   * @param auditLogs each key server's audit log, by the server's name, in report order
   * @param blobs how to read blobs back; null to skip the puts (they are then counted as skipped)
   */
  public record Plan(String ledgerUrl, Path journal, ChainHistory.Trust trust, Map<String, Path> auditLogs,
      List<TxRecord> txs, List<PutRecord> puts, BlobCheck blobs) {
    public Plan {
      Objects.requireNonNull(trust, "trust");
      if (ledgerUrl == null && journal == null) {
        throw new IllegalArgumentException("the chain comes from the ledger's URL or its journal: give one");
      }
      auditLogs = Collections.unmodifiableMap(new LinkedHashMap<>(auditLogs));
      txs = List.copyOf(txs);
      puts = List.copyOf(puts);
    }

    /** A plan reading the chain from {@code ledgerUrl}, with nothing yet to check against it. */
    public static Plan of(String ledgerUrl, ChainHistory.Trust trust) {
      return new Plan(ledgerUrl, null, trust, Map.of(), List.of(), List.of(), null);
    }

    public Plan withJournal(Path file) {
      return new Plan(ledgerUrl, file, trust, auditLogs, txs, puts, blobs);
    }

    public Plan withAuditLogs(Map<String, Path> logs) {
      return new Plan(ledgerUrl, journal, trust, logs, txs, puts, blobs);
    }

    public Plan withTxs(List<TxRecord> records) {
      return new Plan(ledgerUrl, journal, trust, auditLogs, records, puts, blobs);
    }

    public Plan withPuts(List<PutRecord> records, BlobCheck reader) {
      return new Plan(ledgerUrl, journal, trust, auditLogs, txs, records, reader);
    }
  }

  private Checker() {}

  /**
   * Runs every check of {@code plan}.
   *
   * @throws IOException if the chain cannot be read at all (the ledger unreachable and no journal,
   *     or the journal unreadable), or an audit log cannot be read: nothing was checked
   */
  public static CheckReport run(Plan plan) throws IOException {
    CheckReport.Builder report = new CheckReport.Builder();
    ChainHistory chain;
    try {
      chain = load(plan, report);
    } catch (ChainRefusedException e) {
      report.violation(Invariant.CHAIN_VALID, "ledger", -1, e.height(), e.reason() + ": " + e.getMessage());
      return report.build();
    }
    report.checked(Invariant.CHAIN_VALID);
    check(chain, plan, report);
    return report.build();
  }

  /** The checks of {@code plan} against a chain already loaded (tests, or a soak that loaded it itself). */
  public static CheckReport run(ChainHistory chain, Plan plan) throws IOException {
    CheckReport.Builder report = new CheckReport.Builder();
    report.checked(Invariant.CHAIN_VALID);
    check(chain, plan, report);
    return report.build();
  }

  private static ChainHistory load(Plan plan, CheckReport.Builder report) throws IOException, ChainRefusedException {
    if (plan.ledgerUrl() == null) {
      return ChainHistory.fromJournal(plan.journal(), plan.trust());
    }
    try {
      return ChainHistory.fetch(plan.ledgerUrl(), plan.trust());
    } catch (IOException e) {
      if (plan.journal() == null) {
        throw e;
      }
      report.note("the ledger could not be read (" + e.getMessage() + "); the chain was read from its journal");
      return ChainHistory.fromJournal(plan.journal(), plan.trust());
    }
  }

  private static void check(ChainHistory chain, Plan plan, CheckReport.Builder report) throws IOException {
    List<Release> releases = new ArrayList<>();
    for (Map.Entry<String, Path> e : plan.auditLogs().entrySet()) {
      AuditReleases.Log log = AuditReleases.read(e.getKey(), e.getValue());
      releases.addAll(log.releases());
      if (log.tornTail() != null) {
        report.note(e.getKey() + ": audit log ends in a torn record after " + log.entries() + " entries ("
            + log.tornTail() + "); normal after a kill");
      }
      if (log.damage() != null) {
        report.violation(Invariant.NO_UNAUTHORIZED_RELEASE, e.getKey(), log.damage().record(), -1,
            "the audit log is damaged (" + log.damage() + "): the entries from there on cannot be vouched for");
      }
    }
    long started = System.nanoTime();
    ReleaseCheck.check(chain, releases, report);
    long releaseNanos = System.nanoTime() - started;
    report.speed(new CheckReport.Speed(chain.blockCount(), chain.validationNanos(), releases.size(), releaseNanos));
    TxCheck.check(chain, plan.txs(), "txs", report);
    if (plan.blobs() != null) {
      plan.blobs().check(chain, plan.puts(), "puts", report);
    } else {
      plan.puts().forEach(p -> report.skipped(Invariant.NO_BLOB_LOST, "no reader given"));
    }
  }
}
