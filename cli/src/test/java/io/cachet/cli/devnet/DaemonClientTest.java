package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.ExitCodes;
import io.cachet.common.http.FloodServer;
import io.cachet.common.http.FloodServer.Announce;
import io.cachet.common.process.Termination;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control endpoint that answers a gigabyte: the devnet client stops at its cap and says so. The
 * client's bounds against the daemon's, and the exit code of a part that did not start.
 */
class DaemonClientTest {
  /** What the flood may have pushed past a cap into socket buffers before the reader's close: far below 1 GiB. */
  private static final long SLACK = 32L << 20;

  @TempDir Path dir;

  @Test
  void call_controlEndpointStreamingAGigabyte_failsAtCap() throws Exception {
    Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(dir.resolve("secrets").resolve("control.token"), "token");
    DaemonClient client = new DaemonClient();
    client.dir = dir;
    try (FloodServer flood = FloodServer.start(req -> true, Announce.CHUNKED, "{\"status\":\"", req -> { })) {
      DaemonClient.Running daemon = new DaemonClient.Running(ProcessHandle.current(), flood.port());
      assertThatThrownBy(() -> client.call(daemon, "GET", "/v1/status"))
          .isInstanceOf(DevnetException.class).hasMessageContaining("cap");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (flood.dropped() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(flood.dropped()).isEqualTo(1);
      assertThat(flood.written()).isLessThan(DaemonClient.MAX_CONTROL_ANSWER_BYTES + SLACK);
    }
  }

  @Test
  void answerTimeout_outlastsTheLongestStartTheDaemonMayTake() {
    assertThat(DaemonClient.ANSWER_TIMEOUT).isGreaterThan(ProcessDevnet.START_TIMEOUT.plus(ProcessDevnet.CATCH_UP));
  }

  @Test
  void exitCode_partDidNotStart_isIo_notUsage() {
    assertThat(ExitCodes.of(new DevnetException(PartDidNotStartException.REASON, "node-1 did not start")))
        .isEqualTo(ExitCodes.IO);
    assertThat(ExitCodes.of(new DevnetException(DevnetException.BAD_PART, "no part named 'ks-9'")))
        .isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void closeBound_isBelowTheStopBoundOfTermination() {
    assertThat(ProcessDevnet.CLOSE_BOUND.toMillis()).isLessThan(Termination.STOP_BOUND_MILLIS);
  }
}
