package io.cachet.bench.chaos.soak;

import io.cachet.common.process.PartProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Every part's resident memory through the run, one series per process: a part restarted starts a
 * new series (its pid changed), since a new JVM grows its heap again from nothing.
 *
 * <p>The rule, per series of at least {@link #MIN_SAMPLES} samples: the peak of its last third
 * may not exceed the peak of its first third by more than {@link #GROWTH_FACTOR} times plus
 * {@link #GROWTH_SLACK_BYTES}. A JVM's resident memory rises while its heap expands toward -Xmx
 * and its code cache and metaspace fill; those are bounded, and a third of a steady load has
 * touched most of them. A leak keeps growing from third to third, past any fixed factor. The
 * slack absorbs a heap still expanding in a short series (a minute's run is mostly warm-up).
 */
final class MemoryWatch {
  /** Fewest samples a series needs to be judged. */
  static final int MIN_SAMPLES = 9;
  /** How much the last third's peak may exceed the first third's, as a factor... */
  static final double GROWTH_FACTOR = 1.5;
  /** ...plus this many bytes. */
  static final long GROWTH_SLACK_BYTES = 96L << 20;

  /** One process's samples. */
  record Series(String part, long pid, List<Long> bytes) {
    long start() {
      return bytes.isEmpty() ? 0 : bytes.get(0);
    }

    long peak() {
      return bytes.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    long end() {
      return bytes.isEmpty() ? 0 : bytes.get(bytes.size() - 1);
    }

    long peakOf(int third) {
      int n = bytes.size();
      return bytes.subList(third * n / 3, (third + 1) * n / 3).stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Whether the rule holds; true for a series too short to judge. */
    boolean bounded() {
      return bytes.size() < MIN_SAMPLES || peakOf(2) <= GROWTH_FACTOR * peakOf(0) + GROWTH_SLACK_BYTES;
    }
  }

  private final Map<String, List<Series>> series = new LinkedHashMap<>();

  /** Samples every part {@code processOf} names a process for now. */
  synchronized void sample(List<String> parts, Function<String, PartProcess> processOf) {
    for (String part : parts) {
      PartProcess p = processOf.apply(part);
      if (p == null) {
        continue;
      }
      OptionalLong rss;
      try {
        rss = p.rssBytes();
      } catch (IOException e) {
        continue;
      }
      if (rss.isEmpty()) {
        continue;
      }
      List<Series> of = series.computeIfAbsent(part, k -> new ArrayList<>());
      if (of.isEmpty() || of.get(of.size() - 1).pid() != p.pid()) {
        of.add(new Series(part, p.pid(), new ArrayList<>()));
      }
      of.get(of.size() - 1).bytes().add(rss.getAsLong());
    }
  }

  /** Every series, by part, in order of start. */
  synchronized Map<String, List<Series>> series() {
    Map<String, List<Series>> copy = new LinkedHashMap<>();
    series.forEach((k, v) -> copy.put(k, v.stream().map(s -> new Series(s.part(), s.pid(), List.copyOf(s.bytes())))
        .toList()));
    return copy;
  }

  /** The series that break the rule, each as one line. */
  synchronized List<String> violations() {
    List<String> out = new ArrayList<>();
    for (List<Series> of : series.values()) {
      for (Series s : of) {
        if (!s.bounded()) {
          out.add(s.part() + " (pid " + s.pid() + "): last third's peak " + mib(s.peakOf(2)) + " MiB over first third's "
              + mib(s.peakOf(0)) + " MiB");
        }
      }
    }
    return out;
  }

  static long mib(long bytes) {
    return bytes >> 20;
  }
}
