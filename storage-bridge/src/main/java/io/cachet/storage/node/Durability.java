package io.cachet.storage.node;

import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** The few file-system moves the node's crash safety rests on. */
final class Durability {
  private Durability() {}

  /** Makes a directory's entries (files created, renamed or deleted in it) durable. */
  static void syncDirectory(Path dir) throws IOException {
    DurableFiles.syncDirectory(dir);
  }

  /** Writes a whole new file and fsyncs it; the file must not exist. */
  static void writeNew(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(bytes), 0);
      ch.force(true);
    }
  }

  static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long at = position;
    while (b.hasRemaining()) {
      at += ch.write(b, at);
    }
  }

  /** Reads until {@code b} is full or the file ends; returns the bytes read. */
  static int readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    int total = 0;
    while (b.hasRemaining()) {
      int n = ch.read(b, position + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }

  /** Deletes a file or a directory tree; a path that is already gone is fine. */
  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
