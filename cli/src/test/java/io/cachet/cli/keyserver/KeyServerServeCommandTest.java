package io.cachet.cli.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.serve.ServeProcess;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.audit.AuditLog;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet keyserver serve} as its own OS process against a real ledger on loopback: it
 * serves, answers a fetch, stops on SIGTERM with exit 0, and its audit log holds the decision.
 */
class KeyServerServeCommandTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PASSPHRASE = "correct horse battery staple";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  private static final Pattern SERVING = Pattern.compile("event=keyserver_serving .*url=http://127\\.0\\.0\\.1:(\\d+)"
      + " .*key_version=(\\d+)");

  @TempDir Path dir;
  private Vertx vertx;
  private LoopbackLedger ledger;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    ledger = new LoopbackLedger(vertx, Files.createDirectory(dir.resolve("ledger")));
  }

  @AfterEach
  void tearDown() throws Exception {
    ledger.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** A config file for ks-1 on any free port, its data directory made (0700), its passphrase in a 0600 file. */
  private Path configFile() throws Exception {
    Path data = Files.createDirectory(dir.resolve("ks-1"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Path pass = dir.resolve("ks-1.pass");
    Files.writeString(pass, PASSPHRASE + "\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
    KeyServerConfig c = KeyServerConfig.defaults("ks-1", data, ledger.url(), LoopbackLedger.LEDGER,
        ledger.sequencerKey()).with(Map.of("port", "0", "kdf-memory", "8192", "kdf-iterations", "1",
        "passphrase-file", pass.toString(), "ledger-poll-wait", "1s", "ledger-wait", "10s"));
    Path conf = dir.resolve("ks-1.conf");
    Files.writeString(conf, c.render());
    return conf;
  }

  private static int runInProcess(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    assertThat(exit).as("%s%s", out, err).isEqualTo(ExitCodes.OK);
    return exit;
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<byte[]> post(int port, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void serve_afterRotateKey_advertisesTheNewVersion_answersAFetch_andSigtermExitsZeroWithTheDecisionAudited()
      throws Exception {
    Path conf = configFile();
    runInProcess("keyserver", "rotate-key", "--config", conf.toString());

    try (ServeProcess ks = ServeProcess.start(dir, Map.of(), "keyserver", "serve", "--config", conf.toString())) {
      Matcher serving = ks.await(SERVING);
      int port = Integer.parseInt(serving.group(1));
      assertThat(serving.group(2)).as("rotate-key made version 2 before the first start").isEqualTo("2");
      ServiceDescriptor descriptor = ServiceDescriptor.fromJson(get(port, "/v1/service").body());
      descriptor.verify();
      assertThat(descriptor.keyVersion()).isEqualTo(2);
      assertThat(get(port, "/metrics").statusCode()).isEqualTo(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (get(port, "/health").statusCode() != 200) {
        assertThat(System.nanoTime()).as("healthy in time").isLessThan(deadline);
        Thread.sleep(100);
      }

      Identity owner = Identity.generate(RANDOM);
      Identity bob = Identity.generate(RANDOM);
      PolicyId policy = ledger.allowList(owner, bob.address());
      byte[] plain = "a private file".getBytes(StandardCharsets.UTF_8);
      EnvelopeHeader header = Envelope.seal(new SealParameters(LoopbackLedger.LEDGER, policy, 1,
              List.of(new KeyServerKey("ks-1", descriptor.hpkePublicKey()))), new ByteArrayInputStream(plain),
          plain.length, new ByteArrayOutputStream(), RANDOM);
      Identity session = Identity.generate(RANDOM);
      SessionCertificate cert = SessionCertificate.issue(bob, session.verifyingKey(), Instant.now(),
          Duration.ofMinutes(30), List.of("ks-1"));
      FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", HpkeKeyPair.generate().publicKey(),
          List.of(FetchKeyItem.of(header, 1)), ledger.height(), Instant.now(), RANDOM);

      HttpResponse<byte[]> answer = post(port, "/v1/fetch_key", request.toJson());

      assertThat(answer.statusCode()).as(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo(200);
      assertThat(FetchKeyResponse.fromJson(answer.body()).items().get(0).isReleased()).isTrue();

      ks.terminate();
      assertThat(ks.exit()).as(ks.err()).isEqualTo(ExitCodes.OK);
      assertThat(ks.err()).contains("event=keyserver_stopping signal=TERM").contains("event=keyserver_stopped")
          .doesNotContain(PASSPHRASE);
    }
    Path audit = dir.resolve("ks-1").resolve("audit.log");
    AuditLog.Verification v = AuditLog.verify(audit);
    assertThat(v.ok()).isTrue();
    assertThat(v.records()).as("the one decision").isEqualTo(1);
    runInProcess("keyserver", "verify-audit", audit.toString());
  }

  @Test
  void printConfig_environmentOverridesTheFile_andSetOverridesBoth() throws Exception {
    Path conf = configFile();
    try (ServeProcess p = ServeProcess.start(dir, Map.of("CACHET_KEYSERVER_PORT", "7555",
            "CACHET_KEYSERVER_RATE_LIMIT_IP", "9", "CACHET_KEYSERVER_CLOCK_OFFSET", "-90s"), "keyserver", "serve",
        "--config", conf.toString(), "--set", "rate-limit-ip=7", "--print-config")) {
      assertThat(p.exit()).as(p.err()).isEqualTo(ExitCodes.OK);
      String printed = p.out();
      assertThat(printed).contains("port = 7555\n").contains("rate-limit-ip = 7\n").contains("clock-offset = -90s\n")
          .contains("server-id = ks-1\n").contains("passphrase-env = ").doesNotContain(PASSPHRASE);
      // what it prints loads back to the same configuration
      assertThat(KeyServerConfig.parse(printed, "printed")).isEqualTo(KeyServerConfig.load(conf,
          Map.of("CACHET_KEYSERVER_PORT", "7555", "CACHET_KEYSERVER_CLOCK_OFFSET", "-90s"),
          List.of("rate-limit-ip=7")));
    }
  }
}
