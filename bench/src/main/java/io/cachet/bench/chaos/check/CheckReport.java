package io.cachet.bench.chaos.check;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the checker found: for each invariant, how many items it checked, how many violated it,
 * and how many it skipped and why; every violation as one line; notes that are not violations
 * (a torn audit-log tail after a SIGKILL); and how fast it went. {@link #ok()} is true when there
 * is no violation and nothing given went unchecked. Immutable; the checks fill a {@link Builder}.
 */
public final class CheckReport {
  /** The invariants of issue 16, and the chain they are all judged against. */
  public enum Invariant {
    /** The blocks validate against the pinned sequencer key, ledger id and genesis digest. */
    CHAIN_VALID,
    /** Every release in every audit log is justified by the chain at the height it names. */
    NO_UNAUTHORIZED_RELEASE,
    /** Every blob whose put succeeded reads back byte for byte within its lifetime. */
    NO_BLOB_LOST,
    /** Every acknowledged ledger transaction is in the chain. */
    NO_TX_LOST
  }

  /**
   * One violation: which invariant, where (a key server's name, {@code ledger}, {@code puts},
   * {@code txs}), the audit entry's sequence number or the record's line (-1: none), the ledger
   * height concerned (-1: none), and what was wrong.
   */
  public record Violation(Invariant invariant, String where, long sequence, long height, String what) {
    public Violation {
      Objects.requireNonNull(invariant, "invariant");
      Objects.requireNonNull(where, "where");
      Objects.requireNonNull(what, "what");
    }

    /** One line: {@code NO_UNAUTHORIZED_RELEASE ks-1 entry 17 height 230: ...}. */
    @Override
    public String toString() {
      return invariant + " " + where + (sequence >= 0 ? " entry " + sequence : "")
          + (height >= 0 ? " height " + height : "") + ": " + what;
    }
  }

  /** The counts of one invariant; {@code skipped} by reason, in reason order. */
  public record Tally(long checked, long violations, Map<String, Long> skipped) {
    public Tally {
      skipped = Map.copyOf(skipped);
    }

    public long skippedTotal() {
      return skipped.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** How fast the checker went: blocks validated and releases checked, with the time each took. */
  public record Speed(long blocks, long blockNanos, long releases, long releaseNanos) {
    public double blocksPerSecond() {
      return perSecond(blocks, blockNanos);
    }

    public double releasesPerSecond() {
      return perSecond(releases, releaseNanos);
    }

    private static double perSecond(long count, long nanos) {
      return nanos <= 0 ? 0 : count * 1e9 / nanos;
    }
  }

  private final Map<Invariant, Tally> tallies;
  private final List<Violation> violations;
  private final List<String> notes;
  private final Speed speed;
  private final List<Invariant> unchecked;

  private CheckReport(Map<Invariant, Tally> tallies, List<Violation> violations, List<String> notes, Speed speed,
      List<Invariant> unchecked) {
    this.tallies = Map.copyOf(tallies);
    this.violations = List.copyOf(violations);
    this.notes = List.copyOf(notes);
    this.speed = speed;
    this.unchecked = List.copyOf(unchecked);
  }

  /**
   * True if no invariant was violated and every invariant whose input was given checked at least
   * one item: a check that passes because it looked at nothing is not a pass.
   */
  public boolean ok() {
    return violations.isEmpty() && unchecked.isEmpty();
  }

  /** The invariants whose input was given ({@link Builder#expect}) but that checked nothing, in invariant order. */
  public List<Invariant> unchecked() {
    return unchecked;
  }

  public Tally tally(Invariant invariant) {
    return tallies.get(invariant);
  }

  public List<Violation> violations() {
    return violations;
  }

  /** The violations of one invariant. */
  public List<Violation> violations(Invariant invariant) {
    return violations.stream().filter(v -> v.invariant() == invariant).toList();
  }

  /** What is worth knowing but violates nothing (a torn audit-log tail, a torn last record line). */
  public List<String> notes() {
    return notes;
  }

  public Speed speed() {
    return speed;
  }

  /** The report as lines a person reads: a line per invariant, then every violation and note. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(ok() ? "ok" : violations.isEmpty() ? "NOTHING CHECKED " + unchecked
        : "VIOLATIONS " + violations.size()).append('\n');
    for (Invariant i : Invariant.values()) {
      Tally t = tallies.get(i);
      b.append(String.format("%-24s checked %d, violations %d, skipped %d%s%n", i, t.checked(), t.violations(),
          t.skippedTotal(), t.skipped().isEmpty() ? "" : " " + new TreeMap<>(t.skipped())));
    }
    b.append(String.format("speed: %d blocks validated at %.0f/s, %d releases checked at %.0f/s%n", speed.blocks(),
        speed.blocksPerSecond(), speed.releases(), speed.releasesPerSecond()));
    violations.forEach(v -> b.append("violation: ").append(v).append('\n'));
    unchecked.forEach(i -> b.append("nothing checked: ").append(i)
        .append(" had its input given but checked 0 items\n"));
    notes.forEach(n -> b.append("note: ").append(n).append('\n'));
    return b.toString();
  }

  /**
   * The report as one JSON document, for a soak's own report: {@code ok}, per invariant its
   * counts ({@code checked}, {@code violations}, {@code skipped} by reason), {@code violations}
   * (each with {@code invariant}, {@code where}, {@code sequence}, {@code height}, {@code what}),
   * {@code unchecked} (invariants whose input was given but that checked nothing), {@code notes}
   * and {@code speed}.
   */
  public ObjectNode toJson() {
    ObjectNode root = JsonLines.JSON.createObjectNode().put("ok", ok());
    ObjectNode counts = root.putObject("invariants");
    for (Invariant i : Invariant.values()) {
      Tally t = tallies.get(i);
      ObjectNode o = counts.putObject(i.name()).put("checked", t.checked()).put("violations", t.violations());
      ObjectNode skippedBy = o.putObject("skipped");
      new TreeMap<>(t.skipped()).forEach(skippedBy::put);
    }
    ArrayNode list = root.putArray("violations");
    violations.forEach(v -> list.addObject().put("invariant", v.invariant().name()).put("where", v.where())
        .put("sequence", v.sequence()).put("height", v.height()).put("what", v.what()));
    ArrayNode nothing = root.putArray("unchecked");
    unchecked.forEach(i -> nothing.add(i.name()));
    ArrayNode noted = root.putArray("notes");
    notes.forEach(noted::add);
    root.putObject("speed").put("blocks", speed.blocks()).put("blocksPerSecond", Math.round(speed.blocksPerSecond()))
        .put("releases", speed.releases()).put("releasesPerSecond", Math.round(speed.releasesPerSecond()));
    return root;
  }

  @Override
  public String toString() {
    return summary();
  }

  /** Collects counts, violations and notes as the checks run; not thread-safe. */
  public static final class Builder {
    private final Map<Invariant, long[]> counts = new EnumMap<>(Invariant.class);
    private final Map<Invariant, Map<String, Long>> skipped = new EnumMap<>(Invariant.class);
    private final List<Violation> violations = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Speed speed = new Speed(0, 0, 0, 0);
    private final Set<Invariant> expected = EnumSet.noneOf(Invariant.class);

    public Builder() {
      for (Invariant i : Invariant.values()) {
        counts.put(i, new long[2]);
        skipped.put(i, new TreeMap<>());
      }
    }

    /** One more item checked against {@code invariant} (whatever the outcome). */
    public Builder checked(Invariant invariant) {
      counts.get(invariant)[0]++;
      return this;
    }

    /** A violation, and the item counted as {@link #checked} too: call one or the other per item, never both. */
    public Builder violation(Invariant invariant, String where, long sequence, long height, String what) {
      counts.get(invariant)[0]++;
      counts.get(invariant)[1]++;
      violations.add(new Violation(invariant, where, sequence, height, what));
      return this;
    }

    /** An item not checked, and why (a short, stable phrase: items are counted by it). */
    public Builder skipped(Invariant invariant, String reason) {
      skipped.get(invariant).merge(reason, 1L, Long::sum);
      return this;
    }

    /**
     * The input of {@code invariant} was given (audit logs, records): if it then checks 0 items,
     * the report is not {@link CheckReport#ok()}.
     */
    public Builder expect(Invariant invariant) {
      expected.add(invariant);
      return this;
    }

    public Builder note(String note) {
      notes.add(note);
      return this;
    }

    public Builder speed(Speed s) {
      speed = Objects.requireNonNull(s, "speed");
      return this;
    }

    public CheckReport build() {
      Map<Invariant, Tally> tallies = new EnumMap<>(Invariant.class);
      List<Invariant> unchecked = new ArrayList<>();
      for (Invariant i : Invariant.values()) {
        long[] c = counts.get(i);
        tallies.put(i, new Tally(c[0], c[1], skipped.get(i)));
        if (expected.contains(i) && c[0] == 0) {
          unchecked.add(i);
        }
      }
      return new CheckReport(tallies, violations, notes, speed, unchecked);
    }
  }
}
