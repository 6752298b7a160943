package io.cachet.bench.chaos.check;

import io.cachet.bench.chaos.check.AuditReleases.Release;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
 * <p>Order and failure: the audit logs are read first, so that every release decided before the
 * chain is read is judged against a chain that reaches its height (a release decided while the
 * checker ran is not mistaken for one beyond the head). The chain is then loaded from the
 * ledger's API up to the higher of its head and the highest height a release names, or, only if
 * the ledger's first request cannot connect ({@link LedgerUnreachableException}), from a copy of
 * its journal. A chain that does not validate, or anything the API serves that does not hold
 * (another ledger id, an undecodable page, an error answer, a chain short of its target), is a
 * {@link Invariant#CHAIN_VALID} violation and nothing else is checked: nothing unsigned is
 * trusted, and a chain the API served is never swapped for the journal's, which would hide what
 * the API served. Then releases, transactions and blobs. An invariant whose input was given but
 * that checked nothing fails the report ({@link CheckReport#unchecked()}).
 */
public final class Checker {
  /**
   * What to check.
   *
   * @param ledgerUrl the ledger's API; null to read the journal only
   * @param journal the ledger's journal file, read when the API cannot be reached; null for none
   * @param auditLogs each key server's audit log, by the server's name, in report order
   * @param blobs how to read blobs back; null to skip the puts (they are then counted as skipped)
   * @param stalenessBound the key servers' staleness bound ({@link ReleaseCheck#STALE_VIEW})
   * @param clockTolerance how far a key server's clock may run ahead of the ledger's: the largest
   *     clock offset the soak injected into a key server or the ledger
   */
  public record Plan(String ledgerUrl, Path journal, ChainHistory.Trust trust, Map<String, Path> auditLogs,
      List<TxRecord> txs, List<PutRecord> puts, BlobCheck blobs, Duration stalenessBound, Duration clockTolerance) {
    public Plan {
      Objects.requireNonNull(trust, "trust");
      if (ledgerUrl == null && journal == null) {
        throw new IllegalArgumentException("the chain comes from the ledger's URL or its journal: give one");
      }
      auditLogs = Collections.unmodifiableMap(new LinkedHashMap<>(auditLogs));
      txs = List.copyOf(txs);
      puts = List.copyOf(puts);
      Objects.requireNonNull(stalenessBound, "stalenessBound");
      Objects.requireNonNull(clockTolerance, "clockTolerance");
      if (stalenessBound.isNegative() || clockTolerance.isNegative()) {
        throw new IllegalArgumentException("the staleness bound and the clock tolerance are not negative");
      }
    }

    /** A plan with the default staleness bound (2 min) and no clock tolerance. */
    public Plan(String ledgerUrl, Path journal, ChainHistory.Trust trust, Map<String, Path> auditLogs,
        List<TxRecord> txs, List<PutRecord> puts, BlobCheck blobs) {
      this(ledgerUrl, journal, trust, auditLogs, txs, puts, blobs, ReleaseCheck.DEFAULT_STALENESS_BOUND,
          Duration.ZERO);
    }

    /** A plan reading the chain from {@code ledgerUrl}, with nothing yet to check against it. */
    public static Plan of(String ledgerUrl, ChainHistory.Trust trust) {
      return new Plan(ledgerUrl, null, trust, Map.of(), List.of(), List.of(), null);
    }

    public Plan withJournal(Path file) {
      return new Plan(ledgerUrl, file, trust, auditLogs, txs, puts, blobs, stalenessBound, clockTolerance);
    }

    public Plan withAuditLogs(Map<String, Path> logs) {
      return new Plan(ledgerUrl, journal, trust, logs, txs, puts, blobs, stalenessBound, clockTolerance);
    }

    public Plan withTxs(List<TxRecord> records) {
      return new Plan(ledgerUrl, journal, trust, auditLogs, records, puts, blobs, stalenessBound, clockTolerance);
    }

    public Plan withPuts(List<PutRecord> records, BlobCheck reader) {
      return new Plan(ledgerUrl, journal, trust, auditLogs, txs, records, reader, stalenessBound, clockTolerance);
    }

    /** The key servers' staleness bound, and the largest clock offset the soak injected into any of them. */
    public Plan withStaleness(Duration bound, Duration tolerance) {
      return new Plan(ledgerUrl, journal, trust, auditLogs, txs, puts, blobs, bound, tolerance);
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
    List<Release> releases = readAuditLogs(plan, report);
    long mustReach = releases.stream().filter(r -> r.ledgerId().equals(plan.trust().ledgerId()))
        .mapToLong(Release::height).max().orElse(0);
    ChainHistory chain;
    try {
      chain = load(plan, mustReach, report);
    } catch (ChainRefusedException e) {
      report.violation(Invariant.CHAIN_VALID, "ledger", -1, e.height(), e.reason() + ": " + e.getMessage());
      return report.build();
    }
    report.checked(Invariant.CHAIN_VALID);
    check(chain, releases, plan, report);
    return report.build();
  }

  /** The checks of {@code plan} against a chain already loaded (tests, or a soak that loaded it itself). */
  public static CheckReport run(ChainHistory chain, Plan plan) throws IOException {
    CheckReport.Builder report = new CheckReport.Builder();
    List<Release> releases = readAuditLogs(plan, report);
    report.checked(Invariant.CHAIN_VALID);
    check(chain, releases, plan, report);
    return report.build();
  }

  private static ChainHistory load(Plan plan, long mustReach, CheckReport.Builder report)
      throws IOException, ChainRefusedException {
    if (plan.ledgerUrl() == null) {
      return ChainHistory.fromJournal(plan.journal(), plan.trust());
    }
    try {
      return ChainHistory.fetch(plan.ledgerUrl(), plan.trust(), mustReach);
    } catch (LedgerUnreachableException e) {
      if (plan.journal() == null) {
        throw e;
      }
      report.note(e.getMessage() + "; the chain was read from its journal");
      return ChainHistory.fromJournal(plan.journal(), plan.trust());
    }
  }

  /** Every release of every audit log; a torn tail is a note, other damage a violation. */
  private static List<Release> readAuditLogs(Plan plan, CheckReport.Builder report) throws IOException {
    List<Release> releases = new ArrayList<>();
    if (!plan.auditLogs().isEmpty()) {
      report.expect(Invariant.NO_UNAUTHORIZED_RELEASE);
    }
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
    return releases;
  }

  private static void check(ChainHistory chain, List<Release> releases, Plan plan, CheckReport.Builder report) {
    long started = System.nanoTime();
    ReleaseCheck.check(chain, releases, plan.stalenessBound(), plan.clockTolerance(), report);
    long releaseNanos = System.nanoTime() - started;
    report.speed(new CheckReport.Speed(chain.blockCount(), chain.validationNanos(), releases.size(), releaseNanos));
    if (!plan.txs().isEmpty()) {
      report.expect(Invariant.NO_TX_LOST);
    }
    TxCheck.check(chain, plan.txs(), "txs", report);
    if (!plan.puts().isEmpty()) {
      report.expect(Invariant.NO_BLOB_LOST);
    }
    if (plan.blobs() != null) {
      plan.blobs().check(chain, plan.puts(), "puts", report);
    } else {
      plan.puts().forEach(p -> report.skipped(Invariant.NO_BLOB_LOST, "no reader given"));
    }
  }
}
