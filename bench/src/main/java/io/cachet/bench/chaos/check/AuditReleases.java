package io.cachet.bench.chaos.check;

import io.cachet.crypto.Address;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The releases one key server's audit log records, read the way an auditor reads it: the file is
 * checked by {@link AuditLog#verify(Path, java.util.function.Consumer)} (record checksums, entry
 * encoding, sequence numbers, hash chain) and only entries the chain vouches for are yielded.
 *
 * <p>What is normal and what is not: a torn last record (the key server was killed mid-append;
 * it never answered that request, since it answers only after the record is forced) is reported,
 * not held against anyone. Any other problem (a bad checksum before the tail, a broken chain, an
 * undecodable entry, a foreign header) means the log was altered or its disk lied; the entries
 * after it cannot be vouched for, so it is a violation.
 */
public final class AuditReleases {
  /**
   * One {@code RELEASED} entry.
   *
   * @param server the key server's name (as the soak calls it: {@code ks-1}, ...)
   * @param sequence the entry's sequence number in its log
   * @param requester the address the session certificate named; null if the entry names none
   * @param ledgerId the ledger the envelope names; empty in entries of format 1, which recorded none
   * @param height the ledger height the key server decided at, as its receipt names it
   * @param ledgerTime the ledger time of that height, as the key server saw it
   * @param recordedAt the key server's clock when it decided
   */
  public record Release(String server, long sequence, Address requester, PolicyId policy, ObjectId object,
      int shareIndex, String ledgerId, long height, long ledgerTime, long recordedAt) {
    public Release {
      Objects.requireNonNull(server, "server");
      Objects.requireNonNull(ledgerId, "ledgerId");
    }
  }

  /**
   * What one log held.
   *
   * @param entries how many entries the chain vouches for (releases and the rest)
   * @param tornTail the torn last record, if any: normal after a SIGKILL
   * @param damage any other problem: a violation
   */
  public record Log(String server, Path file, long entries, List<Release> releases, AuditLog.Problem tornTail,
      AuditLog.Problem damage) {
    public Log {
      releases = List.copyOf(releases);
    }
  }

  private AuditReleases() {}

  /**
   * Reads {@code server}'s audit log at {@code file} (read only; the server may still be running,
   * and its in-flight append then shows as a torn tail).
   *
   * @throws IOException if the file cannot be read at all
   */
  public static Log read(String server, Path file) throws IOException {
    List<Release> releases = new ArrayList<>();
    long[] sequence = {0};
    AuditLog.Verification v = AuditLog.verify(file, event -> {
      long seq = sequence[0]++;
      if (event.outcome() == AuditEvent.Outcome.RELEASED) {
        releases.add(new Release(server, seq, event.requester(), event.policy(), event.object(), event.shareIndex(),
            event.ledgerId(), event.ledgerHeight(), event.ledgerTimeMillis(), event.recordedAtMillis()));
      }
    });
    AuditLog.Problem problem = v.problem();
    boolean torn = problem != null && problem.kind() == AuditLog.Problem.Kind.TORN_TAIL;
    return new Log(server, file, v.records(), releases, torn ? problem : null, torn ? null : problem);
  }
}
