package io.cachet.storage.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the temporary directories of quilt uploads whose gateway died (a crash, {@code kill -9}):
 * nothing else ever would. Run once at gateway start, on a worker.
 *
 * <p>A directory is named {@code cachet-quilt-upload-<pid>-<random>} ({@link QuiltPublisher#TEMP_PREFIX}).
 * It is left over, and deleted, when no process with that pid runs, or the one that does started
 * after the directory was last changed (the pid was reused). A directory of a live gateway, in this
 * process or another one sharing the temporary disk, is never touched. A directory without a pid
 * (made by an older gateway) is deleted only once it is {@link #UNOWNED_AGE} old. The rule needs
 * every gateway sharing the temporary directory to see the others' processes (one pid namespace).
 * Disk times, not the gateway's clock: they are compared with the file system's own times.
 */
final class QuiltTempSweep {
  private static final Logger LOG = LoggerFactory.getLogger(QuiltTempSweep.class);

  /** Age past which a directory that names no owner is taken as left over. */
  static final Duration UNOWNED_AGE = Duration.ofDays(1);

  private QuiltTempSweep() {}

  /** Deletes the left-over upload directories under {@code tmp}; returns how many. */
  static int sweep(Path tmp, Instant now) {
    int deleted = 0;
    try (Stream<Path> all = Files.list(tmp)) {
      for (Path dir : all.filter(p -> p.getFileName().toString().startsWith(QuiltPublisher.TEMP_PREFIX)).toList()) {
        try {
          if (Files.isDirectory(dir) && leftOver(dir, now)) {
            deleteTree(dir);
            deleted++;
          }
        } catch (IOException e) {
          LOG.warn("quilt upload directory {} not swept: {}", dir, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("temporary directory {} not swept of quilt uploads: {}", tmp, e.toString());
    }
    if (deleted > 0) {
      LOG.info("deleted {} quilt upload directories left by gateways that are gone", deleted);
    }
    return deleted;
  }

  static boolean leftOver(Path dir, Instant now) throws IOException {
    FileTime changed = Files.getLastModifiedTime(dir);
    String rest = dir.getFileName().toString().substring(QuiltPublisher.TEMP_PREFIX.length());
    int dash = rest.indexOf('-');
    long pid;
    try {
      pid = dash > 0 ? Long.parseLong(rest.substring(0, dash)) : -1;
    } catch (NumberFormatException e) {
      pid = -1;
    }
    if (pid < 0) {
      return changed.toInstant().plus(UNOWNED_AGE).isBefore(now);
    }
    Optional<ProcessHandle> owner = ProcessHandle.of(pid);
    if (owner.isEmpty()) {
      return true;
    }
    Optional<Instant> started = owner.get().info().startInstant();
    return started.isPresent() && started.get().isAfter(changed.toInstant());
  }

  private static void deleteTree(Path dir) throws IOException {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(dir)) {
      all = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : all) {
      Files.deleteIfExists(p);
    }
  }
}
