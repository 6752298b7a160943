package io.cachet.common.browser;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The one rule for a machine without Chromium: the browser tests skip, unless CI requires them. */
class HeadlessChromiumTest {
  @TempDir Path dir;

  @Test
  void missingBrowser_skipsWithTheReason() {
    Path absent = dir.resolve("chromium");
    assertThatThrownBy(() -> HeadlessChromium.assumeAvailable(List.of(absent), null))
        .isInstanceOf(TestAbortedException.class).hasMessageContaining(absent.toString())
        .hasMessageContaining("apt-get install chromium chromium-driver");
    assertThatThrownBy(() -> HeadlessChromium.assumeAvailable(List.of(absent), "0"))
        .isInstanceOf(TestAbortedException.class);
  }

  @Test
  void missingBrowser_whenRequired_fails() {
    Path absent = dir.resolve("chromedriver");
    assertThatThrownBy(() -> HeadlessChromium.assumeAvailable(List.of(absent), "1"))
        .isInstanceOf(AssertionError.class).hasMessageContaining(absent.toString())
        .hasMessageContaining(HeadlessChromium.REQUIRE_ENV + "=1");
  }

  @Test
  void presentPrograms_pass() {
    assertThatCode(() -> HeadlessChromium.assumeAvailable(List.of(Path.of("/bin/sh")), "1")).doesNotThrowAnyException();
  }
}
