package io.cachet.cli.devnet;

import io.cachet.policy.evm.Anvil;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Finds the anvil binary for an EVM devnet, installing the checkout's npm tools on first use with
 * {@code npm ci --ignore-scripts} from the committed package-lock.json. Nothing is downloaded from
 * anywhere else: without npm the devnet does not start, and the message says what to install.
 */
public final class AnvilInstall {
  /** How long {@code npm ci} may take (it fetches a few packages from the registry once). */
  private static final long NPM_TIMEOUT_MINUTES = 10;
  /** The npm command, found on the PATH. */
  static final String NPM = "npm";

  private AnvilInstall() {}

  /** The anvil binary: {@code $CACHET_ANVIL}, else the nearest node_modules', else the checkout's, installed now. */
  public static Path ensure(PrintWriter err) throws IOException, InterruptedException {
    String env = System.getenv(Anvil.BINARY_ENV);
    if (env != null && !env.isBlank()) {
      return Anvil.binary();
    }
    Path nearest = Anvil.projectRoot();
    if (nearest != null) {
      return nearest.resolve(Anvil.BINARY);
    }
    return ensure(err, checkout(), NPM);
  }

  /** As {@link #ensure(PrintWriter)} for the checkout {@code checkout} (null: none), installing with the command {@code npm}. */
  static Path ensure(PrintWriter err, Path checkout, String npm) throws IOException, InterruptedException {
    if (checkout == null) {
      throw new IOException("the anvil binary is not installed and this cachet was not run from a checkout: run"
          + " 'npm ci --ignore-scripts' in the Cachet checkout, or set " + Anvil.BINARY_ENV);
    }
    Path binary = checkout.resolve(Anvil.BINARY);
    if (Files.isExecutable(binary)) {
      return binary;
    }
    err.println("cachet: installing the EVM tools (anvil, solc) with 'npm ci --ignore-scripts' in " + checkout
        + " (first use only)...");
    err.flush();
    Process installing;
    try {
      installing = new ProcessBuilder(npm, "ci", "--ignore-scripts").directory(checkout.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new IOException("npm is needed to install anvil for '--chain evm' and was not found: install Node.js"
          + " (which brings npm), then run 'npm ci --ignore-scripts' in " + checkout, e);
    }
    if (!installing.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      installing.destroyForcibly();
      throw new IOException("'npm ci --ignore-scripts' did not finish within " + NPM_TIMEOUT_MINUTES + " minutes");
    }
    if (installing.exitValue() != 0 || !Files.isExecutable(binary)) {
      throw new IOException("'npm ci --ignore-scripts' in " + checkout + " failed (exit " + installing.exitValue()
          + ") or installed no anvil at " + Anvil.BINARY);
    }
    return binary;
  }

  /**
   * The anvil binary if one is installed ({@code $CACHET_ANVIL}, the nearest node_modules', the
   * checkout's), without installing; else where {@link Anvil#binary()} would look, so that
   * starting it fails naming the command that installs it.
   */
  static Path located() throws IOException {
    String env = System.getenv(Anvil.BINARY_ENV);
    if ((env == null || env.isBlank()) && Anvil.projectRoot() == null) {
      Path checkout = checkout();
      if (checkout != null && Files.isExecutable(checkout.resolve(Anvil.BINARY))) {
        return checkout.resolve(Anvil.BINARY);
      }
    }
    return Anvil.binary();
  }

  /** The checkout this command runs from: the nearest directory above its jar or classes holding package-lock.json. */
  static Path checkout() {
    try {
      return Anvil.checkout(Path.of(AnvilInstall.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (URISyntaxException | RuntimeException e) {
      // no code source to start from
    }
    return null;
  }
}
