package io.cachet.cli.blob;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet put -}: standard input sealed and stored, held to {@code --size} both ways, with
 * the name {@code --name} gives in the local index; on a devnet of real servers.
 */
class PutStdinCommandTest {
  @TempDir static Path home;
  static Devnet devnet;
  static Path pass;
  static String policy;

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  /** {@code cachet ARGS --as alice}, with {@code stdin} as standard input. */
  static Run cachet(byte[] stdin, String... args) throws Exception {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString(), "--as", "alice", "--passphrase-file", pass.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Invocation run = new Invocation(Map.of(), home, new ByteArrayInputStream(stdin), new ByteArrayOutputStream(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
    int exit = Invocation.call(run, () -> Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new)));
    return new Run(exit, out.toString(), err.toString());
  }

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    TestIdentities.ed25519(home, "alice", pass);
    Run created = cachet(new byte[0], "policy", "create");
    assertThat(created.exit()).as(created.err()).isEqualTo(ExitCodes.OK);
    policy = created.out().trim();
    Run grant = cachet(new byte[0], "policy", "grant", policy, "alice");
    assertThat(grant.exit()).as(grant.err()).isEqualTo(ExitCodes.OK);
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  private static int indexed() throws Exception {
    return new BlobIndex(home).list().entries().size();
  }

  @Test
  void putStdin_sealsWhatStdinCarries_andRecordsItsName() throws Exception {
    byte[] data = new byte[200_000];
    new Random(7).nextBytes(data);
    Run put = cachet(data, "put", "-", "--size", Integer.toString(data.length), "--name", "notes.bin", "--policy",
        policy, "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.OK);
    String blob = put.json().get("blobId").asText();
    assertThat(put.json().get("size").asLong()).isEqualTo(data.length);
    assertThat(new BlobIndex(home).find(blob).orElseThrow().name()).isEqualTo("notes.bin");

    JsonNode info = cachet(new byte[0], "info", blob, "--json").json();
    assertThat(info.at("/index/name").asText()).isEqualTo("notes.bin");
    assertThat(info.at("/certification/state").asText()).isEqualTo("recorded");
    assertThat(info.at("/certification/fromEpoch").asLong(-1)).isBetween(0L, info.at("/certification/endEpoch").asLong());

    Path back = home.resolve("back.bin");
    Run get = cachet(new byte[0], "get", blob, "-o", back.toString());
    assertThat(get.exit()).as(get.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readAllBytes(back)).isEqualTo(data);
  }

  @Test
  void putStdin_withoutName_recordsStdin() throws Exception {
    Run put = cachet("hello".getBytes(StandardCharsets.UTF_8), "put", "-", "--size", "5", "--policy", policy,
        "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.OK);
    assertThat(new BlobIndex(home).find(put.json().get("blobId").asText()).orElseThrow().name()).isEqualTo("stdin");
  }

  @Test
  void putStdin_shorterThanSize_failsAndRecordsNothing() throws Exception {
    int before = indexed();
    Run put = cachet(new byte[1000], "put", "-", "--size", "5000", "--policy", policy, "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(put.json().at("/error/reason").asText()).isEqualTo("SIZE_MISMATCH");
    assertThat(put.json().at("/error/message").asText()).contains("ended after 1000 bytes").contains("5000");
    assertThat(indexed()).isEqualTo(before);
  }

  @Test
  void putStdin_longerThanSize_failsAndRecordsNothing() throws Exception {
    int before = indexed();
    Run put = cachet(new byte[5001], "put", "-", "--size", "5000", "--policy", policy, "--json");
    assertThat(put.exit()).as(put.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(put.json().at("/error/reason").asText()).isEqualTo("SIZE_MISMATCH");
    assertThat(put.json().at("/error/message").asText()).contains("more than the 5000 bytes");
    assertThat(indexed()).isEqualTo(before);
  }

  @Test
  void putStdin_withoutSize_isRefusedBeforeReading() throws Exception {
    Run put = cachet(new byte[10], "put", "-", "--policy", policy, "--json");
    assertThat(put.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(put.json().at("/error/reason").asText()).isEqualTo("SIZE_REQUIRED");
    assertThat(put.json().at("/error/hint").asText()).contains("--size N");
  }

  @Test
  void putFile_withSize_isRefused() throws Exception {
    Path file = home.resolve("small.txt");
    Files.writeString(file, "small");
    Run put = cachet(new byte[0], "put", file.toString(), "--size", "5", "--policy", policy, "--json");
    assertThat(put.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(put.json().at("/error/reason").asText()).isEqualTo("SIZE_REQUIRED");
  }
}
