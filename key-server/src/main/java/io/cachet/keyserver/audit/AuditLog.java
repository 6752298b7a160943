package io.cachet.keyserver.audit;

import io.cachet.common.io.RecordLog;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key server's audit log: every decision, in order, in an append-only file whose entries form a
 * hash chain ({@link AuditEntry}), so that removing, reordering or editing an entry is detected by
 * {@link #verify}.
 *
 * <h2>Format</h2>
 *
 * The file is a {@link RecordLog} (the ledger journal's framing, one way for both) with magic
 * {@code "CAUD"} and version 1; each record's payload is one encoded {@link AuditEntry}. Entry
 * {@code i} has sequence number {@code i} and carries the BLAKE2b-256 hash of entry {@code i - 1}'s
 * payload (32 zero bytes for entry 0). The file is private to its owner (0600): it says who read
 * what, and when.
 *
 * <h2>Durability</h2>
 *
 * One writer thread takes every waiting batch, chains and writes them with one gathering write,
 * and then, in {@link Fsync#COMMIT} mode, forces the file once for all of them (group commit)
 * before any of their futures completes: a key server answers a request only after its decisions
 * are on disk. In {@link Fsync#PERIODIC} mode futures complete once written, and the file is
 * forced every interval: a crash of the machine (not of the process) may lose the decisions of
 * that last interval, even though their answers were sent.
 *
 * <h2>Recovery</h2>
 *
 * On {@link #open}, the record log's rules apply: a record cut short at the end of the file (a
 * torn append) is cut off, forced and logged as a warning; a record that fails its CRC anywhere
 * else, a broken chain or an undecodable entry refuses to open with an error naming the file, the
 * record and its offset. Appends after {@link #close} fail at once instead of waiting. The log is fail-stop: once a write or force fails, every later
 * append fails too (the key server then refuses to release anything) until it is reopened.
 *
 * <h2>What the chain does not cover</h2>
 *
 * The last entry has no successor to vouch for it, and cutting whole entries off the end leaves a
 * valid shorter chain. {@link #headHash()} (also shown by {@code GET /health}) lets an operator
 * anchor the head elsewhere; an anchored head then pins everything before it.
 */
public final class AuditLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** When appends reach the disk. */
  public enum Fsync {
    COMMIT,
    PERIODIC
  }

  /** Largest record payload: an entry is a few hundred bytes plus a message of at most 1 KiB. */
  public static final int MAX_PAYLOAD_LENGTH = 4096;
  static final int FORMAT_VERSION = 1;
  static final int FILE_HEADER_LENGTH = RecordLog.FILE_HEADER_LENGTH;
  static final int RECORD_HEADER_LENGTH = RecordLog.RECORD_HEADER_LENGTH;

  /** The audit log's file of records: magic "CAUD", version 1. */
  static final RecordLog.Format FORMAT = new RecordLog.Format("audit log", "CAUD", FORMAT_VERSION, MAX_PAYLOAD_LENGTH);

  /** Events the writer takes in one group commit at most. */
  private static final int MAX_GROUP = 8192;

  private record Pending(List<AuditEvent> events, CompletableFuture<Long> done) {}

  /** Queued by {@link #close} to wake the writer at once. */
  private static final Pending WAKE_UP = new Pending(List.of(), new CompletableFuture<>());

  private final Path file;
  private final RecordLog log;
  private final Fsync fsync;
  private final long fsyncIntervalNanos;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;

  /**
   * Held while deciding to queue work and while stopping, so that nothing is queued after the
   * writer has taken its last look at the queue: such work would wait forever.
   */
  private final ReentrantLock admission = new ReentrantLock();

  // written by the writer thread only; read by any
  private volatile long records;
  private volatile long commits;
  private volatile byte[] head;
  // guarded by admission for writes
  private volatile Throwable failure;
  private volatile boolean closing;
  private boolean dirty;
  private long lastForce = System.nanoTime();
  /** Decisions begun whose events are not appended yet; see {@link #beginDecision}. */
  private final AtomicInteger undecided = new AtomicInteger();
  /** Most a group commit waits for decisions under way; 0 forces at once. */
  private volatile long commitDelayNanos;
  /** True while the writer waits for decisions under way: the last of them wakes it. */
  private volatile boolean gathering;

  private AuditLog(Path file, RecordLog log, Chain chain, Fsync fsync, Duration fsyncInterval) {
    this.file = file;
    this.log = log;
    this.fsync = fsync;
    this.fsyncIntervalNanos = fsyncInterval.toNanos();
    this.records = chain.records;
    this.head = chain.head;
    this.writer = new Thread(this::run, "cachet-audit-writer");
    this.writer.setDaemon(true);
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens the log at {@code file}, creating it if missing (readable by its owner alone: it says
   * who read what, and when), and recovers it by the rules in the class comment.
   *
   * @throws IOException if the file is damaged before its tail, its chain is broken, it is locked
   *     by another key server, or it cannot be read or written
   */
  public static AuditLog open(Path file, Fsync fsync, Duration fsyncInterval) throws IOException {
    return open(file, fsync, fsyncInterval, event -> { });
  }

  /**
   * As {@link #open(Path, Fsync, Duration)}, handing every recorded event to {@code recorded},
   * oldest first, as the chain is checked (a restarted key server learns from them which requests
   * it has answered).
   */
  public static AuditLog open(Path file, Fsync fsync, Duration fsyncInterval, Consumer<AuditEvent> recorded)
      throws IOException {
    Objects.requireNonNull(fsync, "fsync");
    Objects.requireNonNull(recorded, "recorded");
    if (fsyncInterval.isNegative() || fsyncInterval.isZero()) {
      throw new IllegalArgumentException("fsyncInterval must be positive");
    }
    Chain chain = new Chain(recorded);
    RecordLog log = RecordLog.open(file, FORMAT, true, chain);
    if (log.truncatedBytes() > 0) {
      LOG.warn("event=audit_tail_truncated file={} offset={} bytes={} reason=\"{}\" kept={}", file,
          log.recovery().validLength(), log.truncatedBytes(), log.recovery().problem().what(), chain.records);
    }
    AuditLog audit = new AuditLog(file, log, chain, fsync, fsyncInterval);
    audit.writer.start();
    return audit;
  }

  /** Follows the hash chain through the records as they are read, refusing the first break. */
  private static final class Chain implements RecordLog.RecordReader {
    private final Consumer<AuditEvent> recorded;
    long records;
    byte[] head = AuditEntry.GENESIS.clone();

    Chain(Consumer<AuditEvent> recorded) {
      this.recorded = recorded;
    }

    @Override
    public void accept(long index, long offset, byte[] payload) throws RecordLog.RejectedRecordException {
      AuditEntry entry;
      try {
        entry = AuditEntry.decode(payload);
      } catch (FormatException e) {
        throw new RecordLog.RejectedRecordException(Problem.Kind.BAD_ENTRY.name(), e.getMessage());
      }
      if (entry.sequence() != index) {
        throw new RecordLog.RejectedRecordException(Problem.Kind.BROKEN_CHAIN.name(), "sequence number "
            + entry.sequence() + " where " + index + " was due (an entry was removed, repeated or moved)");
      }
      if (!Arrays.equals(entry.previousHash(), head)) {
        throw new RecordLog.RejectedRecordException(Problem.Kind.BROKEN_CHAIN.name(), "previous hash "
            + Hex.to0x(entry.previousHash()) + " is not the hash of record " + (index - 1) + " (" + Hex.to0x(head)
            + "): record " + (index - 1) + " was altered, or this record's link was");
      }
      head = AuditEntry.hashOf(payload);
      records = index + 1;
      recorded.accept(entry.event());
    }
  }

  // ---------------------------------------------------------------- verifying

  /** The first thing wrong with a log, and where. {@code record} counts from 0. */
  public record Problem(Kind kind, long record, long offset, String what) {
    public enum Kind {
      /** Not an audit log, or an unknown version. */
      BAD_HEADER,
      /** The last record is incomplete: a crash during an append; the server cuts it off on start. */
      TORN_TAIL,
      /** A record fails its CRC32C, or its length is impossible. */
      CORRUPT_RECORD,
      /** A record whose payload is not an audit entry. */
      BAD_ENTRY,
      /** An entry whose sequence number or previous hash does not follow the entry before it. */
      BROKEN_CHAIN
    }

    static Problem of(RecordLog.Problem p) {
      Kind kind = switch (p.kind()) {
        case BAD_HEADER -> Kind.BAD_HEADER;
        case TORN_TAIL -> Kind.TORN_TAIL;
        case CORRUPT_RECORD -> Kind.CORRUPT_RECORD;
        case REJECTED -> Kind.valueOf(p.rejectedAs());
      };
      return new Problem(kind, p.record(), p.offset(), p.what());
    }

    @Override
    public String toString() {
      return kind + " at record " + record + " (byte offset " + offset + "): " + what;
    }
  }

  /**
   * What {@link #verify} found: how many entries form an unbroken chain from the start, the hash
   * of the last of them, and the first problem after them (null if none).
   */
  public record Verification(long records, byte[] headHash, Problem problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  /**
   * Checks a whole log file (read-only; it may be in use by a running server, whose in-flight
   * append may then show as a torn tail): the header, every record's CRCs, every entry's
   * encoding, consecutive sequence numbers and the hash chain. Stops at the first problem.
   */
  public static Verification verify(Path file) throws IOException {
    return verify(file, event -> { });
  }

  /**
   * As {@link #verify(Path)}, handing every entry of the unbroken chain to {@code recorded}, oldest
   * first: the {@code i}-th event handed over is entry {@code i}. Entries after the first problem
   * are never handed over, so a reader (an independent checker) sees only what the chain vouches for.
   */
  public static Verification verify(Path file, Consumer<AuditEvent> recorded) throws IOException {
    Objects.requireNonNull(recorded, "recorded");
    Chain chain = new Chain(recorded);
    RecordLog.Inspection inspection = RecordLog.inspect(file, FORMAT, chain);
    Problem problem = inspection.problem() == null ? null : Problem.of(inspection.problem());
    return new Verification(chain.records, chain.head, problem);
  }

  // ---------------------------------------------------------------- appending

  /**
   * Queues events to be chained and written in order. The future completes with the sequence
   * number of the last of them once they are written (and, in {@link Fsync#COMMIT} mode, forced
   * to disk), or fails if the log has stopped.
   */
  public CompletableFuture<Long> append(List<AuditEvent> events) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    if (events.isEmpty()) {
      done.complete(records - 1);
      return done;
    }
    List<AuditEvent> copy = List.copyOf(events);
    admission.lock();
    try {
      Throwable f = failure;
      if (f != null || closing) {
        done.completeExceptionally(new IOException("audit log " + (f != null ? "stopped" : "is closed")
            + ": nothing more is recorded, so nothing more is released", f));
        return done;
      }
      queue.add(new Pending(copy, done));
    } finally {
      admission.unlock();
    }
    return done;
  }

  private void run() {
    List<Pending> group = new ArrayList<>();
    while (true) {
      try {
        Pending first = fsync == Fsync.PERIODIC ? queue.poll(fsyncIntervalNanos, TimeUnit.NANOSECONDS)
            : queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == WAKE_UP) {
          first = null;
        }
        if (first != null) {
          gather();
          group.add(first);
          int events = first.events().size();
          Pending next;
          while (events < MAX_GROUP && (next = queue.poll()) != null) {
            if (next == WAKE_UP) {
              continue;
            }
            group.add(next);
            events += next.events().size();
          }
          write(group);
          group.clear();
        }
        if (fsync == Fsync.PERIODIC && dirty && System.nanoTime() - lastForce >= fsyncIntervalNanos) {
          force();
        }
        if (closing && queue.isEmpty()) {
          if (dirty && failure == null) {
            force();
          }
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(new IOException("audit writer interrupted", e), group);
        return;
      } catch (IOException | RuntimeException e) {
        fail(e, group);
        return;
      }
    }
  }

  /**
   * Before a group commit in {@link Fsync#COMMIT} mode: while decisions are under way (queued or
   * being made: their events will follow shortly), waits for them, up to the commit delay, so
   * that one write and one force serve them too. Under load this turns a force per request into a
   * force per group, at the cost of at most the delay in latency; with nothing under way it does
   * not wait at all.
   */
  private void gather() {
    long delay = commitDelayNanos;
    if (fsync != Fsync.COMMIT || delay <= 0 || undecided.get() <= 0) {
      return;
    }
    long until = System.nanoTime() + delay;
    gathering = true;
    try {
      long left;
      while (undecided.get() > 0 && !closing && (left = until - System.nanoTime()) > 0) {
        LockSupport.parkNanos(this, left);
      }
    } finally {
      gathering = false;
    }
  }

  private void write(List<Pending> group) throws IOException {
    if (failure != null) {
      throw new IOException("audit log stopped", failure);
    }
    List<byte[]> payloads = new ArrayList<>();
    long seq = records;
    byte[] prev = head;
    for (Pending p : group) {
      for (AuditEvent e : p.events()) {
        byte[] payload = new AuditEntry(seq, prev, e).encode();
        if (payload.length > MAX_PAYLOAD_LENGTH) {
          throw new IllegalStateException("audit entry of " + payload.length + " bytes");
        }
        payloads.add(payload);
        prev = AuditEntry.hashOf(payload);
        seq++;
      }
    }
    log.append(payloads, fsync == Fsync.COMMIT);
    dirty = fsync != Fsync.COMMIT;
    if (!dirty) {
      lastForce = System.nanoTime();
      commits++;
    }
    records = seq;
    head = prev;
    long last = seq - 1;
    for (Pending p : group) {
      p.done().complete(last);
    }
  }

  private void force() throws IOException {
    log.force();
    dirty = false;
    lastForce = System.nanoTime();
  }

  private void fail(Throwable cause, List<Pending> group) {
    LOG.error("event=audit_log_failed file={} reason=\"{}\"", file, cause.toString());
    IOException stopped = new IOException("audit log stopped: nothing more is recorded, so nothing more is released",
        cause);
    admission.lock();
    try {
      failure = cause;
      try {
        log.close();
      } catch (IOException suppressed) {
        cause.addSuppressed(suppressed);
      }
      group.forEach(p -> p.done().completeExceptionally(stopped));
      Pending p;
      while ((p = queue.poll()) != null) {
        p.done().completeExceptionally(stopped);
      }
    } finally {
      admission.unlock();
    }
  }

  // ---------------------------------------------------------------- group commit

  /**
   * How long, at most, a group commit waits for decisions under way ({@link #beginDecision}) to
   * append their events; zero (the default) forces at once. Only {@link Fsync#COMMIT} mode waits.
   */
  public void commitDelay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("commit delay must not be negative");
    }
    commitDelayNanos = delay.toNanos();
  }

  /**
   * A decision is under way (queued or being made) whose events will be appended shortly. Each
   * call is matched by one {@link #endDecision} once its events are appended, or once it is known
   * to have none.
   */
  public void beginDecision() {
    undecided.incrementAndGet();
  }

  /** The decision begun by {@link #beginDecision} has appended its events, or has none. */
  public void endDecision() {
    if (undecided.decrementAndGet() <= 0 && gathering) {
      LockSupport.unpark(writer);
    }
  }

  // ---------------------------------------------------------------- state

  public Path file() {
    return file;
  }

  /** Entries written so far. */
  public long records() {
    return records;
  }

  /** Group commits so far in {@link Fsync#COMMIT} mode: each one write and one force. */
  public long commits() {
    return commits;
  }

  /** The hash of the last entry written (32 zero bytes for an empty log). */
  public byte[] headHash() {
    return head.clone();
  }

  /** Bytes cut off a torn tail when this log was opened. */
  public long truncatedBytes() {
    return log.truncatedBytes();
  }

  /** Why the log stopped, or null while it works. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Writes what is queued, forces it, and closes the file. Appends after this (or racing with it)
   * fail at once; none is left waiting.
   */
  @Override
  public void close() throws IOException {
    admission.lock();
    try {
      closing = true;
      queue.add(WAKE_UP);
      LockSupport.unpark(writer);
    } finally {
      admission.unlock();
    }
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      if (p != WAKE_UP) {
        p.done().completeExceptionally(new IOException("audit log is closed"));
      }
    }
    log.close();
  }

  // ---------------------------------------------------------------- command

  /** Exit codes of {@link #main}. */
  public static final int EXIT_OK = 0;
  public static final int EXIT_BROKEN = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_IO = 4;

  /**
   * {@code verify-audit <file>}: checks a log and prints one line, {@code ok records=N head=0x...}
   * or the first problem. Returns an exit code (0 ok, 1 broken, 2 usage, 4 unreadable).
   */
  public static int verifyCommand(List<String> args, PrintStream out, PrintStream err) {
    if (args.size() != 1) {
      err.println("usage: verify-audit <audit.log>");
      return EXIT_USAGE;
    }
    Path file = Path.of(args.get(0));
    try {
      Verification v = verify(file);
      if (v.ok()) {
        out.println("ok records=" + v.records() + " head=" + Hex.to0x(v.headHash()));
        return EXIT_OK;
      }
      out.println("broken " + v.problem() + "; records before it verify: " + v.records());
      return EXIT_BROKEN;
    } catch (IOException e) {
      err.println("cannot read " + file + ": " + e.getMessage());
      return EXIT_IO;
    }
  }

  public static void main(String[] args) {
    System.exit(verifyCommand(List.of(args), System.out, System.err));
  }
}
