package io.cachet.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes that survive a crash: a reader sees the old file or the whole new one, never a torn one.
 * The bytes go to a temporary sibling, are fsynced, renamed over the target, and the directory is
 * fsynced so the rename itself is durable.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** Replaces {@code target} with {@code bytes}; {@code ownerOnly} makes it readable by its owner alone. */
  public static void write(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      if (ownerOnly) {
        restrict(tmp);
      }
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

  /** Creates {@code target} with {@code bytes}, failing if it exists already. */
  public static void create(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
    if (Files.exists(target)) {
      throw new java.nio.file.FileAlreadyExistsException(target.toString());
    }
    write(target, bytes, ownerOnly);
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the platform's default protection applies
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open a directory; the rename is then as durable as they make it
    }
  }
}
