package io.cachet.keyserver.audit;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key server's audit log: every decision, in order, in an append-only file whose entries form a
 * hash chain ({@link AuditEntry}), so that removing, reordering or editing an entry is detected by
 * {@link #verify}.
 *
 * <h2>Format</h2>
 *
 * This class alone reads and writes the file. All integers are big-endian. The framing is the
 * ledger journal's:
 *
 * <pre>
 *   file    := header record*
 *   header  := "CAUD" u8:version(=1) u8[3]:reserved(=0)                        8 bytes
 *   record  := u32:length u32:crc32c(payload) u32:crc32c(first 8 bytes)       12-byte record header
 *              u8[length]:payload                                              an encoded AuditEntry
 * </pre>
 *
 * A record's length is 1 to {@link #MAX_PAYLOAD_LENGTH} and is checked against that bound before
 * anything is allocated. Entry {@code i} has sequence number {@code i} and carries the BLAKE2b-256
 * hash of entry {@code i - 1}'s payload (32 zero bytes for entry 0).
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
 * On {@link #open}, the rules of the ledger journal apply: a record cut short at the end of the
 * file (a torn append) is cut off, forced and logged as a warning; a record that fails its CRC
 * anywhere else, a broken chain or an undecodable entry refuses to open with an error naming the
 * file, the record and its offset. The log is fail-stop: once a write or force fails, every later
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
  static final int FILE_HEADER_LENGTH = 8;
  static final int RECORD_HEADER_LENGTH = 12;
  private static final int HEADER_CRC_COVERS = 8;
  private static final byte[] MAGIC = "CAUD".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FILE_HEADER = {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], (byte) FORMAT_VERSION, 0, 0, 0};
  /** Events the writer takes in one group commit at most. */
  private static final int MAX_GROUP = 8192;

  private record Pending(List<AuditEvent> events, CompletableFuture<Long> done) {}

  /** Queued by {@link #close} to wake the writer at once. */
  private static final Pending WAKE_UP = new Pending(List.of(), new CompletableFuture<>());

  private final Path file;
  private final FileChannel channel;
  private final Fsync fsync;
  private final long fsyncIntervalNanos;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final long truncatedBytes;

  // written by the writer thread only; read by any
  private volatile long records;
  private volatile byte[] head;
  private volatile Throwable failure;
  private volatile boolean closing;
  private long end;
  private boolean dirty;
  private long lastForce = System.nanoTime();

  private AuditLog(Path file, FileChannel channel, Scan scan, Fsync fsync, Duration fsyncInterval) {
    this.file = file;
    this.channel = channel;
    this.fsync = fsync;
    this.fsyncIntervalNanos = fsyncInterval.toNanos();
    this.records = scan.records();
    this.head = scan.head();
    this.end = scan.validLength();
    this.truncatedBytes = scan.fileLength() - scan.validLength();
    this.writer = new Thread(this::run, "cachet-audit-writer");
    this.writer.setDaemon(true);
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens the log at {@code file}, creating it if missing, and recovers it by the rules in the
   * class comment.
   *
   * @throws IOException if the file is damaged before its tail, its chain is broken, it is locked
   *     by another key server, or it cannot be read or written
   */
  public static AuditLog open(Path file, Fsync fsync, Duration fsyncInterval) throws IOException {
    Objects.requireNonNull(fsync, "fsync");
    if (fsyncInterval.isNegative() || fsyncInterval.isZero()) {
      throw new IllegalArgumentException("fsyncInterval must be positive");
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException(file + ": audit log is locked, already open in this process or another");
      }
      long size = channel.size();
      if (size < FILE_HEADER_LENGTH) {
        ByteBuffer existing = ByteBuffer.allocate((int) size);
        readFully(channel, existing, 0);
        if (!Arrays.equals(existing.array(), Arrays.copyOf(FILE_HEADER, (int) size))) {
          throw new IOException(file + ": " + size + " bytes, too short for an audit log header");
        }
        channel.write(ByteBuffer.wrap(FILE_HEADER), 0);
        channel.force(true);
        forceDirectory(file);
        size = FILE_HEADER_LENGTH;
        LOG.info("event=audit_log_created file={}", file);
      }
      Scan scan = scan(channel, size);
      if (scan.problem() != null && scan.problem().kind() != Problem.Kind.TORN_TAIL) {
        throw new IOException(file + ": " + scan.problem());
      }
      if (scan.problem() != null) {
        channel.truncate(scan.validLength());
        channel.force(true);
        LOG.warn("event=audit_tail_truncated file={} offset={} bytes={} reason=\"{}\" kept={}", file,
            scan.validLength(), size - scan.validLength(), scan.problem().what(), scan.records());
      }
      AuditLog log = new AuditLog(file, channel, scan, fsync, fsyncInterval);
      log.writer.start();
      return log;
    } catch (IOException | RuntimeException | Error e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static void forceDirectory(Path file) {
    try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // not every filesystem lets a directory be opened for fsync
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
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      Problem bad = checkHeader(channel, size);
      if (bad != null) {
        return new Verification(0, AuditEntry.GENESIS.clone(), bad);
      }
      Scan scan = scan(channel, size);
      return new Verification(scan.records(), scan.head(), scan.problem());
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + ": no audit log");
    }
  }

  private static Problem checkHeader(FileChannel channel, long size) throws IOException {
    if (size < FILE_HEADER_LENGTH) {
      return new Problem(Problem.Kind.BAD_HEADER, 0, 0, size + " bytes, too short for an audit log header");
    }
    ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH);
    readFully(channel, header, 0);
    byte[] bytes = header.array();
    if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return new Problem(Problem.Kind.BAD_HEADER, 0, 0, "bad magic, not a Cachet audit log");
    }
    if (bytes[4] != FORMAT_VERSION) {
      return new Problem(Problem.Kind.BAD_HEADER, 0, 4, "unknown format version " + (bytes[4] & 0xFF));
    }
    if (bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
      return new Problem(Problem.Kind.BAD_HEADER, 0, 5, "reserved header bytes are not zero");
    }
    return null;
  }

  private record Scan(long records, long validLength, long fileLength, byte[] head, Problem problem) {}

  /** Walks every record after the header; never allocates more than {@link #MAX_PAYLOAD_LENGTH} for one. */
  private static Scan scan(FileChannel channel, long size) throws IOException {
    Problem bad = checkHeader(channel, size);
    if (bad != null) {
      return new Scan(0, 0, size, AuditEntry.GENESIS.clone(), bad);
    }
    channel.position(FILE_HEADER_LENGTH);
    DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024));
    byte[] header = new byte[RECORD_HEADER_LENGTH];
    byte[] payload = new byte[MAX_PAYLOAD_LENGTH];
    CRC32C crc = new CRC32C();
    long offset = FILE_HEADER_LENGTH;
    long n = 0;
    byte[] previous = AuditEntry.GENESIS.clone();
    while (offset < size) {
      long remaining = size - offset;
      if (remaining < RECORD_HEADER_LENGTH) {
        return torn(n, offset, size, previous, "record header cut short, " + remaining + " of "
            + RECORD_HEADER_LENGTH + " bytes");
      }
      in.readFully(header);
      ByteBuffer fields = ByteBuffer.wrap(header);
      long length = Integer.toUnsignedLong(fields.getInt(0));
      int payloadCrc = fields.getInt(4);
      crc.reset();
      crc.update(header, 0, HEADER_CRC_COVERS);
      long available = remaining - RECORD_HEADER_LENGTH;
      if ((int) crc.getValue() != fields.getInt(HEADER_CRC_COVERS)) {
        if (allZero(header) && restIsZero(in, available)) {
          return torn(n, offset, size, previous, "zero bytes from a record header to the end of the file");
        }
        return broken(Problem.Kind.CORRUPT_RECORD, n, offset, size, previous, "record header fails its CRC32C");
      }
      if (length == 0 || length > MAX_PAYLOAD_LENGTH) {
        return broken(Problem.Kind.CORRUPT_RECORD, n, offset, size, previous, "invalid record length " + length);
      }
      if (length > available) {
        return torn(n, offset, size, previous, "payload cut short, " + available + " of " + length + " bytes");
      }
      int len = (int) length;
      in.readFully(payload, 0, len);
      crc.reset();
      crc.update(payload, 0, len);
      if ((int) crc.getValue() != payloadCrc) {
        if (length == available) {
          return torn(n, offset, size, previous, "payload CRC32C mismatch in the last record");
        }
        return broken(Problem.Kind.CORRUPT_RECORD, n, offset, size, previous, "record payload fails its CRC32C");
      }
      byte[] bytes = Arrays.copyOf(payload, len);
      AuditEntry entry;
      try {
        entry = AuditEntry.decode(bytes);
      } catch (FormatException e) {
        return broken(Problem.Kind.BAD_ENTRY, n, offset, size, previous, e.getMessage());
      }
      if (entry.sequence() != n) {
        return broken(Problem.Kind.BROKEN_CHAIN, n, offset, size, previous, "sequence number " + entry.sequence()
            + " where " + n + " was due (an entry was removed, repeated or moved)");
      }
      if (!Arrays.equals(entry.previousHash(), previous)) {
        return broken(Problem.Kind.BROKEN_CHAIN, n, offset, size, previous, "previous hash "
            + Hex.to0x(entry.previousHash()) + " is not the hash of record " + (n - 1) + " ("
            + Hex.to0x(previous) + "): record " + (n - 1) + " was altered, or this record's link was");
      }
      previous = AuditEntry.hashOf(bytes);
      offset += RECORD_HEADER_LENGTH + length;
      n++;
    }
    return new Scan(n, offset, size, previous, null);
  }

  private static Scan torn(long n, long offset, long size, byte[] head, String what) {
    return new Scan(n, offset, size, head, new Problem(Problem.Kind.TORN_TAIL, n, offset, what));
  }

  private static Scan broken(Problem.Kind kind, long n, long offset, long size, byte[] head, String what) {
    return new Scan(n, offset, size, head, new Problem(kind, n, offset, what));
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean restIsZero(InputStream in, long count) throws IOException {
    byte[] chunk = new byte[8192];
    for (long left = count; left > 0; ) {
      int r = in.read(chunk, 0, (int) Math.min(chunk.length, left));
      if (r < 0) {
        throw new EOFException();
      }
      for (int i = 0; i < r; i++) {
        if (chunk[i] != 0) {
          return false;
        }
      }
      left -= r;
    }
    return true;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, position + buf.position());
      if (r < 0) {
        throw new EOFException();
      }
    }
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
    Throwable f = failure;
    if (f != null || closing) {
      done.completeExceptionally(new IOException(file + ": audit log " + (f != null ? "stopped: " + f.getMessage()
          : "is closed"), f));
      return done;
    }
    queue.add(new Pending(List.copyOf(events), done));
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

  private void write(List<Pending> group) throws IOException {
    if (failure != null) {
      throw new IOException("audit log stopped", failure);
    }
    List<ByteBuffer> buffers = new ArrayList<>();
    long seq = records;
    byte[] prev = head;
    long bytes = 0;
    CRC32C crc = new CRC32C();
    for (Pending p : group) {
      for (AuditEvent e : p.events()) {
        byte[] payload = new AuditEntry(seq, prev, e).encode();
        if (payload.length > MAX_PAYLOAD_LENGTH) {
          throw new IllegalStateException("audit entry of " + payload.length + " bytes");
        }
        crc.reset();
        crc.update(payload);
        ByteBuffer h = ByteBuffer.allocate(RECORD_HEADER_LENGTH);
        h.putInt(payload.length).putInt((int) crc.getValue());
        crc.reset();
        crc.update(h.array(), 0, HEADER_CRC_COVERS);
        h.putInt((int) crc.getValue()).flip();
        buffers.add(h);
        buffers.add(ByteBuffer.wrap(payload));
        bytes += RECORD_HEADER_LENGTH + payload.length;
        prev = AuditEntry.hashOf(payload);
        seq++;
      }
    }
    ByteBuffer[] array = buffers.toArray(ByteBuffer[]::new);
    channel.position(end);
    for (int first = 0; first < array.length; ) {
      channel.write(array, first, array.length - first);
      while (first < array.length && !array[first].hasRemaining()) {
        first++;
      }
    }
    dirty = true;
    if (fsync == Fsync.COMMIT) {
      force();
    }
    end += bytes;
    records = seq;
    head = prev;
    long last = seq - 1;
    for (Pending p : group) {
      p.done().complete(last);
    }
  }

  private void force() throws IOException {
    channel.force(false);
    dirty = false;
    lastForce = System.nanoTime();
  }

  private void fail(Throwable cause, List<Pending> group) {
    failure = cause;
    LOG.error("event=audit_log_failed file={} reason=\"{}\"", file, cause.toString());
    try {
      channel.close();
    } catch (IOException suppressed) {
      cause.addSuppressed(suppressed);
    }
    IOException stopped = new IOException(file + ": audit log stopped: " + cause.getMessage(), cause);
    group.forEach(p -> p.done().completeExceptionally(stopped));
    Pending p;
    while ((p = queue.poll()) != null) {
      p.done().completeExceptionally(stopped);
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

  /** The hash of the last entry written (32 zero bytes for an empty log). */
  public byte[] headHash() {
    return head.clone();
  }

  /** Bytes cut off a torn tail when this log was opened. */
  public long truncatedBytes() {
    return truncatedBytes;
  }

  /** Why the log stopped, or null while it works. */
  public Throwable failure() {
    return failure;
  }

  /** Writes what is queued, forces it, and closes the file. */
  @Override
  public void close() throws IOException {
    closing = true;
    queue.add(WAKE_UP);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      if (p != WAKE_UP) {
        p.done().completeExceptionally(new IOException(file + ": audit log is closed"));
      }
    }
    if (channel.isOpen()) {
      channel.close();
    }
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
