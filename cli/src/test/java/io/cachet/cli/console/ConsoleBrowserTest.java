package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The one rule for a machine without Chromium: the browser tests skip, unless CI requires them. */
class ConsoleBrowserTest {
  @TempDir Path dir;

  @Test
  void missingBrowser_skipsWithTheReason() {
    Path absent = dir.resolve("chromium");
    assertThatThrownBy(() -> ConsoleBrowser.assumeAvailable(List.of(absent), null))
        .isInstanceOf(TestAbortedException.class).hasMessageContaining(absent.toString())
        .hasMessageContaining("apt-get install chromium chromium-driver");
    assertThatThrownBy(() -> ConsoleBrowser.assumeAvailable(List.of(absent), "0"))
        .isInstanceOf(TestAbortedException.class);
  }

  @Test
  void missingBrowser_whenRequired_fails() {
    Path absent = dir.resolve("chromedriver");
    assertThatThrownBy(() -> ConsoleBrowser.assumeAvailable(List.of(absent), "1"))
        .isInstanceOf(AssertionError.class).hasMessageContaining(absent.toString())
        .hasMessageContaining(ConsoleBrowser.REQUIRE_ENV + "=1");
  }

  @Test
  void presentPrograms_pass() {
    assertThatCode(() -> ConsoleBrowser.assumeAvailable(List.of(Path.of("/bin/sh")), "1")).doesNotThrowAnyException();
  }
}
