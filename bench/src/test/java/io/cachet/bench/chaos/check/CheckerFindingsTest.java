package io.cachet.bench.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.bench.chaos.FileDamage;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.cli.devnet.Devnet;
import io.cachet.client.CachetClient;
import io.cachet.common.http.ApiError;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.keyserver.audit.AuditLog;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Window;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The review's findings against the checker, each as a hostile case on a real devnet (ledger, 3
 * key servers, 4 storage nodes, gateway, in this JVM): a ledger that serves what does not hold
 * (through a real Vert.x server in front of the real ledger that misbehaves) is a chain
 * violation, never swapped for the journal; a chain short of what was decided on it is named; a
 * stale view is caught; a check that looked at nothing does not pass; availability is checked
 * apart from who may still read.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CheckerFindingsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BLOB_BYTES = 90_000;

  @TempDir static Path home;
  static Devnet devnet;
  static ClientConfig config;
  static ChainHistory.Trust trust;
  static Path readersDir;
  static PolicyId policy;
  static long revokedAt;
  /** A blob carol may still read. */
  static PutRecord forCarol;
  /** A blob whose reader, bob, was revoked. */
  static PutRecord forBob;
  static final Map<String, Identity> readers = new HashMap<>();
  Vertx vertx;

  @BeforeAll
  static void story() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), new Devnet.Options(3, 2, 4, 64 * 1024, Duration.ofHours(1),
        Duration.ofMillis(500), "cachet-devnet", 5, false));
    config = ClientConfig.load(devnet.descriptorFile());
    JsonObject head = ledgerHead();
    trust = new ChainHistory.Trust(config.ledgerId(), VerifyingKey.parse(head.getString("sequencerKey")),
        LedgerRef.parseGenesisDigest(head.getString("genesisDigest"), "genesis"));
    readersDir = home.resolve("readers");
    Identity alice = Identity.generate(RANDOM);
    Identity bob = reader("bob");
    Identity carol = reader("carol");
    try (CachetClient a = CachetClient.open(config, alice, Clock.systemUTC())) {
      policy = a.createAllowList();
      a.grant(policy, bob.address(), Window.ALWAYS);
      a.grant(policy, carol.address(), Window.ALWAYS);
      forCarol = put(a, "carol");
      forBob = put(a, "bob");
      readBack(carol, forCarol);
      revokedAt = a.revoke(policy, bob.address());
    }
  }

  @AfterAll
  static void stop() {
    if (devnet != null) {
      devnet.close();
    }
  }

  @AfterEach
  void closeVertx() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  // ---------------------------------------------------------------- what the ledger serves

  @Test
  @Order(1)
  void undecodableBlockInTransit_isAChainViolation_notASwapForTheJournal() throws Exception {
    String url = hostileLedger((uri, page) -> {
      if (uri.startsWith("/v1/blocks") && page.getJsonArray("blocks").size() > 2) {
        page.getJsonArray("blocks").set(2, "!!not base64url!!");
      }
      return page.encode();
    });

    CheckReport report = Checker.run(new Checker.Plan(url, journalFile(), trust, auditLogs(), List.of(), List.of(),
        null));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.CHAIN_VALID))
        .satisfies(v -> assertThat(v.what()).startsWith("MALFORMED_BLOCK"))
        .satisfies(v -> assertThat(v.height()).isEqualTo(2));
    assertThat(report.notes()).noneMatch(n -> n.contains("journal"));
    // the violation counts as an item checked (item 5)
    assertThat(report.tally(Invariant.CHAIN_VALID).checked()).isEqualTo(1);
    assertThat(report.tally(Invariant.CHAIN_VALID).violations()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void ledgerServingAnotherLedgerId_isAForeignLedgerChainViolation() throws Exception {
    String url = hostileLedger((uri, page) -> uri.startsWith("/v1/blocks")
        ? page.put("ledgerId", "another-ledger").encode() : page.encode());

    CheckReport report = Checker.run(new Checker.Plan(url, journalFile(), trust, Map.of(), List.of(), List.of(),
        null));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.CHAIN_VALID))
        .satisfies(v -> assertThat(v.what()).startsWith("FOREIGN_LEDGER").contains("another-ledger"));
  }

  @Test
  @Order(3)
  void ledgerAnsweringAnError_isAChainViolation_notASwapForTheJournal() throws Exception {
    String url = hostileLedger((uri, page) -> uri.startsWith("/v1/blocks") ? 500 : page.encode());

    CheckReport report = Checker.run(new Checker.Plan(url, journalFile(), trust, Map.of(), List.of(), List.of(),
        null));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).startsWith("LEDGER_ERROR").contains("500"));
    assertThat(report.notes()).noneMatch(n -> n.contains("journal"));
  }

  @Test
  @Order(4)
  void headAnswerPastItsCap_isAChainViolation_readNoFurther() throws Exception {
    String url = hostileLedger((uri, page) -> uri.startsWith("/v1/head")
        ? page.put("padding", "x".repeat(200 << 10)).encode() : page.encode());

    CheckReport report = Checker.run(new Checker.Plan(url, journalFile(), trust, Map.of(), List.of(), List.of(),
        null));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).startsWith("LEDGER_READ_FAILED").contains("AnswerTooLarge"));
  }

  // ---------------------------------------------------------------- a chain cut short

  @Test
  @Order(10)
  void ledgerServingFewerBlocksThanItsHead_isLedgerShort_namingBothHeights() throws Exception {
    long kept = revokedAt - 1;
    String url = hostileLedger((uri, page) -> {
      if (uri.startsWith("/v1/blocks")) {
        long from = Long.parseLong(uri.replaceAll(".*from=(\\d+).*", "$1"));
        JsonArray blocks = page.getJsonArray("blocks");
        JsonArray cut = new JsonArray();
        for (int i = 0; i < blocks.size() && from + i <= kept; i++) {
          cut.add(blocks.getValue(i));
        }
        page.put("blocks", cut);
      }
      return page.encode();
    });

    CheckReport report = Checker.run(Checker.Plan.of(url, trust).withAuditLogs(auditLogs()));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.CHAIN_VALID))
        .satisfies(v -> assertThat(v.what()).startsWith("LEDGER_SHORT").contains("up to height " + kept)
            .contains("head"))
        .satisfies(v -> assertThat(v.height()).isEqualTo(kept + 1));
  }

  @Test
  @Order(11)
  void releasesAboveTheHeadNamedFirst_areReadUpTo_notCalledUnauthorized() throws Exception {
    // the head as a ledger asked before the releases were decided would have named it
    String url = hostileLedger((uri, page) -> uri.startsWith("/v1/head") ? page.put("height", 1).encode()
        : page.encode());

    CheckReport report = Checker.run(Checker.Plan.of(url, trust).withAuditLogs(auditLogs()));

    assertThat(report.violations()).as(report.summary()).isEmpty();
    assertThat(report.tally(Invariant.NO_UNAUTHORIZED_RELEASE).checked()).isGreaterThanOrEqualTo(2);
    assertThat(report.ok()).isTrue();
  }

  // ---------------------------------------------------------------- stale views

  @Test
  @Order(20)
  void releaseDecidedBeyondTheStalenessBound_isAStaleView_unlessWithinTheClockTolerance() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    long h = revokedAt - 1;
    long movedOn = chain.ledgerTime(revokedAt);
    long late = movedOn + Duration.ofMinutes(2).toMillis() + 1_000;
    // at h the grant still stood: only the time it was decided at makes it wrong
    Path stale = forgedLog("stale", released(readers.get("bob").address(), h, chain.ledgerTime(h), late));
    Path inTime = forgedLog("in-time", released(readers.get("bob").address(), h, chain.ledgerTime(h),
        movedOn + Duration.ofMinutes(2).toMillis() - 1_000));
    Checker.Plan plan = Checker.Plan.of(devnet.ledgerUrl(), trust);

    CheckReport caught = Checker.run(plan.withAuditLogs(Map.of("ks-1", stale)));
    CheckReport tolerated = Checker.run(plan.withAuditLogs(Map.of("ks-1", stale))
        .withStaleness(Duration.ofMinutes(2), Duration.ofSeconds(5)));
    CheckReport fine = Checker.run(plan.withAuditLogs(Map.of("ks-1", inTime)));

    assertThat(caught.violations()).as(caught.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.NO_UNAUTHORIZED_RELEASE))
        .satisfies(v -> assertThat(v.what()).startsWith(ReleaseCheck.STALE_VIEW).contains("block " + revokedAt))
        .satisfies(v -> assertThat(v.height()).isEqualTo(h));
    assertThat(tolerated.violations()).as(tolerated.summary()).isEmpty();
    assertThat(fine.violations()).as(fine.summary()).isEmpty();
  }

  // ---------------------------------------------------------------- nothing checked is no pass

  @Test
  @Order(30)
  void auditLogsWithoutARelease_checkNothing_andDoNotPass() throws Exception {
    Path empty = home.resolve("empty-audit.log");
    try (AuditLog log = AuditLog.open(empty, AuditLog.Fsync.COMMIT, Duration.ofSeconds(1))) {
      // opened only to have a valid log with no entry
    }

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withAuditLogs(Map.of("ks-1", empty)));

    assertThat(report.violations()).isEmpty();
    assertThat(report.unchecked()).containsExactly(Invariant.NO_UNAUTHORIZED_RELEASE);
    assertThat(report.ok()).isFalse();
    assertThat(report.summary()).contains("nothing checked: NO_UNAUTHORIZED_RELEASE");
    assertThat(report.toJson().get("unchecked").get(0).asText()).isEqualTo("NO_UNAUTHORIZED_RELEASE");
  }

  @Test
  @Order(31)
  void checkMain_withoutAnAuditLogPerKeyServer_refusesAsUsage() throws Exception {
    List<String> args = baseArgs();
    args.addAll(List.of("--network", devnet.descriptorFile().toString(),
        "--audit-log", "ks-1=" + devnet.keyServer(1).auditLogFile(),
        "--audit-log", "ks-2=" + devnet.keyServer(2).auditLogFile()));
    StringWriter err = new StringWriter();

    int exit = new CommandLine(new CheckMain()).setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
        .execute(args.toArray(String[]::new));

    assertThat(exit).as(err.toString()).isEqualTo(CheckMain.EXIT_USAGE);
    assertThat(err.toString()).contains("ks-3").contains("--audit-log");
  }

  @Test
  @Order(32)
  void checkMain_twoAuditLogsOfOneName_isAUsageError() throws Exception {
    List<String> args = baseArgs();
    args.addAll(List.of("--audit-log", "ks-1=" + devnet.keyServer(1).auditLogFile(),
        "--audit-log", "ks-1=" + devnet.keyServer(2).auditLogFile()));
    StringWriter err = new StringWriter();

    int exit = new CommandLine(new CheckMain()).setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
        .execute(args.toArray(String[]::new));

    assertThat(exit).as(err.toString()).isEqualTo(CheckMain.EXIT_USAGE);
    assertThat(err.toString()).contains("two audit logs are named ks-1");
  }

  @Test
  @Order(33)
  void damagedAuditLog_countsAsChecked() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    long h = chain.head();
    // a second record, so that damage to the first is before the tail
    Path copy = forgedLog("damaged", released(readers.get("carol").address(), h, chain.ledgerTime(h),
        chain.ledgerTime(h)));
    FileDamage.flip(copy, 8 + 12 + 20, 0x40);

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withAuditLogs(Map.of("ks-1", copy)));

    CheckReport.Tally t = report.tally(Invariant.NO_UNAUTHORIZED_RELEASE);
    assertThat(t.violations()).as(report.summary()).isEqualTo(1);
    assertThat(t.checked()).isGreaterThanOrEqualTo(t.violations());
  }

  // ---------------------------------------------------------------- availability apart from access

  @Test
  @Order(40)
  void blobOfARevokedReader_isStillCheckedForAvailability() throws Exception {
    PutRecord wrongStored = withStoredSha256(forBob, new byte[32]);

    CheckReport intact = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(forBob),
        blobCheck()));
    CheckReport tampered = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(wrongStored),
        blobCheck()));

    assertThat(intact.violations()).as(intact.summary()).isEmpty();
    assertThat(intact.tally(Invariant.NO_BLOB_LOST).checked()).isEqualTo(1);
    assertThat(intact.tally(Invariant.NO_BLOB_LOST).skipped()).containsEntry(BlobCheck.SKIP_READER_NOT_ALLOWED, 1L);
    assertThat(tampered.violations()).as(tampered.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains(forBob.blobId().toString()).contains("SHA-256 differs"));
  }

  @Test
  @Order(41)
  void keyServersDownAtCheckTime_isItsOwnSkip_notABlobLost() throws Exception {
    for (int i = 1; i <= 3; i++) {
      devnet.stop("ks-" + i);
    }
    try {
      CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(forCarol),
          blobCheck()));

      assertThat(report.violations()).as(report.summary()).isEmpty();
      assertThat(report.tally(Invariant.NO_BLOB_LOST).checked()).isEqualTo(1);
      assertThat(report.tally(Invariant.NO_BLOB_LOST).skipped())
          .containsEntry(BlobCheck.SKIP_KEY_SERVERS_UNAVAILABLE, 1L);
    } finally {
      for (int i = 1; i <= 3; i++) {
        devnet.start("ks-" + i);
      }
    }
  }

  @Test
  @Order(50)
  void blobOfARevokedReader_withItsShardsGoneFromMoreThanFNodes_isLost() throws Exception {
    int f = devnet.storage().network().f();
    for (int i = 0; i <= f + 1 && i < devnet.storage().network().n(); i++) {
      devnet.stop("node-" + i);
      for (Path shards : FileDamage.shardFiles(devnet.storage().nodeDir(i))) {
        if (FileDamage.blobOf(shards).orElseThrow().equals(forBob.blobId())) {
          deleteTree(shards.getParent());
        }
      }
      devnet.start("node-" + i);
    }

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(forBob),
        blobCheck()));

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.NO_BLOB_LOST))
        .satisfies(v -> assertThat(v.what()).contains(forBob.blobId().toString()).contains("aggregator"));
  }

  // ---------------------------------------------------------------- helpers

  private static Identity reader(String name) throws Exception {
    Identity id = ReaderKeys.create(readersDir, name, RANDOM);
    readers.put(name, id);
    return id;
  }

  private static JsonObject ledgerHead() throws Exception {
    Vertx v = Vertx.vertx();
    try (LedgerClient ledger = new LedgerClient(v, devnet.ledgerUrl())) {
      return ledger.head().await(30, TimeUnit.SECONDS);
    } finally {
      v.close();
    }
  }

  private static PutRecord put(CachetClient owner, String reader) throws Exception {
    byte[] bytes = new byte[BLOB_BYTES];
    new SplittableRandom(reader.hashCode()).nextBytes(bytes);
    StoredObject o = owner.put(new ByteArrayInputStream(bytes), bytes.length, policy, 3);
    return new PutRecord(o.blobId(), bytes.length, o.storedLength(),
        MessageDigest.getInstance("SHA-256").digest(bytes), o.endEpoch(), policy, reader, System.currentTimeMillis());
  }

  private static void readBack(Identity who, PutRecord p) throws Exception {
    try (CachetClient c = CachetClient.open(config, who, Clock.systemUTC()); InputStream in = c.open(p.blobId())) {
      assertThat(in.readAllBytes()).hasSize((int) p.size());
    }
  }

  private static PutRecord withStoredSha256(PutRecord p, byte[] digest) {
    return new PutRecord(p.blobId(), p.size(), p.storedSize(), p.sha256(), p.endEpoch(), p.policy(), p.reader(),
        p.putAtMillis(), digest);
  }

  private static Path journalFile() {
    return devnet.dir().resolve("ledger").resolve(Sequencer.JOURNAL_FILE);
  }

  private static Map<String, Path> auditLogs() {
    Map<String, Path> logs = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      logs.put("ks-" + i, devnet.keyServer(i).auditLogFile());
    }
    return logs;
  }

  private static BlobCheck blobCheck() {
    return new BlobCheck(config, readers::get, () -> 0, Clock.systemUTC());
  }

  private static List<String> baseArgs() {
    return new ArrayList<>(List.of("--ledger", devnet.ledgerUrl(), "--sequencer-key",
        trust.sequencerKey().toString(), "--ledger-id", trust.ledgerId(), "--genesis",
        Hex.to0x(trust.genesisDigest())));
  }

  /** A copy of ks-1's audit log with {@code event} appended. */
  private static Path forgedLog(String name, AuditEvent event) throws Exception {
    return ForgedReleases.forgedLog(devnet.keyServer(1).auditLogFile(), home, name, event);
  }

  private static AuditEvent released(Address requester, long height, long ledgerTime, long recordedAt) {
    return ForgedReleases.released(requester, policy, height, ledgerTime, recordedAt, trust.ledgerId());
  }

  /**
   * A ledger in front of the real one: each GET goes to the real ledger, and its JSON answer is
   * answered as {@code rewrite(uri, answer)} makes it (a String: the body, 200; an Integer: that
   * status, with the one error shape).
   */
  private String hostileLedger(BiFunction<String, JsonObject, Object> rewrite) throws Exception {
    vertx = Vertx.vertx();
    int ledgerPort = URI.create(devnet.ledgerUrl()).getPort();
    HttpClient client = vertx.createHttpClient();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> client
        .request(HttpMethod.GET, ledgerPort, "127.0.0.1", req.uri())
        .compose(r -> r.send().compose(resp -> resp.body()))
        .onSuccess(body -> {
          Object answer = rewrite.apply(req.uri(), body.toJsonObject());
          if (answer instanceof Integer status) {
            req.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(ApiError.of(status, "INTERNAL", "hostile").encode());
          } else {
            req.response().putHeader("content-type", "application/json").end(Buffer.buffer((String) answer));
          }
        })
        .onFailure(e -> req.response().setStatusCode(502).end()))
        .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort();
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
