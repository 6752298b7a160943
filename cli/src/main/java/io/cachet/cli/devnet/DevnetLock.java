package io.cachet.cli.devnet;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that keeps two processes off one devnet directory ({@code devnet.lock}). The operating
 * system releases it when its holder dies, so a killed daemon leaves no stale lock behind.
 */
final class DevnetLock implements AutoCloseable {
  static final String FILE = "devnet.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DevnetLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code dir}, or throws naming the directory if another process holds it. */
  static DevnetLock take(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      held = null; // this very process holds it
    }
    if (held == null) {
      channel.close();
      throw new DevnetException("another process runs the devnet in " + dir + " ('cachet devnet status')");
    }
    return new DevnetLock(channel, held);
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process is ending or the file is gone
    }
  }
}
