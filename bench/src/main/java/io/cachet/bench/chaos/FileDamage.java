package io.cachet.bench.chaos;

import io.cachet.storage.BlobId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * Damages a file in place, as a failing disk or an attacker with the disk would: flipped bytes, a
 * truncated tail, a zeroed range. Every change is forced to the device before the call returns, so
 * a part that reads the file afterwards (or after a restart) sees the damage. It also finds a
 * storage node's shard files, the files a chaos soak damages.
 */
public final class FileDamage {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Bytes zeroed per write by {@link #zero}. */
  private static final int ZERO_CHUNK = 64 * 1024;
  /** The directory of a node's blobs, under its data directory ({@code docs/STORAGE.md}). */
  static final String BLOBS = "blobs";
  /** A blob's shard file, in its blob directory. */
  static final String SHARDS = "shards";

  private FileDamage() {}

  /** XORs the byte at {@code offset} with {@code mask} (not zero, so the byte changes). */
  public static void flip(Path file, long offset, int mask) throws IOException {
    if ((mask & 0xFF) == 0) {
      throw new IllegalArgumentException("a mask of zero flips nothing");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      requireWithin(file, ch.size(), offset, 1);
      ByteBuffer one = ByteBuffer.allocate(1);
      if (ch.read(one, offset) != 1) {
        throw new IOException("could not read byte " + offset + " of " + file);
      }
      one.put(0, (byte) (one.get(0) ^ mask));
      one.rewind();
      ch.write(one, offset);
      ch.force(true);
    }
  }

  /** Flips one random bit at each of {@code count} distinct random offsets; returns the offsets, ascending. */
  public static List<Long> flipRandom(Path file, int count) throws IOException {
    return flipRandom(file, count, RANDOM);
  }

  /**
   * As {@link #flipRandom(Path, int)}, drawing from {@code random} (a seeded one repeats a damage
   * that found something).
   */
  public static List<Long> flipRandom(Path file, int count, RandomGenerator random) throws IOException {
    long size = Files.size(file);
    if (count < 1 || count > size) {
      throw new IllegalArgumentException("flips 1.." + size + " bytes of " + file + ", asked " + count);
    }
    TreeSet<Long> offsets = new TreeSet<>();
    while (offsets.size() < count) {
      offsets.add(random.nextLong(size));
    }
    for (long offset : offsets) {
      flip(file, offset, 1 << random.nextInt(8));
    }
    return List.copyOf(offsets);
  }

  /** Cuts the file to {@code length} bytes, as a write lost at a crash leaves it. */
  public static void truncate(Path file, long length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      if (length < 0 || length > ch.size()) {
        throw new IllegalArgumentException("truncates " + file + " to 0.." + ch.size() + " bytes, asked " + length);
      }
      ch.truncate(length);
      ch.force(true);
    }
  }

  /** Overwrites {@code length} bytes from {@code offset} with zeros, as a lost sector reads back. */
  public static void zero(Path file, long offset, long length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      requireWithin(file, ch.size(), offset, length);
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(length, 1)));
      long done = 0;
      while (done < length) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
        done += ch.write(zeros, offset + done);
      }
      ch.force(true);
    }
  }

  /**
   * The shard files of every blob a storage node holds, by blob id: {@code blobs/<blobId>/shards}
   * under its data directory. Uploads in progress and half-done steps ({@code *.tmp}) are not blobs
   * and are not listed. An empty list if the node holds no blob yet.
   */
  public static List<Path> shardFiles(Path nodeDataDir) throws IOException {
    Path blobs = nodeDataDir.resolve(BLOBS);
    List<Path> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(blobs)) {
      for (Path dir : dirs.sorted().toList()) {
        Path shards = dir.resolve(SHARDS);
        if (blobOf(dir).isPresent() && Files.isRegularFile(shards)) {
          found.add(shards);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return found;
  }

  /** The blob a blob directory (or a file in it) belongs to, if its name is a blob id. */
  public static Optional<BlobId> blobOf(Path path) {
    Path dir = path.getFileName() != null && path.getFileName().toString().equals(SHARDS) ? path.getParent() : path;
    try {
      return Optional.of(BlobId.parse(dir.getFileName().toString()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static void requireWithin(Path file, long size, long offset, long length) {
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IllegalArgumentException("bytes " + offset + "+" + length + " are outside " + file + " (" + size
          + " bytes)");
    }
  }
}
