package io.cachet.policy.evm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local EVM chain: the anvil binary that npm's {@code @foundry-rs/anvil} ships, started as a
 * child process on a free loopback port and stopped by its own PID. Started as the binary itself,
 * never through {@code npx}: killing npx leaves anvil running.
 *
 * <p>Its dev accounts come from anvil's well-known test mnemonic, so their keys are public: this
 * is a chain for tests and the devnet only.
 */
public final class Anvil implements AutoCloseable {
  /** Where npm puts the binary on linux-x64, relative to the directory holding node_modules. */
  public static final String BINARY = "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

  /** Environment variable naming the binary explicitly, over the search for node_modules. */
  public static final String BINARY_ENV = "CACHET_ANVIL";

  /** Chain id anvil reports unless told otherwise. */
  public static final long DEFAULT_CHAIN_ID = 31337;

  /**
   * Private keys of anvil's first dev accounts (its public test mnemonic): funded on every anvil
   * chain, secret on none.
   */
  public static final List<String> DEV_KEYS = List.of(
      "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
      "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
      "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
      "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
      "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a");

  private static final Pattern LISTENING = Pattern.compile("Listening on ([0-9.]+):([0-9]+)");
  private static final long START_TIMEOUT_SECONDS = 30;
  /** How often a chain with a state file writes it while running. */
  static final long STATE_INTERVAL_SECONDS = 5;

  /** How to start one. */
  public record Options(long chainId, int port, long blockTimeSeconds, Long genesisTimestamp, Path statePath) {
    /** An automining chain (a block per transaction) on a free port. */
    public static Options defaults() {
      return new Options(DEFAULT_CHAIN_ID, 0, 0, null, null);
    }

    public Options withChainId(long id) {
      return new Options(id, port, blockTimeSeconds, genesisTimestamp, statePath);
    }

    public Options withPort(int p) {
      return new Options(chainId, p, blockTimeSeconds, genesisTimestamp, statePath);
    }

    /** Mines a block every {@code seconds} as well as on each transaction; 0 mines on transactions only. */
    public Options withBlockTime(long seconds) {
      return new Options(chainId, port, seconds, genesisTimestamp, statePath);
    }

    public Options withGenesisTimestamp(long epochSeconds) {
      return new Options(chainId, port, blockTimeSeconds, epochSeconds, statePath);
    }

    /** Loads the chain from this file if it exists and writes it back on a clean stop. */
    public Options withState(Path file) {
      return new Options(chainId, port, blockTimeSeconds, genesisTimestamp, file);
    }
  }

  private final Process process;
  private final URI rpcUrl;
  private final long chainId;
  /** Stops anvil if this JVM exits without {@link #close}: a dead test fork must not leave a chain running. */
  private final Thread reaper;

  private Anvil(Process process, URI rpcUrl, long chainId) {
    this.process = process;
    this.rpcUrl = rpcUrl;
    this.chainId = chainId;
    this.reaper = new Thread(process::destroy, "anvil-reaper-" + process.pid());
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** Starts anvil and returns once it listens; the binary is {@link #binary()}. */
  public static Anvil start(Options options) throws IOException {
    return start(binary(), options);
  }

  public static Anvil start(Path binary, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    if (!Files.isExecutable(binary)) {
      throw new IOException(notInstalled("there is no executable anvil at " + binary));
    }
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(options.port()), "--chain-id", Long.toString(options.chainId())));
    if (options.blockTimeSeconds() > 0) {
      command.addAll(List.of("--block-time", Long.toString(options.blockTimeSeconds())));
    }
    if (options.genesisTimestamp() != null) {
      command.addAll(List.of("--timestamp", Long.toString(options.genesisTimestamp())));
    }
    if (options.statePath() != null) {
      // written on a clean exit, and every few seconds, so a killed chain loses at most those seconds
      command.addAll(List.of("--state", options.statePath().toString(), "--state-interval",
          Long.toString(STATE_INTERVAL_SECONDS)));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<URI> listening = new CompletableFuture<>();
    Thread reader = new Thread(() -> drain(p, listening), "anvil-output-" + p.pid());
    reader.setDaemon(true);
    reader.start();
    try {
      URI url = listening.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return new Anvil(p, url, options.chainId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted while anvil started", e);
    } catch (ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("anvil did not start listening within " + START_TIMEOUT_SECONDS + " s: "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    }
  }

  /** Reads anvil's output to its end (so its pipe never fills), noting the port it listens on. */
  private static void drain(Process p, CompletableFuture<URI> listening) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Matcher m = LISTENING.matcher(line);
        if (!listening.isDone() && m.find()) {
          listening.complete(URI.create("http://" + m.group(1) + ":" + m.group(2)));
        }
      }
    } catch (IOException e) {
      // the process ended; the future below says so
    }
    listening.completeExceptionally(new IOException("anvil exited (code " + exitCode(p) + ") before listening"));
  }

  private static String exitCode(Process p) {
    try {
      return p.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /**
   * The anvil binary: {@code $CACHET_ANVIL} if set, else {@link #BINARY} under the nearest
   * directory, from the working directory up, that holds it.
   *
   * @throws IOException naming the command that installs it, if there is none
   */
  public static Path binary() throws IOException {
    String env = System.getenv(BINARY_ENV);
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IOException(BINARY_ENV + " names " + p + ", which is not an executable file");
    }
    Path root = projectRoot();
    if (root != null) {
      return root.resolve(BINARY);
    }
    throw new IOException(notInstalled("the anvil binary is not installed"));
  }

  private static String notInstalled(String what) {
    return what + ": run 'npm ci --ignore-scripts' in the Cachet checkout (it installs @foundry-rs/anvil from"
        + " package-lock.json), or set " + BINARY_ENV;
  }

  /** The checkout above the working directory, if npm has installed anvil in it; null otherwise. */
  public static Path projectRoot() {
    Path root = checkout(Path.of(""));
    return root != null && Files.isExecutable(root.resolve(BINARY)) ? root : null;
  }

  /**
   * The Cachet checkout holding {@code start}: the nearest directory from it up with both
   * package.json and package-lock.json, where {@code npm ci} installs anvil and solc-js; null if none.
   */
  public static Path checkout(Path start) {
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("package.json")) && Files.isRegularFile(dir.resolve("package-lock.json"))) {
        return dir;
      }
    }
    return null;
  }

  /** The JSON-RPC endpoint, {@code http://127.0.0.1:PORT}. */
  public URI rpcUrl() {
    return rpcUrl;
  }

  public long chainId() {
    return chainId;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stops anvil by its PID: SIGTERM, then SIGKILL if it has not ended within 10 s. */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the reaper runs anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return "Anvil[pid " + process.pid() + ", " + rpcUrl + ", chain " + chainId + "]";
  }
}
