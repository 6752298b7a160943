package io.cachet.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet network descriptor} against small real servers standing in for the parts: a
 * ledger's {@code /v1/head} and key servers' {@code /v1/service}, honest or not. The descriptor it
 * writes is one the client reads; a ledger other than the one {@code ledger init} made, a key
 * server whose proof of possession does not verify, and two servers under one id are refused
 * (exit 3) with nothing written; a part that does not listen is exit 4. The whole path through
 * real parts is {@link DeployGuideTest}.
 */
class NetworkDescriptorCommandTest {
  private static final String GENESIS = "0x" + "ab".repeat(32);

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final List<HttpServer> servers = new ArrayList<>();
  private final Identity sequencer = Identity.generate(new SecureRandom());
  private String ledgerUrl;
  private Path lines;

  @BeforeEach
  void setUp() throws Exception {
    ledgerUrl = serve("/v1/head", new JsonObject().put("ledgerId", "main").put("genesisDigest", GENESIS)
        .put("height", 3).put("sequencerKey", Base64Url.encode(sequencer.verifyingKey().bytes())).encode());
    lines = dir.resolve("ledger.lines");
    Files.writeString(lines, "# the new ledger\nledger-id = main\nsequencer-key = "
        + sequencer.verifyingKey() + "\ngenesis-digest = " + GENESIS + "\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    sequencer.destroy();
  }

  @Test
  void descriptor_honestParts_writesWhatTheClientReads() throws Exception {
    Path out = dir.resolve("cachet-network.json");
    CommandRun r = run(out, lines, keyServer("ks-1", true), keyServer("ks-2", true), keyServer("ks-3", true));
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    ClientConfig config = ClientConfig.load(out);
    assertThat(config.ledgerId()).isEqualTo("main");
    assertThat(config.threshold()).isEqualTo(2);
    assertThat(config.keyServers()).extracting(ClientConfig.KeyServer::id).containsExactly("ks-1", "ks-2", "ks-3");
    assertThat(config.sequencerKey()).isEqualTo(sequencer.verifyingKey());
  }

  @Test
  void descriptor_initLinesGarbledOrWithoutTheGenesis_refusedAsUsageNothingWritten() throws Exception {
    Path out = dir.resolve("cachet-network.json");
    Files.writeString(lines, "ledger-id = main\nsequencer-key = " + sequencer.verifyingKey() + "\n");
    CommandRun missing = run(out, lines, keyServer("ks-1", true), keyServer("ks-2", true));
    assertThat(missing.exit()).as(missing.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("genesis-digest");
    Files.writeString(lines, "ledger-id = main\nsequencer-key = not-a-key\ngenesis-digest = " + GENESIS + "\n");
    CommandRun garbled = run(out, lines, keyServer("ks-1", true), keyServer("ks-2", true));
    assertThat(garbled.exit()).as(garbled.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(garbled.err()).contains("--ledger-lines");
    assertThat(out).doesNotExist();
  }

  @Test
  void descriptor_ledgerNotTheInitLinesOne_refusedWrongLedgerNothingWritten() throws Exception {
    Files.writeString(lines, Files.readString(lines).replace(GENESIS, "0x" + "cd".repeat(32)));
    Path out = dir.resolve("cachet-network.json");
    CommandRun r = run(out, lines, "--json", keyServer("ks-1", true), keyServer("ks-2", true),
        keyServer("ks-3", true));
    assertThat(r.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(new JsonObject(r.out()).encode()).contains("\"WRONG_LEDGER\"").contains("genesis-digest");
    assertThat(out).doesNotExist();
  }

  @Test
  void descriptor_keyServerProofDoesNotVerify_refusedNothingWritten() throws Exception {
    Path out = dir.resolve("cachet-network.json");
    CommandRun r = run(out, lines, keyServer("ks-1", true), keyServer("ks-2", false), keyServer("ks-3", true));
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(r.err()).contains("ks-2");
    assertThat(out).doesNotExist();
  }

  @Test
  void descriptor_twoKeyServersOneId_refusedNothingWritten() throws Exception {
    Path out = dir.resolve("cachet-network.json");
    CommandRun r = run(out, lines, "--json", keyServer("ks-1", true), keyServer("ks-1", true),
        keyServer("ks-3", true));
    assertThat(r.exit()).isEqualTo(ExitCodes.REFUSED);
    assertThat(new JsonObject(r.out()).encode()).contains("\"DUPLICATE_KEY_SERVER\"");
    assertThat(out).doesNotExist();
  }

  @Test
  void descriptor_keyServerNotListening_exitsIoNamingIt() throws Exception {
    Path out = dir.resolve("cachet-network.json");
    String nobody = "http://127.0.0.1:" + LocalNetwork.freePorts(1)[0];
    CommandRun r = run(out, lines, keyServer("ks-1", true), nobody, keyServer("ks-3", true));
    assertThat(r.exit()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains(nobody.substring("http://".length()));
    assertThat(out).doesNotExist();
  }

  /** The command with these key servers; a first "--json" is passed as that option. */
  private CommandRun run(Path out, Path ledgerLines, String... keyServers) {
    List<String> args = new ArrayList<>(List.of("network", "descriptor", "--ledger-url", ledgerUrl, "--ledger-lines",
        ledgerLines.toString(), "--threshold", "2", "--gateway-url", "http://127.0.0.1:7500", "-o", out.toString()));
    List<String> urls = new ArrayList<>(List.of(keyServers));
    if (urls.get(0).equals("--json")) {
      args.add(urls.remove(0));
    }
    args.add("--key-server");
    args.addAll(urls);
    return CommandRun.of(args.toArray(String[]::new));
  }

  /** A key server's service descriptor; when not {@code honest}, another key is grafted onto its id. */
  private String keyServer(String id, boolean honest) throws Exception {
    Identity own = Identity.generate(new SecureRandom());
    Identity other = Identity.generate(new SecureRandom());
    try {
      ServiceDescriptor signed = ServiceDescriptor.create(id, 1, HpkeKeyPair.generate().publicKey(), own, "1.0");
      ServiceDescriptor answer = honest ? signed : new ServiceDescriptor(id, 1, signed.hpkePublicKey(),
          other.verifyingKey(), "1.0", signed.proofOfPossession());
      return serve("/v1/service", answer.toJson());
    } finally {
      own.destroy();
      other.destroy();
    }
  }

  /** A real HTTP server on loopback answering {@code route} with {@code json}, 404 elsewhere. */
  private String serve(String route, String json) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals(route)) {
        req.response().putHeader("content-type", "application/json").end(json);
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    servers.add(server);
    return "http://127.0.0.1:" + server.actualPort();
  }
}
