package io.cachet.keyserver;

import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Hex;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.keyserver.audit.AuditLog;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The key server's command line:
 *
 * <pre>
 * key-server run          --config ks.conf [--key=value ...]   start serving until SIGTERM / Ctrl-C
 * key-server rotate-key   --config ks.conf [--key=value ...]   add a new HPKE key version (server stopped)
 * key-server verify-audit &lt;data-dir&gt;/audit.log                 check the audit log's hash chain
 * </pre>
 *
 * Exit codes: 0 done, 1 the audit log is broken, 2 bad command line or config, 3 wrong
 * passphrase, 4 a file or the network failed. {@link #run} takes the environment and output
 * streams so that the CLI and tests can call it.
 */
public final class KeyServerMain {
  public static final int OK = 0;
  public static final int BROKEN = 1;
  public static final int USAGE = 2;
  public static final int REFUSED = 3;
  public static final int IO = 4;

  private KeyServerMain() {}

  public static void main(String[] args) {
    int code = run(List.of(args), System.getenv(), System.out, System.err);
    if (code != OK || !List.of(args).isEmpty() && !"run".equals(args[0])) {
      System.exit(code);
    }
  }

  /** Runs one command; {@code run} blocks until the JVM is asked to stop. */
  public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("help")) {
      out.println("usage: key-server run|rotate-key --config <file> [--key=value ...]");
      out.println("       key-server verify-audit <audit.log>");
      out.println("keys: " + String.join(", ", KeyServerConfig.KEYS));
      return args.isEmpty() ? USAGE : OK;
    }
    List<String> rest = args.subList(1, args.size());
    try {
      switch (args.get(0)) {
        case "verify-audit":
          return AuditLog.verifyCommand(rest, out, err);
        case "rotate-key":
          return rotate(KeyServerConfig.fromArgs(rest), env, out);
        case "run":
          return serve(KeyServerConfig.fromArgs(rest), env, err);
        default:
          err.println("unknown command " + args.get(0) + "; try --help");
          return USAGE;
      }
    } catch (KeyServerConfig.ConfigException e) {
      err.println("bad configuration: " + e.getMessage());
      return USAGE;
    } catch (WrongPassphraseException e) {
      err.println(e.getMessage());
      return REFUSED;
    } catch (IOException e) {
      err.println(e.getMessage());
      return IO;
    }
  }

  /** The passphrase from {@code passphrase-file} if set, else from the environment variable named. */
  static char[] passphrase(KeyServerConfig config, Map<String, String> env) throws IOException {
    String text;
    if (config.passphraseFile() != null) {
      text = Files.readString(config.passphraseFile(), StandardCharsets.UTF_8);
      text = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    } else {
      text = env.get(config.passphraseEnv());
      if (text == null) {
        throw new KeyServerConfig.ConfigException("set the key passphrase in the environment variable "
            + config.passphraseEnv() + ", or name a file with passphrase-file");
      }
    }
    if (text.isEmpty()) {
      throw new KeyServerConfig.ConfigException("the key passphrase is empty");
    }
    return text.toCharArray();
  }

  private static int rotate(KeyServerConfig config, Map<String, String> env, PrintStream out)
      throws IOException, WrongPassphraseException {
    char[] pass = passphrase(config, env);
    DurableFiles.privateDirectory(config.dataDir());
    try (FileChannel lock = KeyServer.lockDataDir(config.dataDir())) {
      KeyRing ring = KeyRing.openOrCreate(config.dataDir(), config.serverId(), pass, config.kdfMemoryKiB(),
          config.kdfIterations(), new SecureRandom());
      KeyRing.Version v = ring.rotate();
      out.println("rotated server=" + config.serverId() + " version=" + v.version() + " fingerprint="
          + Hex.to0x(v.fingerprint()) + " versions=" + ring.versions().size());
      return OK;
    } finally {
      Arrays.fill(pass, '\0');
    }
  }

  private static int serve(KeyServerConfig config, Map<String, String> env, PrintStream err) throws IOException {
    char[] pass = passphrase(config, env);
    Vertx vertx = Vertx.vertx();
    KeyServer server;
    try {
      server = KeyServer.start(vertx, config, pass, Clock.systemUTC()).await(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      vertx.close();
      Throwable cause = e.getCause() != null && e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      if (cause instanceof WrongPassphraseException w) {
        err.println(w.getMessage());
        return REFUSED;
      }
      err.println("cannot start: " + cause.getMessage());
      return IO;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.closeAndWait();
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // shutting down anyway
      } finally {
        stopped.countDown();
      }
    }, "cachet-key-server-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return OK;
  }

  /** Writes a config file for a new key server; used by tests and, later, the devnet command. */
  static void writeConfig(Path file, KeyServerConfig config) throws IOException {
    KeyRing.writeAtomically(file, config.render().getBytes(StandardCharsets.UTF_8));
  }
}
