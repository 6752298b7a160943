package io.cachet.bench.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A size-limited filesystem mounted on a directory, for a storage node's data directory to fill up
 * on purpose. It is a tmpfs ({@code mount -t tmpfs -o size=...}) where the machine allows it, else
 * an ext4 filesystem in a loop-mounted image file; both need root (or {@code CAP_SYS_ADMIN}).
 * {@link #unavailable(Kind)} says why a kind cannot be used here, so that tests skip with that
 * reason instead of passing.
 *
 * <p>Guarantees: {@link #mount} mounts only on an existing, empty directory, so a wrong path never
 * hides a part's data; the root of the filesystem is 0700. After {@link #fill}, at most the asked
 * number of bytes is free, held by one file ({@value #FILLER}) in the root; {@link #release}
 * deletes it. {@link #unmount} leaves the directory as it was before the mount (empty) and deletes
 * a loop image; a disk still mounted when this JVM exits normally is unmounted by a shutdown hook.
 */
public final class SmallDisk implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SmallDisk.class);
  /** Name of the file that takes the space {@link #fill} takes. */
  public static final String FILLER = "chaos-filler";
  /** Smallest filesystem made; ext4 needs room for its journal and tables. */
  public static final long MIN_BYTES = 4L << 20;
  /** Bytes written to the filler at a time. */
  private static final int FILL_CHUNK = 64 * 1024;
  /** Longest a mount, mkfs or umount command may take. */
  private static final long COMMAND_TIMEOUT_SECONDS = 60;
  /** Size of the filesystem a probe mounts. */
  private static final long PROBE_BYTES = 8L << 20;

  /** How the filesystem is made. */
  public enum Kind {
    /** A tmpfs with a size limit: in memory, nothing to clean up on disk. */
    TMPFS,
    /** An ext4 filesystem in an image file, mounted through a loop device. */
    LOOP
  }

  private static final Map<Kind, Optional<String>> PROBED = new ConcurrentHashMap<>();
  /** Disks mounted and not yet unmounted; unmounted when this JVM exits, so no mount outlives it. */
  private static final Set<SmallDisk> MOUNTED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(SmallDisk::unmountAll, "small-disk-unmount"));
  }

  private final Path dir;
  private final long bytes;
  private final Kind kind;
  private final Path image;
  private boolean mounted = true;

  private SmallDisk(Path dir, long bytes, Kind kind, Path image) {
    this.dir = dir;
    this.bytes = bytes;
    this.kind = kind;
    this.image = image;
  }

  /**
   * Why a filesystem of {@code kind} cannot be mounted on this machine, found once by mounting a
   * small one in a temporary directory; empty if it can.
   */
  public static Optional<String> unavailable(Kind kind) {
    return PROBED.computeIfAbsent(kind, SmallDisk::probe);
  }

  private static Optional<String> probe(Kind kind) {
    Path probeDir = null;
    try {
      probeDir = Files.createTempDirectory("cachet-smalldisk-probe");
      try (SmallDisk disk = mount(probeDir, PROBE_BYTES, kind)) {
        Files.writeString(disk.dir().resolve("probe"), "probe");
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(kind + " cannot be mounted here: " + e.getMessage());
    } finally {
      if (probeDir != null) {
        try {
          Files.deleteIfExists(probeDir);
        } catch (IOException e) {
          LOG.warn("event=small_disk_probe_left dir={}", probeDir);
        }
      }
    }
  }

  /** Mounts a tmpfs of {@code bytes} on {@code dir} if this machine allows it, else a loop ext4. */
  public static SmallDisk mount(Path dir, long bytes) throws IOException {
    Optional<String> noTmpfs = unavailable(Kind.TMPFS);
    if (noTmpfs.isEmpty()) {
      return mount(dir, bytes, Kind.TMPFS);
    }
    Optional<String> noLoop = unavailable(Kind.LOOP);
    if (noLoop.isEmpty()) {
      return mount(dir, bytes, Kind.LOOP);
    }
    throw new IOException("no small filesystem can be made here: " + noTmpfs.get() + "; " + noLoop.get());
  }

  /** Mounts a filesystem of {@code kind} and {@code bytes} on {@code dir}, which must exist and be empty. */
  public static SmallDisk mount(Path dir, long bytes, Kind kind) throws IOException {
    Objects.requireNonNull(kind, "kind");
    if (bytes < MIN_BYTES) {
      throw new IllegalArgumentException("a small disk is at least " + MIN_BYTES + " bytes, got " + bytes);
    }
    Path target = dir.toRealPath();
    try (Stream<Path> entries = Files.list(target)) {
      if (entries.findAny().isPresent()) {
        throw new IOException("refusing to mount over " + target + ": it is not empty");
      }
    }
    Path image = null;
    if (kind == Kind.TMPFS) {
      run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", target.toString());
    } else {
      image = Files.createTempFile("cachet-smalldisk", ".img");
      try {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
          ch.truncate(0);
          ch.write(ByteBuffer.allocate(1), bytes - 1);
        }
        // -m 0: no blocks reserved for root, so a part running as root fills up like any other.
        run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
        run("mount", "-o", "loop", image.toString(), target.toString());
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(image);
        throw e;
      }
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
    }
    LOG.info("event=small_disk_mounted dir={} bytes={} kind={}", target, bytes, kind);
    SmallDisk disk = new SmallDisk(target, bytes, kind, image);
    MOUNTED.add(disk);
    return disk;
  }

  public Path dir() {
    return dir;
  }

  public long bytes() {
    return bytes;
  }

  public Kind kind() {
    return kind;
  }

  /** Bytes a process could still write here. */
  public long free() throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  /**
   * Writes the filler until at most {@code leaveFree} bytes are free (or the filesystem refuses
   * more), fsyncs it, and returns the bytes it added. A second call adds to the same filler.
   */
  public synchronized long fill(long leaveFree) throws IOException {
    if (leaveFree < 0) {
      throw new IllegalArgumentException("bytes left free are not negative, got " + leaveFree);
    }
    requireMounted();
    byte[] chunk = new byte[FILL_CHUNK];
    long written = 0;
    try (FileChannel ch = FileChannel.open(dir.resolve(FILLER), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      try (OutputStream out = Channels.newOutputStream(ch)) {
        long free;
        while ((free = free()) > leaveFree) {
          int n = (int) Math.min(chunk.length, free - leaveFree);
          out.write(chunk, 0, n);
          written += n;
        }
        ch.force(true);
      }
    } catch (IOException e) {
      if (!isNoSpace(e)) {
        throw e;
      }
    }
    LOG.info("event=small_disk_filled dir={} added={} free={}", dir, written, free());
    return written;
  }

  /** Deletes the filler, giving its space back. */
  public synchronized void release() throws IOException {
    requireMounted();
    Files.deleteIfExists(dir.resolve(FILLER));
    LOG.info("event=small_disk_released dir={} free={}", dir, free());
  }

  /** Unmounts; everything written here is gone, and a loop image is deleted. */
  public synchronized void unmount() throws IOException {
    if (!mounted) {
      return;
    }
    run("umount", dir.toString());
    mounted = false;
    MOUNTED.remove(this);
    if (image != null) {
      Files.deleteIfExists(image);
    }
    LOG.info("event=small_disk_unmounted dir={}", dir);
  }

  @Override
  public void close() throws IOException {
    unmount();
  }

  /** Whether a filesystem is mounted exactly on {@code dir}, from {@code /proc/self/mountinfo}. */
  public static boolean isMountPoint(Path dir) throws IOException {
    String target = dir.toRealPath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(target)) {
        return true;
      }
    }
    return false;
  }

  private static void unmountAll() {
    for (SmallDisk disk : MOUNTED) {
      try {
        // Lazy: a part still holding a file open there must not keep the mount alive.
        run("umount", "-l", disk.dir.toString());
        if (disk.image != null) {
          Files.deleteIfExists(disk.image);
        }
      } catch (IOException e) {
        LOG.warn("event=small_disk_left_mounted dir={}", disk.dir);
      }
    }
  }

  private void requireMounted() {
    if (!mounted) {
      throw new IllegalStateException(dir + " is unmounted");
    }
  }

  private static boolean isNoSpace(IOException e) {
    String m = e.getMessage();
    return m != null && m.contains("No space left on device");
  }

  private static void run(String... command) throws IOException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] output;
    try {
      output = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted running " + command[0], e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed with " + p.exitValue() + ": "
          + new String(output, StandardCharsets.UTF_8).strip());
    }
  }
}
