package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.Cachet;
import io.cachet.cli.devnet.Devnet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A 1 GiB file through {@code cachet put} and {@code cachet get}, each in a JVM of its own with a
 * 256 MiB heap: neither may hold the file in memory. The devnet runs in the test's JVM. It keeps
 * both cores busy for most of a minute, so it runs alone, after the classes that run side by side.
 */
@Isolated
class GibibyteCliTest {
  private static final long SIZE = 1L << 30;

  @TempDir Path home;
  /** Numbers each child's output files. */
  private int calls;

  @Test
  void oneGibibyte_putAndGet_withA256MiBHeap() throws Exception {
    try (Devnet devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults())) {
      Path pass = home.resolve("pass.txt");
      Files.writeString(pass, "gibibyte\n");
      // set up in this JVM: only the put and the get hold the file, so only they need a JVM of their own
      CliHarness here = new CliHarness(home, pass);
      here.ok("id", "new", "alice", "--passphrase-file", pass.toString());
      String policy = here.ok("policy", "create", "--passphrase-file", pass.toString()).out().trim();
      // an allow-list starts empty, its owner included: Alice grants herself to read her file back
      here.ok("policy", "grant", policy, "alice", "--passphrase-file", pass.toString());

      Path file = home.resolve("big.bin");
      byte[] want = write(file);
      Path blobOut = home.resolve("blob.txt");
      assertThat(cli(blobOut, "put", file.toString(), "--policy", policy, "--passphrase-file", pass.toString())).isZero();
      String blob = Files.readString(blobOut).trim();
      Files.delete(file);

      Path back = home.resolve("back.bin");
      assertThat(cli("get", blob, "-o", back.toString(), "--passphrase-file", pass.toString())).isZero();
      assertThat(Files.size(back)).isEqualTo(SIZE);
      assertThat(digest(back)).isEqualTo(want);
    }
  }

  private int cli(String... args) throws Exception {
    return cli(null, args);
  }

  /**
   * Runs the cachet command in a child JVM with -Xmx256m; its stdout goes to {@code out} if given.
   * The child logs with the command's own configuration (stderr), not the test classpath's, so a
   * warning cannot land in the output a script would read; on a failure its stderr is shown.
   */
  private int cli(Path out, String... args) throws Exception {
    int n = ++calls;
    Path stdout = out != null ? out : home.resolve("cli-" + n + ".out");
    Path stderr = home.resolve("cli-" + n + ".err");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-XX:+DisplayVMOutputToStderr", "-Dlogback.configurationFile=logback.xml",
        "-cp", System.getProperty("java.class.path"), Cachet.class.getName()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--home", home.toString()));
    Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("cachet " + String.join(" ", args) + " did not finish in 5 minutes\n" + tail(stderr));
    }
    int exit = p.exitValue();
    if (exit != 0) {
      System.err.printf("cachet %s exited %d%nstdout:%n%s%nstderr:%n%s%n", String.join(" ", args), exit,
          tail(stdout), tail(stderr));
    }
    return exit;
  }

  private static String tail(Path file) throws IOException {
    String s = Files.exists(file) ? Files.readString(file) : "";
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }

  private static byte[] write(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] chunk = new byte[4 << 20];
    SplittableRandom random = new SplittableRandom(42);
    try (OutputStream os = Files.newOutputStream(file)) {
      for (long done = 0; done < SIZE; done += chunk.length) {
        random.nextBytes(chunk);
        md.update(chunk);
        os.write(chunk);
      }
    }
    return md.digest();
  }

  private static byte[] digest(Path file) throws IOException, java.security.NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return md.digest();
  }
}
