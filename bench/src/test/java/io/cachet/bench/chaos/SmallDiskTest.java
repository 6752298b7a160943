package io.cachet.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cachet.bench.chaos.SmallDisk.Kind;
import io.cachet.common.process.PartLaunch;
import io.cachet.common.process.PartProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SmallDisk} mounted for real, filled with real writes until the kernel refuses one. Each
 * kind runs only where this machine can mount it, and is skipped with the reason where it cannot.
 */
class SmallDiskTest {
  private static final long SIZE = 16L << 20;
  private static final long LEAVE_FREE = 128 * 1024;

  @TempDir Path tmp;

  private static void assumeUsable(Kind kind) {
    Optional<String> reason = SmallDisk.unavailable(kind);
    assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void fill_makesAWriteFail_untilReleased(Kind kind) throws Exception {
    assumeUsable(kind);
    Path dir = Files.createDirectory(tmp.resolve("data"));
    try (SmallDisk disk = SmallDisk.mount(dir, SIZE, kind)) {
      assertThat(SmallDisk.isMountPoint(dir)).isTrue();
      assertThat(disk.kind()).isEqualTo(kind);
      Files.write(dir.resolve("before"), new byte[1 << 20]);
      assertThat(disk.fill(LEAVE_FREE)).isPositive();
      assertThat(disk.free()).isLessThanOrEqualTo(LEAVE_FREE);
      assertThatThrownBy(() -> Files.write(dir.resolve("blob"), new byte[1 << 20]))
          .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
      disk.release();
      assertThat(disk.free()).isGreaterThan(1 << 20);
      Files.write(dir.resolve("blob"), new byte[1 << 20]);
      assertThat(Files.size(dir.resolve("before"))).isEqualTo(1 << 20);
    }
    assertThat(SmallDisk.isMountPoint(dir)).isFalse();
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void mount_rootIsPrivate(Kind kind) throws Exception {
    assumeUsable(kind);
    Path dir = Files.createDirectory(tmp.resolve("data"));
    try (SmallDisk disk = SmallDisk.mount(dir, SIZE, kind)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(disk.dir()))).isEqualTo("rwx------");
    }
  }

  @Test
  void exitOfTheJvm_unmountsWhatItLeftMounted() throws Exception {
    assumeTrue(SmallDisk.unavailable(Kind.TMPFS).isEmpty() || SmallDisk.unavailable(Kind.LOOP).isEmpty(),
        () -> SmallDisk.unavailable(Kind.TMPFS).orElse("") + "; " + SmallDisk.unavailable(Kind.LOOP).orElse(""));
    Path dir = Files.createDirectory(tmp.resolve("data"));
    try (PartProcess jvm = PartProcess.start("mounter", PartLaunch.of("mounter", MountingMain.class, tmp)
        .withArgs(dir.toString()))) {
      jvm.awaitLine(Pattern.compile("^mounted "), Duration.ofSeconds(60));
      assertThat(jvm.terminate(Duration.ofSeconds(60))).isZero();
    }
    assertThat(SmallDisk.isMountPoint(dir)).isFalse();
  }

  @Test
  void mount_refusesADirectoryThatHoldsFiles() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    Files.writeString(dir.resolve("node.key"), "x");
    assertThatThrownBy(() -> SmallDisk.mount(dir, SIZE, Kind.TMPFS))
        .isInstanceOf(IOException.class).hasMessageContaining("not empty");
    assertThat(SmallDisk.isMountPoint(dir)).isFalse();
  }

  @Test
  void mount_choosesAKindThisMachineAllows() throws Exception {
    assumeTrue(SmallDisk.unavailable(Kind.TMPFS).isEmpty() || SmallDisk.unavailable(Kind.LOOP).isEmpty(),
        () -> SmallDisk.unavailable(Kind.TMPFS).orElse("") + "; " + SmallDisk.unavailable(Kind.LOOP).orElse(""));
    Path dir = Files.createDirectory(tmp.resolve("data"));
    try (SmallDisk disk = SmallDisk.mount(dir, SIZE)) {
      assertThat(disk.kind()).isEqualTo(SmallDisk.unavailable(Kind.TMPFS).isEmpty() ? Kind.TMPFS : Kind.LOOP);
    }
  }
}
