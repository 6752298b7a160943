package io.cachet.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.cli.CommandRun;
import io.cachet.cli.TestIdentities;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.storage.local.LocalNetwork;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code node serve} and {@code gateway serve} refuse before they start, each naming the key
 * to change, and how the three layers of configuration combine; each run is its own process.
 */
class StorageServeChecksTest {
  @TempDir
  Path tmp;

  private Path kit;
  private int[] ports;

  @BeforeEach
  void kit() throws Exception {
    ports = LocalNetwork.freePorts(5);
    kit = StorageProcesses.initKit(tmp, new int[] {ports[0], ports[1], ports[2], ports[3]}, ports[4]);
  }

  private CommandRun node(int i, Map<String, String> env, String... more) throws Exception {
    String[] args = new String[4 + more.length];
    System.arraycopy(new String[] {"node", "serve", "--config", "node.conf"}, 0, args, 0, 4);
    System.arraycopy(more, 0, args, 4, more.length);
    return CommandRun.in(kit.resolve("node-" + i), env, args);
  }

  private static void assertRefused(CommandRun p, int exit, String... words) throws Exception {
    assertEquals(exit, p.exit(), p.err() + p.out());
    for (String w : words) {
      assertTrue(p.err().contains(w), "stderr names " + w + ": " + p.err());
    }
  }

  @Test
  void check_kitAsWritten_exitsZero() throws Exception {
    CommandRun n = node(0, Map.of(), "--check");
    assertEquals(0, n.exit(), n.err());
    CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config", "gateway.conf",
        "--check");
    assertEquals(0, g.exit(), g.err());
  }

  @Test
  void nodeServe_keyFileOpenToOthers_refusedNamingNodeKey() throws Exception {
    Files.setPosixFilePermissions(kit.resolve("node-0/node.key"), PosixFilePermissions.fromString("rw-r--r--"));
    assertRefused(node(0, Map.of(), "--check"), 2, "node-key", "chmod 600");
  }

  @Test
  void nodeServe_dataDirectoryMissing_refusedNamingDataDir() throws Exception {
    assertRefused(node(0, Map.of(), "--check", "--set", "data-dir=no-such-dir"), 2, "data-dir", "does not exist");
  }

  @Test
  void nodeServe_portInUse_refusedNamingPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(ports[0], 1, InetAddress.getLoopbackAddress())) {
      assertRefused(node(0, Map.of(), "--check"), 4, "port", Integer.toString(ports[0]));
    }
  }

  @Test
  void nodeServe_indexOutsideNetwork_refusedNamingIndex() throws Exception {
    assertRefused(node(0, Map.of(), "--check", "--set", "index=4"), 2, "index", "0..3");
  }

  @Test
  void nodeServe_keyOfAnotherNode_refusedNamingNodeKey() throws Exception {
    assertRefused(node(0, Map.of(), "--check", "--set", "node-key=" + kit.resolve("node-1/node.key")), 2, "node-key",
        "is not the key the network lists for node-0");
  }

  @Test
  void nodeServe_noTrustedPublisher_refusedNamingTrustedPublishers() throws Exception {
    assertRefused(node(0, Map.of(), "--check", "--set", "trusted-publishers="), 2, "trusted-publishers");
  }

  @Test
  void nodeServe_unknownVariableWithThePrefix_refused() throws Exception {
    assertRefused(node(0, Map.of("CACHET_NODE_DATADIR", "data"), "--check"), 2, "CACHET_NODE_DATADIR");
  }

  @Test
  void printConfig_setOverEnvironmentOverFile_defaultsIncluded() throws Exception {
    CommandRun p = node(1, Map.of("CACHET_NODE_GC_INTERVAL", "5m", "CACHET_NODE_UPLOAD_TTL", "2h", "CACHET_NODE_INDEX", "1"),
        "--print-config", "--set", "gc-interval=7m");
    assertEquals(0, p.exit(), p.err());
    String out = p.out();
    assertTrue(out.contains("gc-interval = 7m"), out);
    assertTrue(out.contains("upload-ttl = 2h"), out);
    assertTrue(out.contains("port = " + ports[1]), "the port defaults to the node's URL in network.json: " + out);
    assertTrue(out.contains("clock-offset = 0s"), out);
    assertTrue(out.contains("host = 127.0.0.1"), out);
  }

  @Test
  void nodeServe_negativeClockOffset_accepted() throws Exception {
    CommandRun p = node(0, Map.of(), "--print-config", "--set", "clock-offset=-90s");
    assertEquals(0, p.exit(), p.err());
    assertTrue(p.out().contains("clock-offset = -90s"), p.out());
  }

  @Test
  void gatewayPrintConfig_everyKeyWithItsDefault_noSecretValue() throws Exception {
    CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of("CACHET_GATEWAY_NODE_TIMEOUT", "45s"), "gateway",
        "serve", "--config", "gateway.conf", "--print-config");
    assertEquals(0, g.exit(), g.err());
    String out = g.out();
    for (String key : GatewayServeCommand.KEYS) {
      assertTrue(out.contains("\n" + key + " ="), "prints " + key + ": " + out);
    }
    assertTrue(out.contains("max-blob-size = 64GiB"), out);
    assertTrue(out.contains("node-timeout = 45s"), out);
    assertTrue(out.contains("port = " + ports[4]), out);
    assertTrue(out.contains("passphrase-file = \n"), out);
    String seed = HexFormat.of().formatHex(Files.readAllBytes(kit.resolve("gateway/publisher.key")));
    assertFalse(out.contains(seed), "the publisher key's seed is never printed");
  }

  @Test
  void gatewayServe_publisherKeyOpenToOthers_refusedNamingPublisherKey() throws Exception {
    Files.setPosixFilePermissions(kit.resolve("gateway/publisher.key"), PosixFilePermissions.fromString("rw-rw----"));
    CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config", "gateway.conf",
        "--check");
    assertRefused(g, 2, "publisher-key", "chmod 600");
  }

  @Test
  void gatewayServe_portInUse_refusedNamingPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(ports[4], 1, InetAddress.getLoopbackAddress())) {
      CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config", "gateway.conf",
          "--check");
      assertRefused(g, 4, "port");
    }
  }

  @Test
  void gatewayServe_ledgerWithoutKeystore_refusedNamingTheKey() throws Exception {
    CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of(), "gateway", "serve", "--config", "gateway.conf",
        "--check", "--set", "ledger-url=http://127.0.0.1:1", "--set", "ledger-id=devnet", "--set",
        "ledger-genesis=0x" + "ab".repeat(32));
    assertRefused(g, 2, "certificate-keystore");
  }

  @Test
  void gatewayServe_wrongKeystorePassphrase_exitsThree() throws Exception {
    Path keystore = kit.resolve("gateway/cert.json");
    Files.write(keystore, Keystore.encrypt(Identity.generate(new SecureRandom()), "right".toCharArray(),
        TestIdentities.TEST_KDF, new SecureRandom()));
    Files.setPosixFilePermissions(keystore, PosixFilePermissions.fromString("rw-------"));
    CommandRun g = CommandRun.in(kit.resolve("gateway"), Map.of("GW_PASS", "wrong"), "gateway", "serve", "--config",
        "gateway.conf", "--check", "--set", "ledger-url=http://127.0.0.1:1", "--set", "ledger-id=devnet", "--set",
        "ledger-genesis=0x" + "ab".repeat(32), "--set", "certificate-keystore=" + keystore, "--set",
        "passphrase-env=GW_PASS");
    assertEquals(3, g.exit(), g.err());
  }

  @Test
  void networkInit_existingKit_refusedAndLeftAsItWas() throws Exception {
    byte[] key = Files.readAllBytes(kit.resolve("node-0/node.key"));
    CommandRun again = CommandRun.in(tmp, Map.of(), "network", "init", kit.toString(), "--nodes", "1",
        "--node-url", "http://127.0.0.1:" + ports[0]);
    assertRefused(again, 2, "never overwritten");
    assertArrayEquals(key, Files.readAllBytes(kit.resolve("node-0/node.key")));
  }

  @Test
  void networkInit_keysOwnerOnly_directoriesPrivate() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        kit.resolve("node-2/node.key"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        kit.resolve("gateway/publisher.key"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kit.resolve("node-2"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        kit.resolve("node-2/data"))));
  }

  @Test
  void networkInit_urlCountNotNodeCount_refused() throws Exception {
    CommandRun p = CommandRun.in(tmp, Map.of(), "network", "init", tmp.resolve("other").toString(), "--nodes", "4",
        "--node-url", "http://127.0.0.1:1");
    assertRefused(p, 2, "--node-url");
    assertTrue(Files.notExists(tmp.resolve("other")));
  }

  @Test
  void networkInitWithLedger_gatewayConfNamesTheLedgerAndItsKeystoreOpens() throws Exception {
    Path pass = tmp.resolve("gateway.pass");
    Files.writeString(pass, "kit passphrase\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
    String genesis = "0x" + "cd".repeat(32);
    CommandRun init = CommandRun.in(tmp, Map.of(), "network", "init", tmp.resolve("ledgered").toString(),
        "--nodes", "1", "--node-url", "http://127.0.0.1:" + ports[0], "--gateway-port", Integer.toString(ports[4]),
        "--ledger-url", "http://127.0.0.1:1", "--ledger-id", "main", "--ledger-genesis", genesis,
        "--passphrase-file", pass.toString());
    assertEquals(0, init.exit(), init.err());
    Path gateway = tmp.resolve("ledgered/gateway");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        gateway.resolve("certificate-keystore.json"))));
    String conf = Files.readString(gateway.resolve("gateway.conf"));
    assertTrue(conf.contains("ledger-genesis = " + genesis), conf);
    assertTrue(conf.contains("passphrase-file = " + pass.toAbsolutePath()), conf);
    assertTrue(init.out().contains("records certificates on ledger main as "), init.out());
    // --check opens the keystore with the passphrase the file holds (a wrong one exits 3)
    CommandRun check = CommandRun.in(gateway, Map.of(), "gateway", "serve", "--config", "gateway.conf", "--check");
    assertEquals(0, check.exit(), check.err());
  }

  @Test
  void networkInit_ledgerUrlWithoutGenesis_refusedAndNothingWritten() throws Exception {
    CommandRun p = CommandRun.in(tmp, Map.of(), "network", "init", tmp.resolve("half").toString(), "--nodes", "1",
        "--node-url", "http://127.0.0.1:1", "--ledger-url", "http://127.0.0.1:2", "--ledger-id", "main");
    assertRefused(p, 2, "--ledger-genesis");
    assertTrue(Files.notExists(tmp.resolve("half")));
  }

  @Test
  void networkInit_passphraseFileOpenToOthers_refusedBeforeAnyKeyIsMade() throws Exception {
    Path pass = tmp.resolve("open.pass");
    Files.writeString(pass, "kit passphrase\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-r--r--"));
    CommandRun p = CommandRun.in(tmp, Map.of(), "network", "init", tmp.resolve("open").toString(), "--nodes", "1",
        "--node-url", "http://127.0.0.1:1", "--ledger-url", "http://127.0.0.1:2", "--ledger-id", "main",
        "--ledger-genesis", "0x" + "cd".repeat(32), "--passphrase-file", pass.toString());
    assertRefused(p, 2, "--passphrase-file", "chmod 600");
    assertTrue(Files.notExists(tmp.resolve("open")));
  }
}
