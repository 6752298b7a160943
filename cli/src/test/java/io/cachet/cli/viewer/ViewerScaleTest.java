package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.browser.HeadlessChromium;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale: a 256 MiB file, sealed by the CLI, opened by the SDK in the page with the tab's memory
 * bounded. The page streams the plaintext into slice digests and keeps none of it; the test compares
 * the digests with Java's and asserts the renderer's peak resident memory (VmHWM of the tab's
 * renderer process, from /proc) and the page's peak JS heap stay well below the file's size, and
 * prints both.
 *
 * <p>It takes minutes on a two-core machine (the put alone seals, encodes and stores 256 MiB on the
 * devnet's seven nodes), so it runs only with {@code -D}{@value #PROPERTY}{@code =true}.
 */
@EnabledIfSystemProperty(named = ViewerScaleTest.PROPERTY, matches = "true")
class ViewerScaleTest {
  /** The system property that runs this class. */
  static final String PROPERTY = "cachet.viewer.scale";
  static final long SIZE = 256L * 1024 * 1024;
  /** The most the tab's renderer may hold at its peak: well below the file, whatever the page's baseline. */
  static final long RENDERER_PEAK_LIMIT = 192L * 1024 * 1024;
  /** The most the page's JS heap may reach while reading. */
  static final long JS_HEAP_LIMIT = 64L * 1024 * 1024;
  static final Duration OPEN_WAIT = Duration.ofMinutes(10);

  @TempDir static Path dir;
  static ViewerDevnet devnet;
  static ViewerPage page;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.assumeAvailable();
    devnet = ViewerDevnet.start(dir);
    page = ViewerPage.start(dir.resolve("browser"), devnet.viewer());
  }

  @AfterAll
  static void stop() throws Exception {
    try (AutoCloseable d = devnet) {
      if (page != null) {
        page.close();
      }
    }
  }

  @Test
  void twoHundredFiftySixMebibytes_openedInThePage_withItsMemoryBounded() throws Exception {
    String policy = devnet.allowList();
    devnet.grant(policy, page.address());
    Path file = dir.resolve("big.bin");
    List<String> expected = write(file, SIZE);
    long t0 = System.nanoTime();
    String blob = devnet.put(file, policy);
    Files.delete(file);
    long t1 = System.nanoTime();

    ViewerPage.InPage r = page.openInPage(null, blob, null, OPEN_WAIT);
    long t2 = System.nanoTime();
    long rendererPeak = rendererPeakBytes();
    System.out.printf("viewer scale: put %d MiB in %.1f s, opened in the page in %.1f s (%.1f MiB/s);"
            + " renderer VmHWM %.1f MiB, JS heap peak %.1f MiB%n", SIZE >> 20, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
        SIZE / 1048576.0 / ((t2 - t1) / 1e9), rendererPeak / 1048576.0, r.heapPeak() / 1048576.0);

    assertThat(r.ok()).as("%s", r).isTrue();
    assertThat(r.bytes()).isEqualTo(SIZE);
    assertThat(r.digests()).isEqualTo(expected);
    assertThat(r.heapPeak()).as("the page's JS heap at its peak").isPositive().isLessThan(JS_HEAP_LIMIT);
    assertThat(rendererPeak).as("the tab's renderer's peak resident memory").isPositive()
        .isLessThan(RENDERER_PEAK_LIMIT);
  }

  /** Writes {@code size} pseudo-random bytes to {@code file}; Java's slice digests of them. */
  private static List<String> write(Path file, long size) throws IOException {
    List<String> digests = new ArrayList<>();
    Random random = new Random(256);
    byte[] slice = new byte[ViewerPage.SLICE_BYTES];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += slice.length) {
        int n = (int) Math.min(slice.length, size - done);
        random.nextBytes(slice);
        out.write(slice, 0, n);
        MessageDigest sha = ViewerPage.sha256();
        sha.update(slice, 0, n);
        digests.add(HexFormat.of().formatHex(sha.digest()));
      }
    }
    return digests;
  }

  private static final Pattern VM_HWM = Pattern.compile("(?m)^VmHWM:\\s+(\\d+) kB$");

  /**
   * The largest VmHWM among the renderer processes of this test's Chromium (found as the
   * descendants, with {@code --type=renderer}, of the browser process started on this test's
   * profile directory): the tab's peak resident memory since it started.
   */
  private static long rendererPeakBytes() throws IOException {
    String profile = "--user-data-dir=" + dir.resolve("browser").resolve("profile").toAbsolutePath();
    Optional<ProcessHandle> browser = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(profile) && !c.contains("--type=")).orElse(false))
        .findFirst();
    assertThat(browser).as("this test's Chromium process").isPresent();
    long peak = 0;
    for (ProcessHandle p : browser.get().descendants().toList()) {
      if (!p.info().commandLine().map(c -> c.contains("--type=renderer")).orElse(false)) {
        continue;
      }
      Path status = Path.of("/proc", Long.toString(p.pid()), "status");
      Matcher m = VM_HWM.matcher(Files.readString(status));
      if (m.find()) {
        peak = Math.max(peak, Long.parseLong(m.group(1)) * 1024);
      }
    }
    return peak;
  }
}
