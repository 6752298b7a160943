package io.cachet.bench.chaos;

import java.nio.file.Path;

/**
 * A process for {@link SmallDiskTest}: mounts a {@link SmallDisk} on the directory it is given,
 * prints {@code mounted DIR} and exits 0 without unmounting it, so the test can see that the
 * JVM's exit took the mount with it.
 */
public final class MountingMain {
  private MountingMain() {}

  public static void main(String[] args) throws Exception {
    SmallDisk disk = SmallDisk.mount(Path.of(args[0]), SmallDisk.MIN_BYTES);
    System.out.println("mounted " + disk.dir());
    System.exit(0);
  }
}
