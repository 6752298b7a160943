package io.cachet.storage.node;

import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A blob's {@code lifetime} file: its exclusive end epoch as a u64 big-endian, then the CRC32C of
 * those 8 bytes as a u32 big-endian; 12 bytes, nothing else. It is only ever replaced whole
 * (write {@code lifetime.tmp}, fsync, rename, fsync the directory), so a file that does not parse
 * is damage, never a torn write of ours: the node refuses to start and names it.
 */
final class LifetimeFile {
  static final String NAME = "lifetime";
  static final int BYTES = 12;

  private LifetimeFile() {}

  static byte[] encode(long endEpoch) {
    if (endEpoch < 0) {
      throw new IllegalArgumentException("negative end epoch " + endEpoch);
    }
    ByteBuffer b = ByteBuffer.allocate(BYTES).putLong(endEpoch);
    b.putInt((int) crc(b.array()));
    return b.array();
  }

  /** The end epoch these bytes hold; IllegalArgumentException says what is wrong with them. */
  static long decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("is " + bytes.length + " bytes, expected " + BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long endEpoch = b.getLong();
    long stored = b.getInt() & 0xFFFFFFFFL;
    if (stored != crc(bytes)) {
      throw new IllegalArgumentException("CRC32C mismatch");
    }
    if (endEpoch < 0) {
      throw new IllegalArgumentException("end epoch beyond 2^63");
    }
    return endEpoch;
  }

  /** Reads a blob directory's lifetime file; damage is an IOException naming the file. */
  static long read(Path blobDir) throws IOException {
    Path file = blobDir.resolve(NAME);
    long size = Files.size(file);
    if (size != BYTES) {
      throw new IOException("damaged lifetime file " + file + ": is " + size + " bytes, expected " + BYTES);
    }
    try {
      return decode(Files.readAllBytes(file));
    } catch (IllegalArgumentException e) {
      throw new IOException("damaged lifetime file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Creates the lifetime file in a directory that is not yet visible (no rename needed). */
  static void create(Path blobDir, long endEpoch) throws IOException {
    Durability.writeNew(blobDir.resolve(NAME), encode(endEpoch));
  }

  /** Replaces the lifetime file atomically: write-temp, fsync, rename, fsync the directory. */
  static void replace(Path blobDir, long endEpoch) throws IOException {
    DurableFiles.write(blobDir.resolve(NAME), encode(endEpoch), false);
  }

  private static long crc(byte[] bytes) {
    CRC32C c = new CRC32C();
    c.update(bytes, 0, 8);
    return c.getValue();
  }
}
