package io.cachet.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.cli.SecondLane;
import io.cachet.cli.TestIdentities;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.server.LedgerServer;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The storage network as it is deployed: a kit made by {@code cachet network init}, four node
 * processes and a gateway process started from its files as they are, a ledger (in this process)
 * taking the gateway's certificates, and real signals: SIGKILL and SIGTERM.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(SecondLane.LOCK)
class StorageNetworkProcessesTest {
  private static final String LEDGER_ID = "storage-test";
  private static final String PASSPHRASE_VAR = "TEST_GATEWAY_PASSPHRASE";

  @TempDir
  Path tmp;

  private final List<ServeProcess> parts = new ArrayList<>();
  private Vertx vertx;
  private Sequencer sequencer;

  @AfterEach
  void stopAll() throws Exception {
    for (ServeProcess p : parts) {
      p.process().destroyForcibly();
    }
    for (ServeProcess p : parts) {
      p.process().waitFor(30, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (sequencer != null) {
      sequencer.close();
    }
  }

  @Test
  void kitOfFourNodes_storesReadsSurvivesKillAndRestart_certificateOnLedger() throws Exception {
    int[] ports = LocalNetwork.freePorts(5);
    Path kit = StorageProcesses.initKit(tmp, new int[] {ports[0], ports[1], ports[2], ports[3]}, ports[4]);
    NetworkConfig network = NetworkConfig.fromJson(new JsonObject(Files.readString(kit.resolve("network.json"))));
    assertEquals(1, network.f());

    String ledgerUrl = startLedger(network);
    Path keystore = kit.resolve("gateway/certificate-keystore.json");
    char[] pass = "gateway passphrase".toCharArray();
    Identity gatewayId = Identity.generate(new SecureRandom());
    Files.write(keystore, Keystore.encrypt(gatewayId, pass, TestIdentities.TEST_KDF, new SecureRandom()));
    Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));

    ServeProcess[] nodes = new ServeProcess[4];
    for (int i = 0; i < 4; i++) {
      nodes[i] = startNode(kit, i);
    }
    for (ServeProcess n : nodes) {
      n.awaitLog("event=node_serving");
    }
    ServeProcess gateway = track(ServeProcess.start(kit.resolve("gateway"), Map.of(PASSPHRASE_VAR, new String(pass)),
        "gateway", "serve", "--config", "gateway.conf", "--set", "ledger-url=" + ledgerUrl,
        "--set", "ledger-id=" + LEDGER_ID, "--set", "ledger-genesis=" + sequencer.ledger().genesisHex(),
        "--set", "certificate-keystore=certificate-keystore.json", "--set", "passphrase-env=" + PASSPHRASE_VAR));
    gateway.awaitLog("event=gateway_serving");
    String gatewayUrl = "http://127.0.0.1:" + ports[4];

    byte[] blob = new byte[200 * 1024 + 17];
    new Random(16).nextBytes(blob);
    HttpResponse<String> put = StorageProcesses.put(gatewayUrl + "/v1/blobs?epochs=2", blob);
    assertEquals(200, put.statusCode(), put.body());
    String blobId = new JsonObject(put.body()).getJsonObject("newlyCreated").getJsonObject("blobObject")
        .getString("blobId");
    Map<String, LedgerState.Certificate> onLedger = sequencer.state().certificates();
    assertEquals(1, onLedger.size(), "the put is answered only once its certificate is committed");
    assertEquals(blob.length, onLedger.values().iterator().next().size());

    assertArrayEquals(blob, StorageProcesses.get(gatewayUrl + "/v1/blobs/" + blobId).body());

    nodes[3].kill();
    assertArrayEquals(blob, StorageProcesses.get(gatewayUrl + "/v1/blobs/" + blobId).body(),
        "one node of four lost (f = 1): the read goes on");

    nodes[2].terminate();
    assertEquals(0, nodes[2].exit(), nodes[2].err());
    assertTrue(nodes[2].err().contains("event=node_stopped"), nodes[2].err());

    nodes[2] = startNode(kit, 2);
    nodes[2].awaitLog("event=node_serving");
    HttpResponse<byte[]> health = StorageProcesses.get("http://127.0.0.1:" + ports[2] + "/v1/blobs/" + blobId
        + "/health");
    assertEquals(200, health.statusCode(), new String(health.body()));
    assertTrue(new JsonObject(new String(health.body())).getJsonArray("bad").isEmpty(),
        "the restarted node serves every shard it stored");
    assertArrayEquals(blob, StorageProcesses.get(gatewayUrl + "/v1/blobs/" + blobId).body());

    gateway.terminate();
    assertEquals(0, gateway.exit(), gateway.err());
  }

  private ServeProcess startNode(Path kit, int i) throws Exception {
    return track(ServeProcess.start(kit.resolve("node-" + i), Map.of(), "node", "serve", "--config", "node.conf"));
  }

  private ServeProcess track(ServeProcess p) {
    parts.add(p);
    return p;
  }

  /** A ledger in this process, its storage committee the kit's nodes (as the ledger's operator records it). */
  private String startLedger(NetworkConfig network) throws Exception {
    Identity sequencerKey = Identity.generate(new SecureRandom());
    sequencer = Sequencer.open(new Sequencer.Config(Files.createDirectories(tmp.resolve("ledger")), LEDGER_ID,
        Duration.ofMinutes(10), Clock.systemUTC()), sequencerKey);
    vertx = Vertx.vertx();
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0);
    vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
    List<Operation.CommitteeMember> members = network.nodes().stream()
        .map(n -> new Operation.CommitteeMember(n.id(), VerifyingKey.of(n.publicKey()))).toList();
    Operation.SetStorageCommittee committee = new Operation.SetStorageCommittee(members, network.quorum());
    long nonce = sequencer.state().nextNonce(sequencerKey.address());
    sequencer.submit(Transaction.sign(sequencerKey, sequencer.ledger(), nonce, committee)).get(30, TimeUnit.SECONDS);
    assertNotNull(sequencer.state().committee());
    return "http://127.0.0.1:" + server.port();
  }
}
