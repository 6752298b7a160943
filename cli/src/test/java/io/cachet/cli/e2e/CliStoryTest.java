package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.storage.BlobId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The demo's story told through the {@code cachet} commands a person types, against a devnet of
 * real servers: identities, policies, put, share, get, refusals with their reasons, revocation,
 * time locks, and servers stopped within what the network tolerates. Most of its time is spent
 * waiting for a window to close and a lock to open, so it runs beside the other classes; its two
 * tests run one after the other, on the one devnet.
 */
@Execution(ExecutionMode.CONCURRENT)
class CliStoryTest {
  @TempDir static Path home;
  static Devnet devnet;
  static Path pass;

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  static Run cachet(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--home");
    all.add(home.toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  static Run ok(String... args) {
    Run r = cachet(args);
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  static Run as(String who, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--as", who, "--passphrase-file", pass.toString()));
    return cachet(all.toArray(String[]::new));
  }

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    for (String who : List.of("alice", "bob", "carol", "dave")) {
      TestIdentities.ed25519(home, who, pass);
    }
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  /** Asks again until the answer has the exit code wanted, or fails after {@code limit}. */
  static Run within(Duration limit, int exit, String who, String... args) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      Run r = as(who, args);
      if (r.exit() == exit || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100);
    }
  }

  @Test
  @Execution(ExecutionMode.SAME_THREAD)
  void theWholeStory() throws Exception {
    String policy = as("alice", "policy", "create").out().trim();
    assertThat(policy).startsWith("0x").hasSize(66);
    assertThat(as("alice", "policy", "grant", policy, "bob").exit()).isEqualTo(ExitCodes.OK);

    byte[] report = new byte[3 * 1024 * 1024 + 123];
    new Random(1).nextBytes(report);
    Path file = home.resolve("report.bin");
    Files.write(file, report);
    Run put = as("alice", "put", file.toString(), "--policy", policy, "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.OK);
    String blob = put.json().get("blobId").asText();
    assertThat(devnet.certificate(BlobId.parse(blob))).as("the ledger records the blob's certificate").isNotNull();

    String token = ok("share", blob, "--json").json().get("token").asText();
    assertThat(token).startsWith("cachet1.");

    // Bob opens it from the share token, whole and as a range
    Path bobOut = home.resolve("bob.bin");
    Run bobGet = as("bob", "get", token, "-o", bobOut.toString());
    assertThat(bobGet.exit()).as(bobGet.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readAllBytes(bobOut)).isEqualTo(report);
    Path part = home.resolve("part.bin");
    assertThat(as("bob", "get", blob, "-o", part.toString(), "--range", "1048570-1048589").exit()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readAllBytes(part)).isEqualTo(Arrays.copyOfRange(report, 1048570, 1048590));

    // Carol inside her window: granted just before, since a window ends by the key servers' clocks
    Run grant = as("alice", "policy", "grant", policy, "carol", "--for", "20s", "--json");
    assertThat(grant.exit()).as(grant.err()).isEqualTo(ExitCodes.OK);
    assertThat(grant.json().get("members")).hasSize(2);
    long carolEnds = System.currentTimeMillis() + 20_000; // no earlier than the end the command set
    assertThat(as("carol", "get", blob, "-o", home.resolve("carol.bin").toString()).exit()).isEqualTo(ExitCodes.OK);

    // Dave: refused, with every server's reason and the policy, and no file written
    Path daveOut = home.resolve("dave.bin");
    Run dave = as("dave", "get", blob, "-o", daveOut.toString());
    assertThat(dave.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(dave.err()).contains("NOT_A_MEMBER").contains("ks-1").contains("ks-2").contains(policy);
    assertThat(daveOut).doesNotExist();
    try (var left = Files.list(home)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".dave.bin"));
    }

    // a time lock, set while Carol's window runs so that the two waits overlap
    // long enough for a put and a get on a loaded machine, each unlocking an identity, to see it closed
    String lock = as("alice", "policy", "timelock", "--in", "15s").out().trim();
    long lockOpensBy = System.currentTimeMillis() + 15_000;
    Path letter = home.resolve("letter.txt");
    Files.writeString(letter, "not before its time");
    String letterBlob = as("alice", "put", letter.toString(), "--policy", lock).out().trim();
    Run early = as("dave", "get", letterBlob, "-o", home.resolve("early.txt").toString());
    assertThat(early.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(early.err()).contains("LOCKED");

    // Carol's window closes
    Thread.sleep(Math.max(0, carolEnds - System.currentTimeMillis()));
    Run carolLate = within(Duration.ofSeconds(3), ExitCodes.REFUSED, "carol", "get", blob, "-o",
        home.resolve("carol2.bin").toString());
    assertThat(carolLate.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(carolLate.err()).contains("EXPIRED");

    // Bob revoked: refused within 2 s at the key servers
    assertThat(as("alice", "policy", "revoke", policy, "bob").exit()).isEqualTo(ExitCodes.OK);
    Run bobLate = within(Duration.ofSeconds(2), ExitCodes.REFUSED, "bob", "get", blob, "-o", bobOut.toString());
    assertThat(bobLate.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(bobLate.err()).contains("NOT_A_MEMBER");
    assertThat(Files.readAllBytes(bobOut)).as("the file Bob had is untouched").isEqualTo(report);
    Run show = as("alice", "policy", "show", policy, "--json");
    assertThat(show.json().get("members")).hasSize(1);

    // the time lock opens
    Thread.sleep(Math.max(0, lockOpensBy - System.currentTimeMillis()));
    Path opened = home.resolve("opened.txt");
    assertThat(within(Duration.ofSeconds(3), ExitCodes.OK, "dave", "get", letterBlob, "-o", opened.toString()).exit())
        .isEqualTo(ExitCodes.OK);
    assertThat(Files.readString(opened)).isEqualTo("not before its time");

    // a key server and two storage nodes stop: reads and writes still work
    devnet.stop("ks-3");
    devnet.stop("node-0");
    devnet.stop("node-1");
    try {
      Path ps = home.resolve("ps.txt");
      Files.writeString(ps, "written with ks-3, node-0 and node-1 down");
      Run psPut = as("alice", "put", ps.toString(), "--policy", lock);
      assertThat(psPut.exit()).as(psPut.err()).isEqualTo(ExitCodes.OK);
      Path psOut = home.resolve("ps-out.txt");
      assertThat(as("dave", "get", psPut.out().trim(), "-o", psOut.toString()).exit()).isEqualTo(ExitCodes.OK);
      assertThat(Files.readString(psOut)).isEqualTo("written with ks-3, node-0 and node-1 down");

      // a second key server down: fails, naming both
      devnet.stop("ks-2");
      Run down = as("dave", "get", letterBlob, "-o", home.resolve("x.txt").toString());
      assertThat(down.exit()).isEqualTo(ExitCodes.IO);
      assertThat(down.err()).contains("ks-2  no answer: connection refused at")
          .contains("ks-3  no answer: connection refused at");
    } finally {
      for (String name : List.of("ks-2", "ks-3", "node-0", "node-1")) {
        devnet.start(name);
      }
    }

    // the key servers' audit logs verify
    Run audit = ok("audit", "verify", "--json");
    assertThat(audit.json().get("logs")).hasSize(3);
    assertThat(audit.json().get("ok").asBoolean()).isTrue();
  }

  @Test
  @Execution(ExecutionMode.SAME_THREAD)
  void badInput_getsClearErrors() throws Exception {
    Run badBlob = as("bob", "get", "not-a-blob", "-o", home.resolve("x").toString());
    assertThat(badBlob.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(badBlob.err()).contains("is not a blob id");
    Run badToken = as("bob", "get", "cachet1.!!!", "-o", home.resolve("x").toString());
    assertThat(badToken.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(badToken.err()).contains("share token");
    Run badPolicy = as("alice", "policy", "grant", "0x12", "bob");
    assertThat(badPolicy.exit()).isEqualTo(ExitCodes.USAGE);
    Run badRange = as("bob", "get", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "-o", home.resolve("x").toString(),
        "--range", "9-3");
    assertThat(badRange.exit()).isEqualTo(ExitCodes.USAGE);
    Run unknownBlob = as("bob", "get", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "-o", home.resolve("x").toString());
    assertThat(unknownBlob.exit()).as(unknownBlob.err()).isEqualTo(ExitCodes.IO);
    assertThat(unknownBlob.err()).contains("BLOB_NOT_FOUND").contains("is not stored");
    Run notOwner = as("dave", "policy", "revoke", as("alice", "policy", "create").out().trim(), "bob");
    assertThat(notOwner.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(notOwner.err()).contains("NOT_AUTHORIZED");
    Path wrongPass = home.resolve("wrong.txt");
    Files.writeString(wrongPass, "not it\n");
    Run wrong = cachet("policy", "create", "--as", "alice", "--passphrase-file", wrongPass.toString());
    assertThat(wrong.exit()).isEqualTo(ExitCodes.REFUSED);
    Run noFile = as("alice", "put", home.resolve("missing").toString(), "--policy", "0x" + "ab".repeat(32));
    assertThat(noFile.exit()).isEqualTo(ExitCodes.IO);
  }
}
