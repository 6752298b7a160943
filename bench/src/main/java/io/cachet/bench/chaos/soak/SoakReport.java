package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.CheckReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A soak's result as the markdown its report file and docs/RELIABILITY.md hold. */
final class SoakReport {
  private SoakReport() {}

  static String markdown(SoakResult r) {
    StringBuilder b = new StringBuilder();
    b.append("### Chaos soak: ").append(r.passed() ? "passed" : "FAILED").append("\n\n");
    b.append("| | |\n| --- | --- |\n");
    row(b, "profile", r.profile().name());
    row(b, "seed", Long.toString(r.seed()));
    row(b, "load", (r.profile().everyKind() ? "at least " : "") + seconds(r.profile().load()) + " s"
        + (r.profile().everyKind() ? " (until every fault kind was injected)" : "") + ", " + r.profile().clients()
        + " clients, puts of "
        + SoakProfile.MIN_PUT / 1024 + " KiB to " + (r.profile().maxPut() >> 20) + " MiB"
        + (r.profile().largePuts() > 0 ? " and " + r.profile().largePuts() + " of " + (r.profile().largePut() >> 20)
        + " MiB" : ""));
    row(b, "whole run", seconds(r.wall()) + " s (network start to checker's end)");
    row(b, "shape", r.shape());
    row(b, "invariant violations", Long.toString(r.violations()));
    row(b, "final recovery", r.finalRecovery() == null ? "none" : millis(r.finalRecovery()) + " ms");
    row(b, "repair pass before the check", r.repaired() ? "yes" : "none within the wait (the check ran anyway)");
    b.append('\n');

    b.append("#### Operations\n\n| operation | outcome | reason | count |\n| --- | --- | --- | ---: |\n");
    r.outcomes().forEach((k, v) -> {
      String[] f = k.split("\\|", -1);
      b.append("| ").append(f[0]).append(" | ").append(f[1]).append(" | ").append(f[2]).append(" | ").append(v)
          .append(" |\n");
    });
    b.append('\n');
    if (!r.untypedFailures().isEmpty()) {
      b.append("Failures without a typed reason code (the client let an exception through untranslated), the first"
          + " of each:\n\n");
      r.untypedFailures().forEach((k, v) -> b.append("- ").append(k).append(": `").append(v.replace('`', '\''))
          .append("`\n"));
      b.append('\n');
    }

    b.append("#### Faults\n\n| fault | rounds | recovery p50 ms | recovery p99 ms |\n| --- | ---: | ---: | ---: |\n");
    List<Duration> all = new ArrayList<>();
    for (Map.Entry<String, Integer> e : r.injected().entrySet()) {
      List<Duration> times = r.recoveries().getOrDefault(e.getKey(), List.of());
      all.addAll(times);
      b.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" | ")
          .append(percentile(times, 50)).append(" | ").append(percentile(times, 99)).append(" |\n");
    }
    b.append("| all | ").append(r.injected().values().stream().mapToInt(Integer::intValue).sum()).append(" | ")
        .append(percentile(all, 50)).append(" | ").append(percentile(all, 99)).append(" |\n\n");
    b.append("Recovery: from a round's end until every part's `/health` (on its own port) is 200 and a put and a get"
        + " through the fault proxies work.\n\n");

    b.append("#### Invariants (independent checker)\n\n");
    if (r.check() == null) {
      b.append("The checker could not run: ").append(r.checkError()).append("\n\n");
    } else {
      b.append("| invariant | checked | violations | skipped |\n| --- | ---: | ---: | --- |\n");
      for (CheckReport.Invariant i : CheckReport.Invariant.values()) {
        CheckReport.Tally t = r.check().tally(i);
        b.append("| ").append(i).append(" | ").append(t.checked()).append(" | ").append(t.violations()).append(" | ")
            .append(t.skipped().isEmpty() ? "" : new TreeMap<>(t.skipped()).toString()).append(" |\n");
      }
      b.append('\n');
      r.check().violations().forEach(v -> b.append("- violation: ").append(v).append('\n'));
      r.check().notes().forEach(n -> b.append("- note: ").append(n).append('\n'));
      if (r.unrecordedTxs() > 0) {
        b.append("- note: ").append(r.unrecordedTxs()).append(" acknowledged transactions could not be recorded"
            + " (the ledger did not say the sender's nonce in time) and were not checked\n");
      }
      b.append('\n');
    }

    b.append("#### Outside tolerance\n\n");
    if (r.cleanFailures().isEmpty()) {
      b.append("No round went beyond tolerance.\n\n");
    } else {
      b.append("| round | probe | result | reason | took ms |\n| --- | --- | --- | --- | ---: |\n");
      for (FaultInjector.CleanFailure c : r.cleanFailures()) {
        b.append("| ").append(c.round()).append(" | ").append(c.probe()).append(" | ").append(c.answer().result())
            .append(c.clean() ? "" : " (NOT CLEAN)").append(" | ").append(c.answer().reason()).append(" | ")
            .append(millis(c.answer().took())).append(" |\n");
      }
      b.append('\n');
    }

    b.append("#### Memory (resident, MiB)\n\n| part | pid | samples | start | peak | end | first third peak |"
        + " last third peak |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    r.memory().forEach((part, series) -> series.forEach(s -> b.append("| ").append(part).append(" | ").append(s.pid())
        .append(" | ").append(s.bytes().size()).append(" | ").append(MemoryWatch.mib(s.start())).append(" | ")
        .append(MemoryWatch.mib(s.peak())).append(" | ").append(MemoryWatch.mib(s.end())).append(" | ")
        .append(MemoryWatch.mib(s.peakOf(0))).append(" | ").append(MemoryWatch.mib(s.peakOf(2))).append(" |\n")));
    b.append("\nRule: in every series of at least ").append(MemoryWatch.MIN_SAMPLES).append(" samples, the last"
        + " third's peak is at most ").append(MemoryWatch.GROWTH_FACTOR).append(" × the first third's + ")
        .append(MemoryWatch.mib(MemoryWatch.GROWTH_SLACK_BYTES)).append(" MiB; a restarted part starts a new series.\n\n");

    List<String> failures = r.failures();
    if (!failures.isEmpty()) {
      b.append("#### Failures\n\n");
      failures.forEach(f -> b.append("- ").append(f.replace("\n", "\n  ")).append('\n'));
      b.append('\n');
    }
    b.append("<details><summary>Rounds as played</summary>\n\n");
    r.rounds().forEach(line -> b.append("- ").append(line).append('\n'));
    b.append("\n</details>\n");
    return b.toString();
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("| ").append(key).append(" | ").append(value).append(" |\n");
  }

  /** The nearest-rank percentile in milliseconds, or "-" for none. */
  static String percentile(List<Duration> times, int p) {
    if (times.isEmpty()) {
      return "-";
    }
    List<Long> ms = times.stream().map(Duration::toMillis).sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * ms.size());
    return Long.toString(ms.get(Math.max(0, rank - 1)));
  }

  private static long seconds(Duration d) {
    return d.toSeconds();
  }

  private static long millis(Duration d) {
    return d.toMillis();
  }
}
