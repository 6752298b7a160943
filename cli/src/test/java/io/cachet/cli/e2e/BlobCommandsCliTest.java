package io.cachet.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob commands a person types, against one devnet of real servers: put records each blob in
 * the local index, {@code ls} lists them with plain sizes and the ledger's certification, {@code
 * info} shows the header, {@code extend} raises the expiry on the network and on the ledger, {@code
 * rm} forgets and says what stays, and a torn index entry is skipped with a warning.
 */
class BlobCommandsCliTest {
  @TempDir static Path home;
  static Devnet devnet;
  static CliHarness cli;
  static String policy;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    cli = new CliHarness(home, pass);
    TestIdentities.ed25519(home, "alice", pass);
    policy = cli.okAs("alice", "policy", "create").out().strip();
    cli.okAs("alice", "policy", "grant", policy, "alice");
  }

  @AfterAll
  static void stop() {
    devnet.close();
  }

  static Path file(String name, int size) throws Exception {
    Path f = home.resolve(name);
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    Files.write(f, b);
    return f;
  }

  static String put(Path f, String... more) {
    List<String> args = new ArrayList<>(List.of("put", f.toString(), "--policy", policy, "--no-progress"));
    args.addAll(List.of(more));
    return cli.okAs("alice", args.toArray(String[]::new)).out().strip();
  }

  static JsonNode lsJson() throws Exception {
    CliHarness.Run r = cli.ok("ls", "--json");
    JsonNode all = r.json();
    assertThat(all.isArray()).as(r.out()).isTrue();
    return all;
  }

  static JsonNode entry(JsonNode list, String blob) {
    for (JsonNode e : list) {
      if (e.get("blobId").asText().equals(blob)) {
        return e;
      }
    }
    return null;
  }

  @Test
  void ls_afterTwoPuts_listsBoth_withPlainSizes_andTheLedgersCertification() throws Exception {
    CliHarness.Run put = cli.okAs("alice", "put", file("note.txt", 26).toString(), "--policy", policy, "--no-progress");
    String small = put.out().strip();
    assertThat(put.err()).contains("sealed 26 bytes under").contains("stored until ")
        .contains("epochs are 1 h on this network");
    String large = put(file("film.bin", 3 << 19));

    CliHarness.Run ls = cli.ok("ls");
    String smallLine = ls.out().lines().filter(l -> l.endsWith(small)).findFirst().orElseThrow();
    String largeLine = ls.out().lines().filter(l -> l.endsWith(large)).findFirst().orElseThrow();
    assertThat(ls.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("CERTIFICATION");
    assertThat(smallLine).startsWith("note.txt").contains("26 bytes").contains("certified until ")
        .contains(policy.substring(0, 8) + "…");
    assertThat(largeLine).startsWith("film.bin").contains("1.5 MiB").contains("certified until ");

    JsonNode e = entry(lsJson(), small);
    assertThat(e.get("name").asText()).isEqualTo("note.txt");
    assertThat(e.get("plaintextSize").asLong()).isEqualTo(26);
    assertThat(e.get("storedSize").asLong()).isGreaterThan(26);
    assertThat(e.get("policyId").asText()).isEqualTo(policy);
    assertThat(e.get("identity").asText()).isEqualTo("alice");
    assertThat(e.get("threshold").asInt()).isEqualTo(2);
    assertThat(e.get("keyServers")).hasSize(3);
    assertThat(e.get("certification").get("state").asText()).isEqualTo("recorded");
    assertThat(e.get("certification").get("endEpoch").asLong()).isEqualTo(e.get("endEpoch").asLong());
    assertThat(e.get("expiresAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  @Test
  void ls_needsNoPassphrase_andIndexFilesArePrivate() throws Exception {
    String blob = put(file("private.txt", 100));
    // no --as, no --passphrase-file: a prompt would fail, as nobody sits at this terminal
    assertThat(cli.ok("ls").out()).contains(blob);
    Path entry = home.resolve("blobs").resolve(blob + ".json");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(entry.getParent()))).isEqualTo("rwx------");
  }

  @Test
  void info_showsHeaderPolicyServersThreshold_sizes_andCertification() throws Exception {
    String blob = put(file("report.pdf", 2048));
    CliHarness.Run info = cli.ok("info", blob);
    assertThat(info.out()).contains("blob         " + blob).contains("report.pdf (local index)")
        .contains("2.0 KiB (stored as ").contains("policy       " + policy + " on ledger cachet-devnet")
        .contains("ks-1, ks-2, ks-3: any 2 of 3 release the key").contains("certified until ")
        .contains("storage nodes signed").contains("stored until ").contains("by alice");

    JsonNode j = cli.ok("info", blob, "--json").json();
    assertThat(j.get("blobId").asText()).isEqualTo(blob);
    JsonNode h = j.get("header");
    assertThat(h.get("policyId").asText()).isEqualTo(policy);
    assertThat(h.get("ledgerId").asText()).isEqualTo("cachet-devnet");
    assertThat(h.get("threshold").asInt()).isEqualTo(2);
    assertThat(h.get("keyServers").toString()).isEqualTo("[\"ks-1\",\"ks-2\",\"ks-3\"]");
    assertThat(h.get("plaintextSize").asLong()).isEqualTo(2048);
    assertThat(j.get("certification").get("state").asText()).isEqualTo("recorded");
    assertThat(j.get("index").get("name").asText()).isEqualTo("report.pdf");
  }

  @Test
  void info_ofABlobStoredFromElsewhere_needsNoIndex_andAShareTokenWorks() throws Exception {
    String blob = put(file("shared.txt", 300));
    cli.ok("rm", blob);
    String token = cli.ok("share", blob, "--json").json().get("token").asText();
    CliHarness.Run info = cli.ok("info", token);
    assertThat(info.out()).contains("300 bytes").contains("not in this directory's index");
    assertThat(cli.ok("info", blob, "--json").json().get("index").isNull()).isTrue();
  }

  @Test
  void extend_raisesTheEndEpoch_onTheLedger_andLsAndInfoShowIt() throws Exception {
    String blob = put(file("keep.txt", 5000), "--epochs", "2");
    JsonNode before = entry(lsJson(), blob);
    long end = before.get("endEpoch").asLong();

    CliHarness.Run ext = cli.ok("extend", blob, "--epochs", "3");
    assertThat(ext.out().strip()).startsWith("stored until ").contains("(epoch " + (end + 3) + "; epochs are 1 h");
    assertThat(ext.err()).contains("from epoch " + end + " to " + (end + 3)).contains("the chain records");

    JsonNode after = entry(lsJson(), blob);
    assertThat(after.get("endEpoch").asLong()).isEqualTo(end + 3);
    assertThat(after.get("certification").get("endEpoch").asLong()).isEqualTo(end + 3);
    JsonNode info = cli.ok("info", blob, "--json").json();
    assertThat(info.get("certification").get("endEpoch").asLong()).isEqualTo(end + 3);
    assertThat(info.get("index").get("endEpoch").asLong()).isEqualTo(end + 3);

    JsonNode j = cli.ok("extend", blob, "--epochs", "1", "--json").json();
    assertThat(j.get("previousEndEpoch").asLong()).isEqualTo(end + 3);
    assertThat(j.get("endEpoch").asLong()).isEqualTo(end + 4);
    assertThat(j.get("certification").get("endEpoch").asLong()).isEqualTo(end + 4);
    assertThat(j.get("expiresAt").asText()).endsWith("Z");

    // the content is untouched: the owner still opens it
    Path out = home.resolve("keep.out");
    cli.okAs("alice", "get", blob, "-o", out.toString(), "--no-progress");
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(home.resolve("keep.txt")));
  }

  @Test
  void extend_pastWhatTheNetworkKeeps_isAUsageError_namingTheMost() throws Exception {
    String blob = put(file("long.txt", 64), "--epochs", "2");
    CliHarness.Run r = cli.cachet("extend", blob, "--epochs", "500");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("cachet: the storage network keeps blobs at most 53 epochs ahead")
        .contains("--epochs may be at most 51");
    JsonNode e = cli.cachet("extend", blob, "--epochs", "500", "--json").json().get("error");
    assertThat(e.get("exitCode").asInt()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void rm_forgetsLocally_saysWhatStays_andLsNoLongerListsIt() throws Exception {
    String blob = put(file("old.txt", 26));
    CliHarness.Run rm = cli.ok("rm", blob);
    assertThat(rm.out()).contains("forgot old.txt " + blob);
    assertThat(rm.err()).contains("not deleted from the network: Cachet's storage gateway has no delete")
        .contains("the ciphertext stays until ").contains("unreadable without 2 of 3 key servers' shares");
    assertThat(cli.ok("ls").out()).doesNotContain(blob);
    assertThat(entry(lsJson(), blob)).isNull();
    // the network still has it, and so does the chain's record: nothing was deleted
    assertThat(cli.ok("info", blob, "--json").json().get("certification").get("state").asText()).isEqualTo("recorded");

    CliHarness.Run again = cli.cachet("rm", blob, "--json");
    assertThat(again.exit()).isEqualTo(ExitCodes.FAILED);
    assertThat(again.json().get("error").get("reason").asText()).isEqualTo("NOT_IN_INDEX");
    assertThat(again.err().strip().lines()).singleElement().satisfies(l -> assertThat(l).startsWith("cachet: blob "));

    String other = put(file("other.txt", 26));
    JsonNode j = cli.ok("rm", other, "--json").json();
    assertThat(j.get("forgotten").asBoolean()).isTrue();
    assertThat(j.get("deleted").asBoolean()).isFalse();
    assertThat(j.get("threshold").asInt()).isEqualTo(2);
  }

  @Test
  void ls_withATornIndexEntry_warnsAndSkipsIt_andListsTheRest() throws Exception {
    String blob = put(file("whole.txt", 26));
    Path torn = home.resolve("blobs").resolve("A".repeat(43) + ".json");
    Files.writeString(torn, "{\"format\":\"cachet-blob/1\",\"blobId\":\"AAAA");
    try {
      CliHarness.Run ls = cli.ok("ls");
      assertThat(ls.out()).contains(blob);
      assertThat(ls.err()).contains("cachet: warning: skipped the index entry " + torn.getFileName())
          .contains("not valid JSON");
      CliHarness.Run json = cli.ok("ls", "--json");
      assertThat(entry(json.json(), blob)).isNotNull();
      assertThat(json.err()).contains("skipped the index entry");
    } finally {
      Files.delete(torn);
    }
  }

  @Test
  void extend_whenTheAggregatorServesAnotherBlobsBytes_failsLoudly_andExtendsNothing() throws Exception {
    String victim = put(file("victim.txt", 700), "--epochs", "2");
    String other = put(file("decoy.txt", 900), "--epochs", "2");
    long victimEnd = entry(lsJson(), victim).get("endEpoch").asLong();
    JsonNode descriptor = new ObjectMapper().readTree(home.resolve("devnet").resolve(Devnet.DESCRIPTOR).toFile());
    String gateway = descriptor.get("storage").get("aggregator").asText();
    Vertx vertx = Vertx.vertx();
    try {
      // a real aggregator that answers every read of the victim with the decoy's bytes
      HttpClient upstream = vertx.createHttpClient();
      HttpServer hostile = vertx.createHttpServer().requestHandler(req -> {
        RequestOptions o = new RequestOptions().setMethod(req.method())
            .setAbsoluteURI(gateway + req.uri().replace(victim, other));
        String range = req.getHeader("Range");
        if (range != null) {
          o.putHeader("Range", range);
        }
        upstream.request(o).compose(HttpClientRequest::send).onSuccess(resp -> {
          req.response().setStatusCode(resp.statusCode());
          for (String h : List.of("content-type", "content-length", "content-range")) {
            if (resp.getHeader(h) != null) {
              req.response().putHeader(h, resp.getHeader(h));
            }
          }
          resp.pipeTo(req.response());
        }).onFailure(e -> req.response().setStatusCode(502).end());
      }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      ((ObjectNode) descriptor.get("storage")).put("aggregator", "http://127.0.0.1:" + hostile.actualPort());
      Path lying = home.resolve("lying-aggregator.json");
      Files.writeString(lying, descriptor.toString());

      CliHarness.Run r = cli.cachet("extend", victim, "--epochs", "3", "--network", lying.toString(), "--json");
      assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
      assertThat(r.json().get("error").get("reason").asText()).isEqualTo("BLOB_ID_MISMATCH");
      assertThat(r.err()).startsWith("cachet: the storage network stored the bytes the aggregator served for " + victim
          + " under another blob id");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    JsonNode after = entry(lsJson(), victim);
    assertThat(after.get("endEpoch").asLong()).isEqualTo(victimEnd);
    assertThat(after.get("certification").get("endEpoch").asLong()).isEqualTo(victimEnd);
  }

  @Test
  void ls_withTheLedgerDown_saysCertificationWasNotChecked_neverNotRecorded() throws Exception {
    String blob = put(file("unchecked.txt", 26));
    devnet.stop("ledger");
    try {
      CliHarness.Run ls = cli.ok("ls");
      String line = ls.out().lines().filter(l -> l.endsWith(blob)).findFirst().orElseThrow();
      assertThat(line).contains("not checked: the ledger does not answer").doesNotContain("not recorded");
      JsonNode c = entry(lsJson(), blob).get("certification");
      assertThat(c.get("state").asText()).isEqualTo("unknown");
    } finally {
      devnet.start("ledger");
    }
  }

  @Test
  void put_ofATinyFile_withProgressForced_drawsNoEmptyBar() throws Exception {
    CliHarness.Run r = cli.okAs("alice", "put", file("tiny.txt", 26).toString(), "--policy", policy, "--progress");
    assertThat(r.err()).doesNotContain("0/0").doesNotContain("MiB");
  }
}
