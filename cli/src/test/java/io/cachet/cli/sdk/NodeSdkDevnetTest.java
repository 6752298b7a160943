package io.cachet.cli.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.crypto.protocol.FetchKeyRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser SDK's protocol against real servers: an in-JVM devnet (ledger, three key servers, a
 * storage network), Alice's policy and file put by the CLI, and a reader whose identity the SDK
 * makes in Node, a WebCrypto Ed25519 key that never leaves it (the script prints its address, the
 * test grants that). {@code openBlob} reads the header by range from the aggregator, asks the key
 * servers, checks every receipt, rebuilds the key and streams the body; the bytes must be the file's.
 */
class NodeSdkDevnetTest {
  /** Three segments and a bit: the body's first, middle and short last segment are all read. */
  static final int FILE_BYTES = (5 << 19) + 4321;

  @TempDir static Path home;
  static Devnet devnet;
  static Path passphrase;
  static Path network;
  static String policy;
  static String blob;
  static byte[] original;

  @BeforeAll
  static void start() throws Exception {
    NodeSdkProcess.assumeAvailable();
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    network = devnet.descriptorFile();
    passphrase = home.resolve("pass.txt");
    Files.writeString(passphrase, "a passphrase for the test\n");
    TestIdentities.ed25519(home, "alice", passphrase);
    policy = asAlice("policy", "create").out().strip();
    original = new byte[FILE_BYTES];
    new Random(18).nextBytes(original);
    Path file = home.resolve("report.bin");
    Files.write(file, original);
    blob = asAlice("put", file.toString(), "--policy", policy, "--no-progress").out().strip();
  }

  @AfterAll
  static void stop() {
    if (devnet != null) {
      devnet.close();
    }
  }

  static CommandRun asAlice(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString(), "--as", "alice", "--passphrase-file", passphrase.toString()));
    CommandRun r = CommandRun.of(all.toArray(String[]::new));
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  @Test
  void openBlob_grantedReader_getsTheFileByteForByte_alsoARange_andWithOneKeyServerDown() throws Exception {
    try (NodeSdkProcess reader = NodeSdkProcess.start(network, home)) {
      asAlice("policy", "grant", policy, reader.address, "--for", "1h");

      Path whole = home.resolve("whole.out");
      JsonNode opened = reader.command("open " + blob + " " + whole);
      assertThat(opened.get("ok").asBoolean()).as(opened.toString()).isTrue();
      assertThat(opened.get("plaintextLength").asLong()).isEqualTo(FILE_BYTES);
      assertThat(Files.readAllBytes(whole)).isEqualTo(original);
      assertThat(kinds(opened)).as(opened.toString()).contains("released").doesNotContain("denied", "invalid");

      Path range = home.resolve("range.out");
      int from = (1 << 20) - 100;
      int to = (2 << 20) + 77;
      JsonNode ranged = reader.command("open " + blob + " " + range + " " + from + " " + to);
      assertThat(ranged.get("ok").asBoolean()).as(ranged.toString()).isTrue();
      assertThat(Files.readAllBytes(range)).isEqualTo(Arrays.copyOfRange(original, from, to));

      devnet.stop("ks-2");
      try {
        Path twoOfThree = home.resolve("two-of-three.out");
        JsonNode down = reader.command("open " + blob + " " + twoOfThree);
        assertThat(down.get("ok").asBoolean()).as(down.toString()).isTrue();
        assertThat(Files.readAllBytes(twoOfThree)).isEqualTo(original);
        JsonNode ks2 = outcome(down, "ks-2");
        assertThat(ks2.get("kind").asText()).as(down.toString()).isIn("unavailable", "not_needed");
        assertThat(outcome(down, "ks-1").get("kind").asText()).isEqualTo("released");
        assertThat(outcome(down, "ks-3").get("kind").asText()).isEqualTo("released");
      } finally {
        devnet.start("ks-2");
      }
    }
  }

  @Test
  void openBlob_readerNotOnTheAllowList_isRefused_withEachKeyServersReason() throws Exception {
    try (NodeSdkProcess stranger = NodeSdkProcess.start(network, home)) {
      Path out = home.resolve("stranger.out");
      JsonNode refused = stranger.command("open " + blob + " " + out);
      assertThat(refused.get("ok").asBoolean()).as(refused.toString()).isFalse();
      assertThat(refused.get("code").asText()).isEqualTo("ACCESS_REFUSED");
      assertThat(refused.get("name").asText()).isEqualTo("AccessRefusedError");
      assertThat(refused.get("policyId").asText()).as("the header's policy").isEqualTo(policy);
      assertThat(refused.get("ledgerId").asText()).isEqualTo(
          new ObjectMapper().readTree(network.toFile()).path("ledger").path("ledgerId").asText());
      JsonNode outcomes = refused.get("outcomes");
      assertThat(outcomes).hasSize(3);
      int denied = 0;
      for (JsonNode o : outcomes) {
        assertThat(o.get("kind").asText()).as(refused.toString()).isIn("denied", "not_needed");
        if (o.get("kind").asText().equals("denied")) {
          denied++;
          assertThat(o.get("reason").asText()).isEqualTo("NOT_A_MEMBER");
          assertThat(o.get("httpStatus").asInt()).isEqualTo(200);
          assertThat(refused.get("message").asText()).contains(o.get("serverId").asText() + ": denied NOT_A_MEMBER");
        }
      }
      assertThat(denied).as("enough denials to decide the round: n - t + 1").isGreaterThanOrEqualTo(2);
      assertThat(out).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyFile());
    }
  }

  @Test
  void fetchKeyRequest_madeByTheSdk_isReadByJava_withTheSameSignedBytes_andVerifies() throws Exception {
    try (NodeSdkProcess reader = NodeSdkProcess.start(network, home)) {
      JsonNode made = reader.command("request ks-1");
      FetchKeyRequest request = FetchKeyRequest.fromJson(made.get("request").toString()
          .getBytes(StandardCharsets.UTF_8));
      assertThat(HexFormat.of().formatHex(request.signedBytes())).isEqualTo(made.get("signedBytes").asText());
      assertThat(HexFormat.of().formatHex(request.digest())).isEqualTo(made.get("digest").asText());
      assertThat(request.minLedgerHeight()).isEqualTo(7);
      assertThat(request.certificate().address().toString()).isEqualTo(reader.address);
      request.verify("ks-1", Instant.now(), FetchKeyRequest.MAX_WINDOW);
      assertThat(request.toJson()).as("the SDK writes exactly the fields Java writes")
          .isEqualTo(made.get("request").toString());
    }
  }

  private static List<String> kinds(JsonNode answer) {
    List<String> kinds = new ArrayList<>();
    answer.get("outcomes").forEach(o -> kinds.add(o.get("kind").asText()));
    return kinds;
  }

  private static JsonNode outcome(JsonNode answer, String serverId) {
    for (JsonNode o : answer.get("outcomes")) {
      if (o.get("serverId").asText().equals(serverId)) {
        return o;
      }
    }
    throw new AssertionError("no outcome for " + serverId + " in " + answer);
  }
}
