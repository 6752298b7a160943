package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.client.ClientConfig;
import io.cachet.common.http.ServerLimits;
import io.cachet.common.http.SlowClients;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.policy.Operation;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Transaction;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.walrus.WalrusBlobStore;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevnetTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  private static Run cachet(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String get(String url) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void inProcess_everyPartServes_theDescriptorPins_andStateSurvivesARestart() throws Exception {
    Path net = dir.resolve("net");
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    BlobId blob;
    long height;
    String descriptor;
    try (Devnet d = Devnet.start(net, Devnet.Options.defaults().withShardSize(64 * 1024))) {
      assertThat(d.status().values()).allMatch(Devnet.PartStatus::running).hasSize(1 + 3 + 7 + 1);
      ClientConfig config = ClientConfig.load(d.descriptorFile());
      assertThat(config.threshold()).isEqualTo(2);
      for (ClientConfig.KeyServer ks : config.keyServers()) {
        ServiceDescriptor sd = ServiceDescriptor.fromJson(get(ks.url() + "/v1/service"));
        sd.verify();
        assertThat(sd.verifyingKey()).isEqualTo(ks.signingKey());
      }
      try (WalrusBlobStore store = WalrusBlobStore.connect(d.gatewayUrl(), d.gatewayUrl())) {
        blob = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(2)).blobId();
        assertThat(d.certificate(blob)).isNotNull();
        assertThat(d.certificate(blob).size()).isEqualTo(data.length);
        assertThat(d.certificate(blob).confirmations()).as("2f + 1 of the committee").isGreaterThanOrEqualTo(5);
        // a certificate signed by keys of one's own, under the committee's node names, is refused
        byte[] confirmation = Operation.RecordCertificate.confirmationBytes(blob.bytes(), 1, 99);
        List<Operation.NodeSignature> fake = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          Identity k = Identity.generate(new SecureRandom());
          fake.add(new Operation.NodeSignature("node-" + i, k.verifyingKey(), k.sign(confirmation)));
        }
        Transaction forged = Transaction.sign(Identity.generate(new SecureRandom()),
            new LedgerRef(config.ledgerId(), config.genesisDigest()), 0,
            new Operation.RecordCertificate(blob.bytes(), 1, 99, fake));
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(d.ledgerUrl() + "/v1/transactions?wait=true")).POST(HttpRequest.BodyPublishers.ofString(
            "{\"transaction\":\"" + Base64Url.encode(forged.encoded()) + "\"}")).header("content-type",
            "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("BAD_CERTIFICATE").contains("not the committee's key");
        assertThat(d.certificate(blob).size()).as("the recorded certificate stands").isEqualTo(data.length);

        d.stop("ks-2");
        assertThat(d.status().get("ks-2").running()).isFalse();
        d.stop("node-3");
        d.stop("node-5");
        try (InputStream in = store.read(blob)) {
          assertThat(in.readAllBytes()).isEqualTo(data);
        }
        d.start("ks-2");
        d.start("node-3");
        d.start("node-5");
        ServiceDescriptor again = ServiceDescriptor.fromJson(get(config.keyServer("ks-2").url() + "/v1/service"));
        assertThat(again.verifyingKey()).isEqualTo(config.keyServer("ks-2").signingKey());
      }
      assertThatThrownBy(() -> d.stop("ks-9")).isInstanceOf(DevnetException.class).hasMessageContaining("ks-1");
      assertThatThrownBy(() -> Devnet.start(net, Devnet.Options.defaults()))
          .isInstanceOf(DevnetException.class).hasMessageContaining("another process");
      height = d.ledgerHeight();
      descriptor = Files.readString(d.descriptorFile());
    }
    assertThat(Files.getPosixFilePermissions(net.resolve("secrets")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE);
    // the key servers' passphrases are random and sit in secrets/: their key files are not stretched
    for (int i = 1; i <= 3; i++) {
      JsonNode kdf = new ObjectMapper().readTree(net.resolve("ks-" + i).resolve("keys.json").toFile()).path("kdf");
      assertThat(kdf.path("memoryKiB").asInt()).as("ks-" + i).isEqualTo(8192);
      assertThat(kdf.path("iterations").asInt()).as("ks-" + i).isEqualTo(1);
    }
    try (Devnet d = Devnet.start(net, Devnet.Options.defaults().withShardSize(64 * 1024))) {
      assertThat(d.ledgerHeight()).isGreaterThanOrEqualTo(height);
      assertThat(Files.readString(d.descriptorFile())).as("same ports and keys").isEqualTo(descriptor);
      assertThat(d.certificate(blob)).isNotNull();
      try (WalrusBlobStore store = WalrusBlobStore.connect(d.gatewayUrl(), d.gatewayUrl());
           InputStream in = store.read(blob)) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }

  /** The commands a person types, with the devnet in a child process of its own. */
  @Test
  void up_status_stopStart_down_throughTheCommand() throws Exception {
    String d = dir.resolve("bg").toString();
    Run up = cachet("devnet", "up", "--dir", d, "--json");
    try {
      assertThat(up.exit()).as(up.err()).isEqualTo(ExitCodes.OK);
      long pid = up.json().get("pid").asLong();
      assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
      // with the options this module's tests give their daemons (cli/pom.xml), when they do
      String extra = System.getenv(Devnet.DAEMON_JVM_OPTIONS);
      assertThat(OrphanParts.namesArgument(ProcessHandle.of(pid).orElseThrow(), "-XX:+UseSerialGC"))
          .isEqualTo(extra != null && extra.contains("-XX:+UseSerialGC"));
      String viewerUrl = up.json().path("viewerUrl").asText();
      assertThat(viewerUrl).matches("http://127\\.0\\.0\\.1:[0-9]+/");
      assertThat(get(viewerUrl)).containsIgnoringCase("<html");

      Run again = cachet("devnet", "up", "--dir", d);
      assertThat(again.exit()).isEqualTo(ExitCodes.OK);
      assertThat(again.out()).contains("already running");

      Run stop = cachet("devnet", "stop", "ks-2", "--dir", d, "--json");
      assertThat(stop.exit()).as(stop.err()).isEqualTo(ExitCodes.OK);
      assertThat(part(stop.json(), "ks-2").get("running").asBoolean()).isFalse();
      Run start = cachet("devnet", "start", "ks-2", "--dir", d, "--json");
      assertThat(part(start.json(), "ks-2").get("running").asBoolean()).isTrue();

      Run unknown = cachet("devnet", "stop", "ks-7", "--dir", d);
      assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
      assertThat(unknown.err()).contains("no part named 'ks-7'");
      Run kill = cachet("devnet", "stop", "ks-2", "--kill", "--dir", d);
      assertThat(kill.exit()).as("a part in the daemon's JVM has no process to kill").isEqualTo(ExitCodes.USAGE);
      assertThat(kill.err()).contains("devnet up --processes");
      assertThat(cachet("devnet", "stop", "ks-2", "--kill", "--dir", d, "--json").out()).contains("NEEDS_PROCESSES");

      // the control endpoint wants the token
      int port = new ObjectMapper().readTree(Path.of(d, "daemon.json").toFile()).get("controlPort").asInt();
      HttpResponse<String> anon = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/status")).header("Authorization", "Bearer nope").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anon.statusCode()).isEqualTo(401);
      assertThat(anon.body()).contains("\"status\":\"UNAUTHENTICATED\"");

      // a greedy address is held to the endpoint's connection cap, and the endpoint still answers
      int cap = ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
      try (SlowClients greedy = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, cap + 100)) {
        greedy.awaitOpen(open -> open == cap, Duration.ofSeconds(30));
        assertThat(cachet("devnet", "status", "--dir", d).exit()).isEqualTo(ExitCodes.OK);
      }

      Run status = cachet("devnet", "status", "--dir", d);
      assertThat(status.exit()).isEqualTo(ExitCodes.OK);
      assertThat(status.out()).contains("ledger").contains("ks-3").contains("node-6").contains("gateway")
          .contains("the viewer page opens the devnet's files in a browser: " + viewerUrl);

      Run down = cachet("devnet", "down", "--dir", d, "--json");
      assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.OK);
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(Path.of(d, "daemon.json")).doesNotExist();
      assertThat(Files.readString(Path.of(d, "devnet.log"))).contains("event=devnet_up").contains("event=devnet_down");
      // its logs and audit logs say who read what, and when: for the owner's eyes only
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(d)))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(d, "devnet.log"))))
          .isEqualTo("rw-------");
      try (var audits = Files.walk(Path.of(d))) {
        List<Path> found = audits.filter(p -> p.getFileName().toString().equals("audit.log")).toList();
        assertThat(found).hasSize(3);
        for (Path audit : found) {
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(audit))).isEqualTo("rw-------");
          assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(audit.getParent())))
              .isEqualTo("rwx------");
        }
      }

      Run after = cachet("devnet", "status", "--dir", d);
      assertThat(after.exit()).isEqualTo(ExitCodes.FAILED);
      assertThat(after.out()).contains("no devnet is running");
    } finally {
      cachet("devnet", "down", "--dir", d);
    }
  }

  private static JsonNode part(JsonNode status, String name) {
    for (JsonNode p : status.get("parts")) {
      if (p.get("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no part " + name);
  }
}
