package io.cachet.common.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real process told to stop by SIGTERM runs its stop and exits 0. */
class TerminationTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final Pattern CHILD = Pattern.compile("child=(\\d+)");

  @TempDir Path dir;

  /** The process under test: marks that it serves, waits for a signal; its stop writes a file. */
  public static final class Part {
    public static void main(String[] args) throws Exception {
      Path done = Path.of(args[0]);
      Termination.onSignal("test", () -> {
        try {
          Files.writeString(done, "stopped cleanly");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      Files.writeString(Path.of(args[1]), "serving");
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void sigterm_runsTheStop_andExitsZero() throws Exception {
    Path done = dir.resolve("done");
    Path serving = dir.resolve("serving");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Part.class.getName(),
        done.toString(), serving.toString())).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(serving) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(serving).exists();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.log"))).isZero();
      assertThat(Files.readString(done)).isEqualTo("stopped cleanly");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void secondSignal_killsTheSupervisorsParts_beforeItHalts() throws Exception {
    PartProcess supervisor = PartProcess.start("supervisor", PartLaunch.of("supervisor", SupervisorTestMain.class,
        dir).withArgs(dir.toString()).withJvmOptions("-Xmx64m"));
    try {
      Matcher m = CHILD.matcher(supervisor.awaitLine(CHILD, PATIENCE));
      assertThat(m.find()).isTrue();
      ProcessHandle child = ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow();
      ProcessHandle sup = ProcessHandle.of(supervisor.pid()).orElseThrow();
      sup.destroy(); // SIGTERM: the stop waits for a part that ignores it
      supervisor.awaitLine(Pattern.compile("event=supervisor_stop_begun"), PATIENCE);
      sup.destroy(); // the second: a forced exit
      assertThat(sup.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
      assertThat(supervisor.exitCode()).hasValue(1);
      assertThat(child.onExit().get(60, TimeUnit.SECONDS).isAlive()).as("the deaf part outlived its supervisor")
          .isFalse();
    } finally {
      supervisor.close();
    }
  }
}
