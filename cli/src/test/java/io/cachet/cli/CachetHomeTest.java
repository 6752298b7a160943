package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CachetHomeTest {
  @TempDir Path tmp;

  private static Invocation run(Path cwd, Map<String, String> env) {
    return new Invocation(env, cwd, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream()), false);
  }

  private static Path dirOf(Invocation run, String... args) throws Exception {
    CachetHome home = new CachetHome();
    CommandLine cl = new CommandLine(home);
    cl.registerConverter(Path.class, text -> Invocation.current().resolve(text));
    return Invocation.call(run, () -> {
      cl.parseArgs(args);
      return home.dir();
    });
  }

  @Test
  void defaultsToHomeEnvironmentVariable_notJavasUserHome() throws Exception {
    Path alice = tmp.resolve("alice");
    assertThat(dirOf(run(tmp, Map.of("HOME", alice.toString())))).isEqualTo(alice.resolve(".cachet"));
  }

  @Test
  void twoRunsWithDifferentHomes_getDifferentStateDirectories() throws Exception {
    Path a = dirOf(run(tmp, Map.of("HOME", tmp.resolve("job-1").toString())));
    Path b = dirOf(run(tmp, Map.of("HOME", tmp.resolve("job-2").toString())));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void cachetHomeWins_overHome() throws Exception {
    Map<String, String> env = Map.of("HOME", tmp.resolve("h").toString(), "CACHET_HOME", tmp.resolve("c").toString());
    assertThat(dirOf(run(tmp, env))).isEqualTo(tmp.resolve("c"));
  }

  @Test
  void homeOptionWins_andResolvesAgainstTheRunsDirectory() throws Exception {
    Map<String, String> env = Map.of("HOME", "/nowhere", "CACHET_HOME", "/nowhere/either");
    assertThat(dirOf(run(tmp.resolve("work"), env), "--home", "state")).isEqualTo(tmp.resolve("work").resolve("state"));
  }

  @Test
  void noHomeAtAll_fallsBackToUserHome() throws Exception {
    assertThat(dirOf(run(tmp, Map.of()))).isEqualTo(Path.of(System.getProperty("user.home"), ".cachet"));
  }
}
