package io.cachet.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.ExitCodes;
import io.cachet.cli.SecondLane;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.storage.network.EpochSchedule;
import io.cachet.storage.network.NetworkConfig;
import io.cachet.storage.network.NodeInfo;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code cachet ledger init} and a ledger served with {@code storage-network}, each command run as
 * its own OS process, from an empty directory to a served ledger whose values match what init
 * printed.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
class LedgerInitAndCommitteeTest {
  private static final Pattern SERVING = Pattern.compile("event=ledger_serving ledger=\\S+ url=(\\S+) height=");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  @TempDir Path dir;

  @Test
  void init_makesPrivateKeystoreAndGenesis_servePublishesTheSameValues_secondInitRefused() throws Exception {
    Path data = dir.resolve("ledger");
    Path pass = passphrase();
    ServeProcess init = ServeProcess.run(dir, Map.of(), "ledger", "init", "--data-dir", data.toString(),
        "--ledger-id", "main", "--passphrase-file", pass.toString());
    assertThat(init.exit()).as(init.output()).isEqualTo(ExitCodes.OK);
    Map<String, String> printed = keyValues(init.output());
    assertThat(printed).containsKeys("ledger-id", "sequencer-key", "genesis-digest", "sequencer-keystore");
    Path keystore = Path.of(printed.get("sequencer-keystore"));
    assertThat(keystore).isEqualTo(data.resolve("sequencer.json"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");

    Path config = dir.resolve("ledger.conf");
    Files.writeString(config, "ledger-id = main\ndata-dir = " + data + "\nport = 0\n");
    try (ServeProcess ledger = ServeProcess.start(dir, Map.of("CACHET_LEDGER_PASSPHRASE_FILE", pass.toString()),
        "ledger", "serve", "--config", config.toString())) {
      JsonObject head = new JsonObject(get(ledger.await(SERVING).group(1) + "/v1/head"));
      assertThat(head.getString("ledgerId")).isEqualTo("main");
      assertThat(head.getString("sequencerKey")).isEqualTo(printed.get("sequencer-key"));
      assertThat(head.getString("genesisDigest")).isEqualTo(printed.get("genesis-digest"));
      ledger.terminate();
      assertThat(ledger.exit()).isEqualTo(ExitCodes.OK);
    }

    byte[] before = Files.readAllBytes(keystore);
    ServeProcess again = ServeProcess.run(dir, Map.of(), "ledger", "init", "--data-dir", data.toString(),
        "--ledger-id", "main", "--passphrase-file", pass.toString());
    assertThat(again.exit()).as(again.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(again.output()).contains("exists already");
    assertThat(Files.readAllBytes(keystore)).as("the keystore is untouched").isEqualTo(before);
  }

  @Test
  void serve_storageNetwork_recordsItsCommitteeOnce_signedBySequencer() throws Exception {
    Path data = Files.createDirectories(dir.resolve("ledger"));
    Path pass = passphrase();
    Identity sequencer = Identity.generate(new SecureRandom());
    Path keystore = data.resolve("sequencer.json");
    DurableFiles.write(keystore, Keystore.encrypt(sequencer, "correct horse".toCharArray(),
        new Keystore.KdfParams(64, 1, 1), new SecureRandom()), true);
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(new NodeInfo("node-" + i, i, "http://127.0.0.1:" + (7500 + i),
          Identity.generate(new SecureRandom()).verifyingKey().bytes()));
    }
    NetworkConfig network = new NetworkConfig(nodes, 65_536, new EpochSchedule(0, 86_400_000L, 52));
    Path networkFile = dir.resolve("network.json");
    Files.writeString(networkFile, network.toJson().encodePrettily());
    Path config = dir.resolve("ledger.conf");
    Files.writeString(config, "ledger-id = main\ndata-dir = " + data + "\nport = 0\npassphrase-file = " + pass
        + "\nstorage-network = " + networkFile + "\n");

    for (int start = 0; start < 2; start++) {
      try (ServeProcess ledger = ServeProcess.start(dir, Map.of(), "ledger", "serve", "--config", config.toString())) {
        String url = ledger.await(SERVING).group(1);
        JsonObject nonce = new JsonObject(get(url + "/v1/accounts/" + sequencer.address() + "/nonce"));
        assertThat(nonce.getLong("nextNonce")).as("one committee transaction, start %d", start).isEqualTo(1L);
        ledger.terminate();
        assertThat(ledger.exit()).as(ledger.output()).isEqualTo(ExitCodes.OK);
      }
    }
    try (Sequencer reopened = Sequencer.open(new Sequencer.Config(data, "main", Duration.ofSeconds(1),
        Clock.systemUTC()), sequencer)) {
      Operation.SetStorageCommittee committee = reopened.state().committee();
      assertThat(committee).isNotNull();
      assertThat(committee.quorum()).isEqualTo(network.quorum());
      assertThat(committee.members()).extracting(Operation.CommitteeMember::nodeId)
          .containsExactly("node-0", "node-1", "node-2", "node-3");
    }
  }

  @Test
  void serve_storageNetworkNotANetwork_refusedNamingStorageNetwork() throws Exception {
    Path data = Files.createDirectories(dir.resolve("ledger"));
    Path pass = passphrase();
    DurableFiles.write(data.resolve("sequencer.json"), Keystore.encrypt(Identity.generate(new SecureRandom()),
        "correct horse".toCharArray(), new Keystore.KdfParams(64, 1, 1), new SecureRandom()), true);
    Path networkFile = dir.resolve("network.json");
    Files.writeString(networkFile, "{\"nodes\": 3}");
    Path config = dir.resolve("ledger.conf");
    Files.writeString(config, "ledger-id = main\ndata-dir = " + data + "\nport = 0\npassphrase-file = " + pass
        + "\nstorage-network = " + networkFile + "\n");
    ServeProcess p = ServeProcess.run(dir, Map.of(), "ledger", "serve", "--config", config.toString());
    assertThat(p.exit()).as(p.output()).isEqualTo(ExitCodes.USAGE);
    assertThat(p.output()).contains("storage-network").doesNotContain("event=ledger_serving");
  }

  private Path passphrase() throws Exception {
    Path pass = dir.resolve("ledger.pass");
    DurableFiles.write(pass, "correct horse\n".getBytes(StandardCharsets.UTF_8), true);
    return pass;
  }

  private static Map<String, String> keyValues(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    text.lines().filter(l -> l.contains(" = ") && !l.startsWith("#"))
        .forEach(l -> out.put(l.substring(0, l.indexOf(" = ")).strip(), l.substring(l.indexOf(" = ") + 3).strip()));
    return out;
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }
}
