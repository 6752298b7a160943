package io.cachet.common.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import sun.misc.Signal;

/**
 * A supervisor for {@link TerminationTest}, run in its own process. Its first argument is a
 * directory: it launches a copy of itself in {@code deaf} mode through {@link PartProcess} (a part
 * that ignores SIGTERM), prints {@code child=PID} once that one serves, and stops on SIGTERM by
 * waiting for the deaf part, which never ends: only a forced exit ends the supervisor.
 */
public final class SupervisorTestMain {
  private SupervisorTestMain() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("deaf")) {
      Signal.handle(new Signal("TERM"), s -> System.out.println("event=deaf_ignored_sigterm"));
      System.out.println("event=deaf_serving");
      Thread.sleep(Long.MAX_VALUE);
      return;
    }
    PartProcess child = PartProcess.start("deaf", PartLaunch.of("deaf", SupervisorTestMain.class, Path.of(args[0]))
        .withArgs("deaf").withJvmOptions("-Xmx32m"));
    child.awaitLine(Pattern.compile("event=deaf_serving"), Duration.ofSeconds(60));
    Termination.beforeHalt(PartProcess::killAll);
    Termination.onSignal("supervisor", () -> {
      System.out.println("event=supervisor_stop_begun");
      try {
        child.terminate(Duration.ofHours(1));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    System.out.println("child=" + child.pid());
    Thread.sleep(Long.MAX_VALUE);
  }
}
