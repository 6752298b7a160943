package io.cachet.bench.chaos.soak;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.KeyServersUnavailableException;
import io.cachet.client.LedgerUnavailableException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.storage.StorageException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Every operation's outcome, counted by operation kind, outcome and (for a failure) the error's
 * stable reason code. Thread-safe.
 */
final class Outcomes {
  /** What an operation came to. */
  enum Outcome {
    /** It did what was asked (a get: the bytes matched). */
    OK,
    /** A read refused while the reader had no right to it: what should happen. */
    REFUSED_AS_EXPECTED,
    /** A read released while the reader's right had just been taken: the checker judges it by the chain. */
    RELEASED_AFTER_CHANGE,
    /** It failed; the reason code says how. Expected during faults; the load goes on. */
    FAILED,
    /** A get returned bytes that are not the ones put: never acceptable. */
    WRONG_BYTES
  }

  /** Longest sample message kept for a failure without a typed reason. */
  private static final int SAMPLE_CHARS = 200;
  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]+");

  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, String> untypedSamples = new ConcurrentHashMap<>();

  /** Counts one {@code kind} operation's {@code outcome}; {@code reason} only for a failure, else null. */
  void count(String kind, Outcome outcome, String reason) {
    String key = kind + "|" + outcome + "|" + (reason == null ? "" : reason);
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  void ok(String kind) {
    count(kind, Outcome.OK, null);
  }

  void failed(String kind, Throwable e) {
    String reason = reasonOf(e);
    count(kind, Outcome.FAILED, reason);
    if (!CODE.matcher(reason).matches()) {
      untypedSamples.computeIfAbsent(kind + " " + reason, k -> chain(e));
    }
  }

  /**
   * For each failure that carried no typed reason code (an operation and the exception's class),
   * the first one's messages down its causes: a finding for the client's error handling, which
   * should have said what went wrong in a code.
   */
  Map<String, String> untypedSamples() {
    return new TreeMap<>(untypedSamples);
  }

  private static String chain(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = e; c != null && b.length() < SAMPLE_CHARS; c = c.getCause() == c ? null : c.getCause()) {
      b.append(b.length() == 0 ? "" : " <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return b.length() > SAMPLE_CHARS ? b.substring(0, SAMPLE_CHARS) + "..." : b.toString();
  }

  /** Every count: kind, outcome, reason ("" if none) to how many; sorted. */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** How many operations came to {@code outcome}, of any kind. */
  long total(Outcome outcome) {
    return counts.entrySet().stream().filter(e -> e.getKey().split("\\|", -1)[1].equals(outcome.name()))
        .mapToLong(e -> e.getValue().sum()).sum();
  }

  /** How many {@code kind} operations came to {@code outcome}. */
  long total(String kind, Outcome outcome) {
    return counts.entrySet().stream().filter(e -> e.getKey().startsWith(kind + "|" + outcome.name() + "|"))
        .mapToLong(e -> e.getValue().sum()).sum();
  }

  /**
   * The stable reason code of a failure: a refusal's or a storage error's own code, else a code
   * named after the typed exception the client threw ({@code KEY_SERVERS_UNAVAILABLE}, ...), else
   * the exception's class. Never its message (it may name paths).
   */
  static String reasonOf(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof AccessRefusedException refused) {
        return refused.reason();
      }
      if (c instanceof KeyServersUnavailableException) {
        return "KEY_SERVERS_UNAVAILABLE";
      }
      if (c instanceof LedgerUnavailableException) {
        return "LEDGER_UNAVAILABLE";
      }
      if (c instanceof StorageException s && s.reason() != null) {
        return "STORAGE_" + s.reason().name();
      }
      if (c instanceof CachetSecurityException s && s.reason() != null) {
        return s.reason();
      }
    }
    return e.getClass().getSimpleName();
  }
}
