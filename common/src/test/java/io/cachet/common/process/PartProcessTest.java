package io.cachet.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PartProcess} driving {@link ChaosTestMain} in real OS processes with real signals. */
class PartProcessTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final Pattern SERVING = Pattern.compile("event=test_serving port=(\\d+)");

  @TempDir Path dir;
  private PartProcess part;

  @AfterEach
  void stop() throws Exception {
    if (part != null) {
      part.close();
    }
  }

  private int startPart(String exitOnTerm) throws Exception {
    part = PartProcess.start("test", PartLaunch.of("test", ChaosTestMain.class, dir).withArgs(exitOnTerm)
        .withJvmOptions("-Xmx64m"));
    Matcher m = SERVING.matcher(part.awaitLine(SERVING, PATIENCE));
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void terminate_givesTheExitCodeTheMainChose() throws Exception {
    startPart("7");
    assertThat(part.terminate(PATIENCE)).isEqualTo(7);
    assertThat(part.isAlive()).isFalse();
    assertThat(part.awaitLine(Pattern.compile("event=test_stopping"), PATIENCE)).isNotEmpty();
  }

  @Test
  void kill_givesExitCode137() throws Exception {
    startPart("7");
    assertThat(part.kill()).isEqualTo(PartProcess.SIGKILL_EXIT);
    assertThat(part.exitCode()).hasValue(137);
  }

  @Test
  void pause_processAnswersNothing_untilResumed() throws Exception {
    int port = startPart("0");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) PATIENCE.toMillis());
      PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      out.println("one");
      assertThat(in.readLine()).isEqualTo("one");
      part.pause();
      out.println("two");
      s.setSoTimeout(1_000);
      assertThatThrownBy(in::readLine).isInstanceOf(SocketTimeoutException.class);
      assertThat(part.isAlive()).isTrue();
      part.resume();
      s.setSoTimeout((int) PATIENCE.toMillis());
      assertThat(in.readLine()).isEqualTo("two");
    }
  }

  @Test
  void terminate_reachesAPausedProcess() throws Exception {
    startPart("5");
    part.pause();
    assertThat(part.terminate(PATIENCE)).isEqualTo(5);
  }

  @Test
  void awaitLine_seesALinePrintedLate() throws Exception {
    int port = startPart("0");
    Pattern late = Pattern.compile("^late line \\d+$");
    CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
      try {
        return part.awaitLine(late, PATIENCE);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(seen).isNotDone();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout((int) PATIENCE.toMillis());
      PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
      out.println("print late line 42");
      assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine())
          .isEqualTo("ok");
    }
    assertThat(seen.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("late line 42");
  }

  @Test
  void awaitLine_readsStandardErrorToo() throws Exception {
    startPart("0");
    assertThat(part.awaitLine(Pattern.compile("event=test_started"), PATIENCE)).isEqualTo("event=test_started");
  }

  @Test
  void awaitLine_ignoresWhatAnEarlierRunPrinted() throws Exception {
    startPart("0");
    part.kill();
    part = PartProcess.start("test", PartLaunch.of("test", ChaosTestMain.class, dir).withArgs("not-a-number"));
    // The second run fails at once; the first run's serving line must not be taken for its own.
    assertThatThrownBy(() -> part.awaitLine(SERVING, PATIENCE))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exited with 1");
  }

  @Test
  void awaitLine_timesOut_whenTheLineNeverComes() throws Exception {
    startPart("0");
    assertThatThrownBy(() -> part.awaitLine(Pattern.compile("never"), Duration.ofMillis(300)))
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void rssBytes_isPositiveWhileAlive_andEmptyOnceEnded() throws Exception {
    startPart("0");
    assertThat(part.rssBytes().orElseThrow()).isGreaterThan(1 << 20);
    part.kill();
    assertThat(part.rssBytes()).isEmpty();
  }

  @Test
  void awaitLine_failsAtOnce_whenThePartCannotStart() throws Exception {
    part = PartProcess.start("env", new PartLaunch("io.cachet.common.process.ChaosTestMain", "/nonexistent",
        List.of(), List.of(), Map.of(), dir, dir.resolve("env.out"),
        dir.resolve("env.err")));
    // The JVM cannot find the class: the part still ran, with its own output files.
    assertThatThrownBy(() -> part.awaitLine(SERVING, PATIENCE)).isInstanceOf(IllegalStateException.class);
    assertThat(part.exitCode()).hasValue(1);
  }

  @Test
  void env_isGiven_butConfigurationIsNotInherited() throws Exception {
    part = PartProcess.start("parent", PartLaunch.of("parent", ChaosTestMain.class, dir).withArgs("spawn",
        dir.toString()).withEnv(Map.of("CACHET_NODE_PORT", "7501")));
    assertThat(part.awaitLine(Pattern.compile("^env "), PATIENCE)).isEqualTo("env CACHET_NODE_PORT=7501");
    part.awaitLine(Pattern.compile("child=\\d+"), PATIENCE);
    // The grandchild was started by a JVM that had CACHET_NODE_PORT, with an empty env of its own.
    assertThat(Files.readString(dir.resolve("grandchild.out"))).contains("event=test_serving")
        .doesNotContain("CACHET_");
  }

  @Test
  void exitOfTheParent_killsThePartItStarted() throws Exception {
    part = PartProcess.start("parent", PartLaunch.of("parent", ChaosTestMain.class, dir).withArgs("spawn",
        dir.toString()));
    Matcher m = Pattern.compile("child=(\\d+)").matcher(part.awaitLine(Pattern.compile("child=\\d+"), PATIENCE));
    assertThat(m.find()).isTrue();
    long child = Long.parseLong(m.group(1));
    assertThat(part.terminate(PATIENCE)).isZero();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
  }
}
