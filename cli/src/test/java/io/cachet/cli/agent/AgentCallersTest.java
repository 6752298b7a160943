package io.cachet.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.ExitCodes;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Callers that misbehave (never read, never send, hang up, come in crowds) against the real agent
 * on a real Unix socket: none of them may hold the agent, and an abandoned command changes nothing.
 * Its time goes to the agent's deadlines running out, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("AgentCallersTest")
class AgentCallersTest {
  /** How long any one wait in these tests may take on a loaded machine. */
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir Path home;

  private Map<String, String> env() {
    return Map.of("CACHET_HOME", home.toString(), "HOME", home.toString());
  }

  /** A run request as the launcher builds it. */
  private static byte[] runRequest(Path cwd, Map<String, String> env, String... args) {
    List<String> s = new ArrayList<>();
    s.add(BuildId.current());
    s.add(cwd.toString());
    s.add(Integer.toString(args.length));
    s.addAll(List.of(args));
    env.forEach((k, v) -> s.add(k + "=" + v));
    return AgentFrames.encodeStrings(s);
  }

  private SocketChannel send(byte[] request) throws Exception {
    SocketChannel ch = AgentSocket.connect(home);
    OutputStream out = Channels.newOutputStream(ch);
    AgentFrames.write(out, AgentFrames.RUN, request);
    out.flush();
    return ch;
  }

  /** Writes a contacts file big enough that 'contact list' prints far more than a socket buffers. */
  private void manyContacts(int n) throws Exception {
    StringBuilder b = new StringBuilder("{\"format\":\"cachet-contacts/1\",\"contacts\":{");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":\"0x")
          .append(String.format("%064x", i + 1)).append('"');
    }
    b.append("}}");
    Files.writeString(home.resolve("contacts.json"), b.toString());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("waited " + PATIENCE + " for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static AgentServer.Limits limits(Duration request, Duration write, int connections) {
    return new AgentServer.Limits(request, write, connections, BuildId.current());
  }

  @Test
  void agent_sixteenRunsWhoseOutputIsUnread_areEnded_andALaterCommandIsToldItWaits() throws Exception {
    manyContacts(30_000);
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC(),
        limits(Duration.ofSeconds(30), Duration.ofSeconds(5), 64));
    List<SocketChannel> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < AgentServer.MAX_RUNNING; i++) {
        stalled.add(send(runRequest(home, env(), "contact", "list"))); // never read
      }
      await("sixteen runs to take every slot", () -> agent.freeRuns() == 0);
      CompletableFuture<String[]> later = CompletableFuture.supplyAsync(() -> {
        try (SocketChannel ch = send(runRequest(home, env(), "id", "list"))) {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          ByteArrayOutputStream err = new ByteArrayOutputStream();
          int exit = AgentSocket.relay(Channels.newInputStream(ch), out, err);
          return new String[] {Integer.toString(exit), err.toString(StandardCharsets.UTF_8)};
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      String[] r = later.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      assertThat(r[0]).as(r[1]).isEqualTo("0");
      assertThat(r[1]).contains("the agent runs 16 commands already; this one waits");
      for (SocketChannel ch : stalled) {
        InputStream in = Channels.newInputStream(ch);
        assertThat(in.skip(Long.MAX_VALUE)).as("what a stalled run sent before it was ended").isPositive();
      }
    } finally {
      for (SocketChannel ch : stalled) {
        ch.close();
      }
      agent.close();
    }
  }

  @Test
  void agent_aSilentCaller_isDisconnectedAfterTheRequestDeadline() throws Exception {
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC(),
        limits(Duration.ofSeconds(1), Duration.ofSeconds(30), 64));
    try (SocketChannel ch = AgentSocket.connect(home)) {
      // a frame header claiming 1 MiB, then silence
      Channels.newOutputStream(ch).write(new byte[] {AgentFrames.RUN, 0, 16, 0, 0});
      CompletableFuture<Integer> eof = CompletableFuture.supplyAsync(() -> {
        try {
          return Channels.newInputStream(ch).read();
        } catch (Exception e) {
          return -2;
        }
      });
      assertThat(eof.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(-1);
      await("the silent connection to be let go", () -> agent.served() == 0);
    } finally {
      agent.close();
    }
  }

  @Test
  void agent_beyondItsConnectionLimit_refusesAtOnceWithALine() throws Exception {
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC(),
        limits(Duration.ofHours(1), Duration.ofSeconds(30), 2));
    try (SocketChannel a = AgentSocket.connect(home); SocketChannel b = AgentSocket.connect(home)) {
      await("two connections served", () -> agent.served() == 2);
      // The third caller only connects: the agent refuses it at accept, before reading anything, and
      // a caller that wrote its version byte after that close would get EPIPE instead of the line.
      try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        c.connect(UnixDomainSocketAddress.of(AgentSocket.socket(home)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CompletableFuture.supplyAsync(() -> {
          try {
            return AgentSocket.relay(Channels.newInputStream(c), out, err);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit).isEqualTo(ExitCodes.IO);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("serving 2 connections already", "CACHET_NO_AGENT=1");
      }
    } finally {
      agent.close();
    }
  }

  @Test
  void agent_aCallerThatHangsUpWhileItsCommandWaits_hasItsCommandDropped() throws Exception {
    manyContacts(30_000);
    AgentServer agent = AgentServer.start(home, Duration.ofHours(1), Clock.systemUTC(),
        limits(Duration.ofSeconds(30), Duration.ofSeconds(30), 64));
    List<SocketChannel> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < AgentServer.MAX_RUNNING; i++) {
        stalled.add(send(runRequest(home, env(), "contact", "list")));
      }
      await("sixteen runs to take every slot", () -> agent.freeRuns() == 0);
      String address = "0x" + "ab".repeat(32);
      try (SocketChannel aborted = send(runRequest(home, env(), "contact", "add", "zed", address))) {
        // the agent's line that it waits, then the caller's Ctrl-C
        AgentFrames.Frame first = AgentFrames.read(Channels.newInputStream(aborted));
        assertThat(first.type()).isEqualTo(AgentFrames.ERR);
      }
      for (SocketChannel ch : stalled) {
        ch.close();
      }
      await("every connection to end", () -> agent.served() == 0 && agent.freeRuns() == AgentServer.MAX_RUNNING);
      assertThat(Files.readString(home.resolve("contacts.json"))).doesNotContain("\"zed\"");
    } finally {
      for (SocketChannel ch : stalled) {
        ch.close();
      }
      agent.close();
    }
  }
}
