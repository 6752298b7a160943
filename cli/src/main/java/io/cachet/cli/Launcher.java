package io.cachet.cli;

import io.cachet.cli.agent.AgentFrames;
import io.cachet.cli.agent.AgentSocket;
import io.cachet.cli.agent.BuildId;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The jar's main class: hands the command to a running {@code cachet agent} when there is one,
 * else runs it here ({@link Cachet#main}). It loads almost nothing before it decides: no picocli,
 * no Jackson, no crypto; only {@code java.*} and the agent's frame codec.
 *
 * <p>A command runs here, not in the agent, when: {@code CACHET_NO_AGENT} is set; no agent
 * socket exists for the home, or no one listens on it (a dead agent's socket is removed); the
 * agent's directory is not private to this user; or the command must own this process: the
 * {@code agent}, {@code devnet} and {@code demo} groups (they start or manage processes),
 * {@code id new} and {@code id import} (they ask a new passphrase twice on the terminal), and a
 * command given {@code -} as a file to read (stdin is not forwarded).
 *
 * <p>What is forwarded: this build's id ({@link BuildId}), the arguments, the working directory
 * and the whole environment (so {@code CACHET_HOME}, {@code CACHET_PASSPHRASE}, {@code HOME},
 * {@code TZ} mean what they mean locally), with {@code TZ} set to this process's zone when the
 * caller has none; never stdin. The agent's stdout and stderr frames are written here byte for
 * byte. It also runs here when that request would not fit one frame, and when the agent runs
 * another build (said once on stderr).
 */
public final class Launcher {
  /** Set (to anything) to run every command in this process. */
  public static final String NO_AGENT_ENV = "CACHET_NO_AGENT";

  /** What the launcher says when the agent runs another build than its own. */
  static final String OTHER_BUILD = "cachet: the agent runs an older build; restart it with 'cachet agent stop &&"
      + " cachet agent start'";

  /** Command groups that always run in the caller's process. */
  private static final Set<String> LOCAL_GROUPS = Set.of("agent", "devnet", "demo");
  /** Subcommands of {@code id} that always run locally: they ask a new passphrase twice. */
  private static final Set<String> LOCAL_ID = Set.of("new", "import");

  private Launcher() {}

  public static void main(String[] args) {
    int exit = viaAgent(args, System.getenv(), Path.of("").toAbsolutePath());
    if (exit < 0) {
      Cachet.main(args);
      return;
    }
    System.exit(exit);
  }

  /**
   * Runs {@code args} in the agent of the home they name and returns the exit code, or -1 when
   * the command should run here.
   */
  static int viaAgent(String[] args, Map<String, String> env, Path cwd) {
    if (env.containsKey(NO_AGENT_ENV) || mustRunHere(args)) {
      return -1;
    }
    Path home = home(args, env, cwd);
    Path socket = AgentSocket.socket(home);
    if (!Files.exists(socket)) {
      return -1;
    }
    byte[] request = request(args, env, cwd);
    if (request.length > AgentFrames.MAX_PAYLOAD) {
      return -1;
    }
    SocketChannel ch;
    try {
      ch = AgentSocket.connect(home);
    } catch (ConnectException e) {
      removeDead(socket);
      return -1;
    } catch (Exception e) {
      return -1;
    }
    try (ch) {
      OutputStream toAgent = Channels.newOutputStream(ch);
      AgentFrames.write(toAgent, AgentFrames.RUN, request);
      toAgent.flush();
      // not closed: closing these would close this process's stdout and stderr
      OutputStream out = new FileOutputStream(FileDescriptor.out);
      OutputStream err = new FileOutputStream(FileDescriptor.err);
      return AgentSocket.relay(Channels.newInputStream(ch), out, err);
    } catch (AgentSocket.OtherBuildException e) {
      System.err.println(OTHER_BUILD);
      return -1;
    } catch (IOException e) {
      System.err.println("cachet: the agent stopped answering during the command; run it again, or without the"
          + " agent: " + NO_AGENT_ENV + "=1 cachet ...");
      return ExitCodes.IO;
    }
  }

  /** The RUN request's payload: build, directory, arguments and environment (TZ added if missing). */
  static byte[] request(String[] args, Map<String, String> env, Path cwd) {
    List<String> request = new ArrayList<>();
    request.add(BuildId.current());
    request.add(cwd.toString());
    request.add(Integer.toString(args.length));
    request.addAll(List.of(args));
    env.forEach((k, v) -> request.add(k + "=" + v));
    if (!env.containsKey("TZ")) {
      // the agent's JVM may have started in another zone than the caller's shell has
      request.add("TZ=" + ZoneId.systemDefault().getId());
    }
    return AgentFrames.encodeStrings(request);
  }

  /** Whether the command must own this process (see the class comment). */
  static boolean mustRunHere(String[] args) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-") && (i == 0 || !(args[i - 1].equals("-o") || args[i - 1].equals("--output")))) {
        return true;
      }
      if (!a.startsWith("-") && words.size() < 2 && (i == 0 || !takesValue(args[i - 1]))) {
        words.add(a);
      }
    }
    if (words.isEmpty()) {
      return false;
    }
    if (LOCAL_GROUPS.contains(words.get(0))) {
      return true;
    }
    return words.get(0).equals("id") && words.size() > 1 && LOCAL_ID.contains(words.get(1));
  }

  /** Options before the command words that take a value (so the value is not taken for a word). */
  private static boolean takesValue(String option) {
    return option.equals("--home");
  }

  /** The home as {@link CachetHome} finds it: {@code --home}, {@code CACHET_HOME}, {@code HOME}/.cachet. */
  static Path home(String[] args, Map<String, String> env, Path cwd) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--home") && i + 1 < args.length) {
        return cwd.resolve(args[i + 1]);
      }
      if (args[i].startsWith("--home=")) {
        return cwd.resolve(args[i].substring("--home=".length()));
      }
    }
    String h = env.get("CACHET_HOME");
    if (h != null && !h.isBlank()) {
      return cwd.resolve(h);
    }
    String user = env.get("HOME");
    if (user != null && !user.isBlank()) {
      return cwd.resolve(user).resolve(".cachet");
    }
    return Path.of(System.getProperty("user.home"), ".cachet");
  }

  private static void removeDead(Path socket) {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // the next run tries again; this one runs here either way
    }
  }
}
