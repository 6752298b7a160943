package io.cachet.policy.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Test helpers: real journal files, byte surgery at chosen offsets, and replay capture. */
final class Journals {
  static final int FILE_HEADER = Journal.FILE_HEADER_LENGTH;
  static final int RECORD_HEADER = Journal.RECORD_HEADER_LENGTH;

  private Journals() {}

  /** What one {@link Journal#open} replayed and reported; the journal is closed again. */
  record Reopened(List<byte[]> payloads, RecoveryReport report) {}

  static Reopened reopen(Path file) throws IOException {
    List<byte[]> payloads = new ArrayList<>();
    try (Journal journal = Journal.open(file, payloads::add)) {
      return new Reopened(payloads, journal.recovery());
    }
  }

  /** Writes a fresh journal holding {@code payloads}, one append each, and closes it. */
  static void write(Path file, List<byte[]> payloads) throws IOException {
    try (Journal journal = Journal.open(file, payload -> {})) {
      for (byte[] payload : payloads) {
        journal.append(payload);
      }
    }
  }

  /** Deterministic pseudo-random payload, so failures reproduce. */
  static byte[] payload(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Payloads of the given sizes, seeded by position. */
  static List<byte[]> payloads(int... sizes) {
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      payloads.add(payload(i, sizes[i]));
    }
    return payloads;
  }

  /** Offset of each record in a journal holding {@code payloads}, plus the end of the file. */
  static long[] offsets(List<byte[]> payloads) {
    long[] offsets = new long[payloads.size() + 1];
    offsets[0] = FILE_HEADER;
    for (int i = 0; i < payloads.size(); i++) {
      offsets[i + 1] = offsets[i] + RECORD_HEADER + payloads.get(i).length;
    }
    return offsets;
  }

  static void flipBit(Path file, long offset, int bit) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[Math.toIntExact(offset)] ^= (byte) (1 << bit);
    Files.write(file, bytes);
  }

  static void putInt(Path file, long offset, int value) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).putInt(Math.toIntExact(offset), value);
    Files.write(file, bytes);
  }

  /**
   * Rewrites the header CRC of the record header at {@code offset} to match the eight bytes before
   * it, so that damage done to the length or payload CRC passes the header check: a forged header
   * that exercises the rules behind it.
   */
  static void sealHeader(Path file, long offset) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int at = Math.toIntExact(offset);
    CRC32C crc = new CRC32C();
    crc.update(bytes, at, 8);
    ByteBuffer.wrap(bytes).putInt(at + 8, (int) crc.getValue());
    Files.write(file, bytes);
  }

  /** Sets {@code count} bytes from {@code offset} to zero. */
  static void zero(Path file, long offset, int count) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int at = Math.toIntExact(offset);
    Arrays.fill(bytes, at, at + count, (byte) 0);
    Files.write(file, bytes);
  }

  /** Appends {@code extra} to the end of the file. */
  static void append(Path file, byte[] extra) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    byte[] longer = Arrays.copyOf(bytes, bytes.length + extra.length);
    System.arraycopy(extra, 0, longer, bytes.length, extra.length);
    Files.write(file, longer);
  }

  static void truncate(Path file, long length) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, Math.toIntExact(length)));
  }

  /**
   * Captures what the journal logs, through the JDK's default {@link System.Logger} backend
   * (java.util.logging), and keeps it off the console while open.
   */
  static final class LogCapture implements AutoCloseable {
    private final Logger logger = Logger.getLogger(Journal.class.getName());
    private final boolean useParentHandlers = logger.getUseParentHandlers();
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler =
        new Handler() {
          @Override
          public synchronized void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };

    LogCapture() {
      logger.setUseParentHandlers(false);
      logger.addHandler(handler);
    }

    /** Messages logged at WARNING, oldest first. */
    List<String> warnings() {
      return messages(Level.WARNING);
    }

    /** Messages logged at {@code level} (java.util.logging's name for it), oldest first. */
    List<String> messages(Level level) {
      synchronized (handler) {
        return records.stream()
            .filter(record -> record.getLevel() == level)
            .map(LogRecord::getMessage)
            .toList();
      }
    }

    @Override
    public void close() {
      logger.removeHandler(handler);
      logger.setUseParentHandlers(useParentHandlers);
    }
  }
}
