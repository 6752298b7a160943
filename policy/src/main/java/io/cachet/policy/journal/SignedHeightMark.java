package io.cachet.policy.journal;

import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The highest block height a sequencer ever made public, with that block's hash, kept in a small
 * file apart from the journal. A journal can lose its tail (a torn write, a disk that acknowledged
 * a write it never kept, a restore from an older copy); this mark survives that, so the sequencer
 * can tell "my journal is shorter than what I signed and served" and refuse to sign a second,
 * different block at a height the world has already seen.
 *
 * <p>Format (big-endian, 52 bytes), written whole with {@link DurableFiles#write} (a reader sees
 * the old mark or the new one, never a torn one), 0600:
 *
 * <pre>
 *   "CSHM" u8:version(=1) u8[3]:reserved(=0) u64:height u8[32]:blockHash u32:crc32c(all before)
 * </pre>
 *
 * A mark that fails its checksum, has another length or an unknown version is refused with a
 * {@link JournalCorruptedException} or an error naming the version: a sequencer that cannot read
 * its mark cannot know what it signed, so it does not start.
 *
 * @param height the height of the newest block ever made durable and visible
 * @param blockHash that block's hash (BLAKE2b-256 of its encoding)
 */
public record SignedHeightMark(long height, byte[] blockHash) {
  /** The file's name inside the ledger's data directory. */
  public static final String FILE_NAME = "signed-height";

  /** The only format version this class reads and writes. */
  static final int FORMAT_VERSION = 1;

  /** Length of a block hash. */
  private static final int HASH_BYTES = 32;

  /** Length of the whole file. */
  static final int FILE_LENGTH = 8 + 8 + HASH_BYTES + 4;

  private static final byte[] MAGIC = "CSHM".getBytes(StandardCharsets.US_ASCII);

  public SignedHeightMark {
    if (height < 0) {
      throw new IllegalArgumentException("height must not be negative");
    }
    Objects.requireNonNull(blockHash, "blockHash");
    if (blockHash.length != HASH_BYTES) {
      throw new IllegalArgumentException("a block hash is " + HASH_BYTES + " bytes");
    }
    blockHash = blockHash.clone();
  }

  @Override
  public byte[] blockHash() {
    return blockHash.clone();
  }

  /** Whether {@code hash} is the hash this mark records. */
  public boolean matches(byte[] hash) {
    return Arrays.equals(blockHash, hash);
  }

  /** The mark in {@code dataDir}, or null if there is none (a ledger made before marks existed, or a new one). */
  public static SignedHeightMark read(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    byte[] bytes;
    try {
      if (Files.size(file) > FILE_LENGTH) {
        throw new JournalCorruptedException(file, 0, "signed-height mark of " + Files.size(file) + " bytes, expected "
            + FILE_LENGTH);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (bytes.length < 8 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new JournalCorruptedException(file, 0, "not a signed-height mark");
    }
    int version = Byte.toUnsignedInt(bytes[MAGIC.length]);
    if (version != FORMAT_VERSION) {
      throw new IOException(file + ": unsupported signed-height mark version " + version
          + " (this build reads version " + FORMAT_VERSION + ")");
    }
    if (bytes.length != FILE_LENGTH) {
      throw new JournalCorruptedException(file, 0, "signed-height mark of " + bytes.length + " bytes, expected "
          + FILE_LENGTH);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (crc(bytes) != in.getInt(FILE_LENGTH - 4)) {
      throw new JournalCorruptedException(file, FILE_LENGTH - 4, "signed-height mark fails its CRC32C check");
    }
    long height = in.getLong(8);
    byte[] hash = Arrays.copyOfRange(bytes, 16, 16 + HASH_BYTES);
    if (height < 0) {
      throw new JournalCorruptedException(file, 8, "negative height in signed-height mark");
    }
    return new SignedHeightMark(height, hash);
  }

  /** Replaces the mark in {@code dataDir}; durable (file and directory fsynced) when this returns. */
  public void write(Path dataDir) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(FILE_LENGTH);
    out.put(MAGIC).put((byte) FORMAT_VERSION).put(new byte[3]).putLong(height).put(blockHash);
    out.putInt(crc(out.array()));
    DurableFiles.write(dataDir.resolve(FILE_NAME), out.array(), true);
  }

  private static int crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, FILE_LENGTH - 4);
    return (int) crc.getValue();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedHeightMark m && m.height == height && Arrays.equals(m.blockHash, blockHash);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(height) * 31 + Arrays.hashCode(blockHash);
  }

  @Override
  public String toString() {
    return "SignedHeightMark[height=" + height + ", hash=0x" + HexFormat.of().formatHex(blockHash) + "]";
  }
}
