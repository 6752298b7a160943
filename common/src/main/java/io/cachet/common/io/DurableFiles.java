package io.cachet.common.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes that survive a crash: a reader sees the old file or the whole new one, never a torn one.
 * The bytes go to a temporary sibling, are fsynced, renamed over the target, and the directory is
 * fsynced so the rename itself is durable. Files that say who read what, or hold keys, are made
 * private to their owner: 0600 files in 0700 directories.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** Replaces {@code target} with {@code bytes}; {@code ownerOnly} makes it readable by its owner alone. */
  public static void write(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
    if (!Files.exists(tmp)) {
      createNew(tmp, ownerOnly);
    } else if (ownerOnly) {
      // left by a crash: it was made private when it was created; make sure before writing
      restrictFile(tmp);
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(dir);
  }

  /** Creates an empty file, private from its first moment when {@code ownerOnly} (no window at 0644). */
  private static void createNew(Path file, boolean ownerOnly) throws IOException {
    if (ownerOnly) {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return;
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the platform's default protection applies
      }
    }
    Files.createFile(file);
  }

  /** Creates {@code target} with {@code bytes}, failing if it exists already. */
  public static void create(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString());
    }
    write(target, bytes, ownerOnly);
  }

  /**
   * Makes a file written elsewhere (a streamed temporary file, say) durable under its final name:
   * fsyncs it, renames it atomically over {@code target}, fsyncs the directory.
   */
  public static void commit(Path written, Path target) throws IOException {
    try (FileChannel ch = FileChannel.open(written, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    try {
      Files.move(written, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(written, target, StandardCopyOption.REPLACE_EXISTING);
    }
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /**
   * Fsyncs a directory, so that the files created, renamed or removed in it stay so after a crash.
   * Some platforms cannot open a directory; the change is then as durable as they make it.
   */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (UnsupportedOperationException | java.nio.file.AccessDeniedException e) {
      // not a platform where a directory can be opened for fsync
    }
  }

  /** Creates {@code dir} (and its parents) if needed and makes it private to its owner (0700). */
  public static Path privateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the platform's default protection applies
    }
    return dir;
  }

  /** Makes an existing file private to its owner (0600). */
  public static void restrictFile(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the platform's default protection applies
    }
  }
}
