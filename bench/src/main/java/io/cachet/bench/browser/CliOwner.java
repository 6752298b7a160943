package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The file's owner, acting through {@code cachet} commands run in this JVM exactly as typed
 * ({@code policy create}, {@code policy grant}, {@code put --json}) against the devnet's descriptor.
 * Its identity is written by the same store as {@code cachet id new}, under a cheap Argon2id: the
 * figures are about opening, not about unlocking a throw-away key.
 */
public final class CliOwner {
  private static final String NAME = "owner";
  private static final Keystore.KdfParams THROWAWAY_KDF = new Keystore.KdfParams(64, 1, 1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path home;
  private final Path network;
  private final Path pass;

  private CliOwner(Path home, Path network, Path pass) {
    this.home = home;
    this.network = network;
    this.pass = pass;
  }

  /** An owner identity in {@code home}, acting on the network described by {@code network}. */
  public static CliOwner create(Path home, Path network) throws IOException {
    Files.createDirectories(home);
    Path pass = home.resolve("pass.txt");
    String passphrase = "the browser figures' passphrase";
    Files.writeString(pass, passphrase + "\n");
    new IdentityStore(home.resolve("ids")).create(NAME, passphrase.toCharArray(), THROWAWAY_KDF, new SecureRandom());
    return new CliOwner(home, network, pass);
  }

  /** A new allow-list; its id. */
  public String allowList() {
    return run("policy", "create").trim();
  }

  /** Grants {@code member} from now with no end. */
  public void grant(String policy, String member) {
    run("policy", "grant", policy, member);
  }

  /** {@code cachet put FILE --policy P --epochs 1 --json}; the blob id. */
  public String put(Path file, String policy) throws IOException {
    String out = run("put", file.toString(), "--policy", policy, "--epochs", "1", "--json");
    String blob = JSON.readTree(out).path("blobId").asText("");
    if (blob.isEmpty()) {
      throw new IllegalStateException("put --json named no blobId: " + out);
    }
    return blob;
  }

  /** Runs {@code cachet ARGS} as the owner; its stdout, or an exception with everything it said. */
  private String run(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString(), "--network", network.toString(), "--as", NAME,
        "--passphrase-file", pass.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    if (exit != 0) {
      throw new IllegalStateException("cachet " + String.join(" ", args) + " exited " + exit + ": " + out + err);
    }
    return out.toString();
  }
}
