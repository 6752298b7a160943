package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.agent.AgentFrames;
import io.cachet.cli.agent.AgentServer;
import io.cachet.cli.agent.BuildId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * When the launcher hands a command to a real agent on a real socket, and when it runs it here.
 * Alone: one test swaps {@code System.err} to read what the launcher prints there.
 */
@Isolated
class LauncherAgentTest {
  @TempDir Path home;

  @Test
  void launcher_anEnvironmentOverOneMebibyte_runsTheCommandHere() throws Exception {
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC());
    try {
      Map<String, String> env = new HashMap<>();
      env.put("CACHET_HOME", home.toString());
      for (int i = 0; i < 10; i++) {
        env.put("BIG" + i, "x".repeat(120 * 1024)); // each under Linux's 128 KiB per string
      }
      assertThat(Launcher.viaAgent(new String[] {"id", "list"}, env, home)).isEqualTo(-1);
    } finally {
      agent.close();
    }
  }

  @Test
  void launcher_anAgentOfAnotherBuild_runsTheCommandHere_andSaysHowToRestartIt() throws Exception {
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC(),
        new AgentServer.Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 64, "1234:5678"));
    PrintStream stderr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = Launcher.viaAgent(new String[] {"id", "list"}, Map.of("CACHET_HOME", home.toString()), home);
      assertThat(exit).isEqualTo(-1);
    } finally {
      System.setErr(stderr);
      agent.close();
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(Launcher.OTHER_BUILD + System.lineSeparator());
    assertThat(Launcher.OTHER_BUILD).contains("'cachet agent stop && cachet agent start'");
  }

  @Test
  void launcher_aCallerWithoutTZ_sendsItsOwnZone_andKeepsACallersTZ() throws Exception {
    List<String> without = AgentFrames.decodeStrings(Launcher.request(new String[] {"ls"}, Map.of("A", "b"), home));
    assertThat(without).containsExactly(BuildId.current(), home.toString(), "1", "ls", "A=b",
        "TZ=" + ZoneId.systemDefault().getId());
    List<String> with = AgentFrames.decodeStrings(Launcher.request(new String[] {"ls"}, Map.of("TZ", "Asia/Tokyo"), home));
    assertThat(with).containsExactly(BuildId.current(), home.toString(), "1", "ls", "TZ=Asia/Tokyo");
  }
}
