package io.cachet.bench.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.bench.chaos.FileDamage;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.cli.devnet.Devnet;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
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
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.journal.Journal;
import io.cachet.storage.BlobId;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The checker against a real devnet (ledger, 3 key servers with audit logs, 4 storage nodes and
 * the gateway, in this JVM): a clean story passes; forged audit entries, a tampered chain, a lost
 * blob and a lost transaction are each caught, and only they.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CheckerDevnetTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BLOB_BYTES = 150_000;

  @TempDir static Path home;
  static Devnet devnet;
  static ClientConfig config;
  static ChainHistory.Trust trust;
  static Path readersDir;
  static Identity alice;
  static Identity bob;
  static Identity carol;
  static Identity dave;
  static PolicyId policy;
  static long revokedAt;
  static final List<PutRecord> puts = new ArrayList<>();
  static final List<TxRecord> txs = new ArrayList<>();
  static final Map<String, Identity> readers = new HashMap<>();

  @BeforeAll
  static void story() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), new Devnet.Options(3, 2, 4, 64 * 1024, Duration.ofHours(1),
        Duration.ofMillis(500), "cachet-devnet", 5, false));
    config = ClientConfig.load(devnet.descriptorFile());
    trust = new ChainHistory.Trust(config.ledgerId(), sequencerKey(),
        LedgerRef.parseGenesisDigest(ledgerHead().getString("genesisDigest"), "genesis"));
    readersDir = home.resolve("readers");
    alice = Identity.generate(RANDOM);
    bob = reader("bob");
    carol = reader("carol");
    dave = Identity.generate(RANDOM);
    try (CachetClient a = CachetClient.open(config, alice, Clock.systemUTC())) {
      policy = a.createAllowList();
      txs.add(new TxRecord(alice.address(), 0, new byte[0], -1, "create", System.currentTimeMillis()));
      long h = a.grant(policy, bob.address(), Window.ALWAYS);
      txs.add(new TxRecord(alice.address(), 1, new byte[0], h, "grant", System.currentTimeMillis()));
      h = a.grant(policy, carol.address(), Window.ALWAYS);
      txs.add(new TxRecord(alice.address(), 2, new byte[0], h, "grant", System.currentTimeMillis()));
      puts.add(put(a, "carol", BLOB_BYTES));
      readBack(bob, puts.get(0).blobId());
      readBack(carol, puts.get(0).blobId());
      revokedAt = a.revoke(policy, bob.address());
      txs.add(new TxRecord(alice.address(), 3, new byte[0], revokedAt, "revoke", System.currentTimeMillis()));
    }
    // a fresh session, after the revocation: refused by every key server
    try (CachetClient b = CachetClient.open(config, bob, Clock.systemUTC())) {
      assertThatThrownBy(() -> b.open(puts.get(0).blobId()).readAllBytes()).isInstanceOf(AccessRefusedException.class);
    }
    txs.add(submitDirectly());
  }

  @AfterAll
  static void stop() {
    if (devnet != null) {
      devnet.close();
    }
  }

  private static Identity reader(String name) throws Exception {
    Identity id = ReaderKeys.create(readersDir, name, RANDOM);
    readers.put(name, id);
    return id;
  }

  private static VerifyingKey sequencerKey() throws Exception {
    return VerifyingKey.parse(ledgerHead().getString("sequencerKey"));
  }

  private static JsonObject ledgerHead() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (LedgerClient ledger = new LedgerClient(vertx, devnet.ledgerUrl())) {
      return ledger.head().await(30, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
  }

  private static PutRecord put(CachetClient owner, String reader, int size) throws Exception {
    byte[] bytes = new byte[size];
    new SplittableRandom(size).nextBytes(bytes);
    StoredObject o = owner.put(new ByteArrayInputStream(bytes), bytes.length, policy, 3);
    return new PutRecord(o.blobId(), size, o.storedLength(), MessageDigest.getInstance("SHA-256").digest(bytes),
        o.endEpoch(), policy, reader, System.currentTimeMillis());
  }

  private static void readBack(Identity who, BlobId blob) throws Exception {
    try (CachetClient c = CachetClient.open(config, who, Clock.systemUTC()); InputStream in = c.open(blob)) {
      assertThat(in.readAllBytes()).hasSize(BLOB_BYTES);
    }
  }

  /** A transaction signed and submitted without the SDK, so its digest is known as the ledger acknowledged it. */
  private static TxRecord submitDirectly() throws Exception {
    Identity erin = Identity.generate(RANDOM);
    Vertx vertx = Vertx.vertx();
    try (LedgerClient ledger = new LedgerClient(vertx, devnet.ledgerUrl())) {
      LedgerRef on = ledger.ledger(trust.ledgerId(), trust.sequencerKey()).await(30, TimeUnit.SECONDS);
      Transaction tx = Transaction.sign(erin, on, 0, new Operation.CreateAllowList());
      Sequencer.Committed c = ledger.submit(tx).await(30, TimeUnit.SECONDS);
      return new TxRecord(erin.address(), 0, c.digest(), c.height(), "create", System.currentTimeMillis());
    } finally {
      vertx.close();
    }
  }

  private static Map<String, Path> auditLogs() {
    Map<String, Path> logs = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      logs.put("ks-" + i, devnet.keyServer(i).auditLogFile());
    }
    return logs;
  }

  private static BlobCheck blobCheck() {
    return new BlobCheck(config, name -> readers.get(name), () -> 0, Clock.systemUTC());
  }

  private static Checker.Plan plan() {
    return Checker.Plan.of(devnet.ledgerUrl(), trust).withAuditLogs(auditLogs()).withTxs(txs)
        .withPuts(puts, blobCheck());
  }

  /** A copy of ks-1's audit log with {@code event} appended. */
  private static Path forgedLog(String name, AuditEvent event) throws Exception {
    return ForgedReleases.forgedLog(devnet.keyServer(1).auditLogFile(), home, name, event);
  }

  /** Decided as the block came: a release recorded long after would be a stale view (CheckerFindingsTest). */
  private static AuditEvent released(Address requester, long height, long ledgerTime, String ledgerId) {
    return ForgedReleases.released(requester, policy, height, ledgerTime, ledgerTime, ledgerId);
  }

  private static CheckReport checkOne(String server, Path log) throws Exception {
    return Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withAuditLogs(Map.of(server, log)));
  }

  // ---------------------------------------------------------------- clean

  @Test
  @Order(1)
  void cleanStory_passesEveryInvariant_withSomethingCheckedOfEach() throws Exception {
    CheckReport report = Checker.run(plan());

    assertThat(report.violations()).as(report.summary()).isEmpty();
    assertThat(report.ok()).isTrue();
    // bob and carol each read once, from at least t = 2 key servers
    assertThat(report.tally(Invariant.NO_UNAUTHORIZED_RELEASE).checked()).isGreaterThanOrEqualTo(4);
    assertThat(report.tally(Invariant.NO_TX_LOST).checked()).isEqualTo(txs.size());
    assertThat(report.tally(Invariant.NO_BLOB_LOST).checked()).isEqualTo(1);
    assertThat(report.tally(Invariant.CHAIN_VALID).checked()).isEqualTo(1);
    System.out.println("clean run:\n" + report.summary());
  }

  @Test
  @Order(2)
  void journal_givesTheSameChainAsTheApi() throws Exception {
    ChainHistory api = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    ChainHistory journal = ChainHistory.fromJournal(journalFile(), trust);

    long common = Math.min(api.head(), journal.head());
    assertThat(common).isGreaterThan(0);
    assertThat(journal.block(common).orElseThrow()).isEqualTo(api.block(common).orElseThrow());
    assertThat(journal.find(alice.address(), 3).orElseThrow().height()).isEqualTo(revokedAt);
  }

  @Test
  @Order(3)
  void ledgerUnreachable_fallsBackToTheJournal_andSaysSo() throws Exception {
    Checker.Plan plan = new Checker.Plan("http://127.0.0.1:1", journalFile(), trust, auditLogs(), txs, List.of(), null);

    CheckReport report = Checker.run(plan);

    assertThat(report.violations()).as(report.summary()).isEmpty();
    assertThat(report.notes()).anyMatch(n -> n.contains("read from its journal"));
  }

  @Test
  @Order(4)
  void checkMain_onWhatTheSoakLeft_exitsZeroWhenClean_andOneOnAForgedRelease() throws Exception {
    Path txFile = home.resolve("txs.jsonl");
    Path putFile = home.resolve("puts.jsonl");
    Files.write(txFile, txs.stream().map(TxRecord::toJsonLine).toList());
    Files.write(putFile, puts.stream().map(PutRecord::toJsonLine).toList());
    List<String> args = new ArrayList<>(List.of("--ledger", devnet.ledgerUrl(), "--sequencer-key",
        trust.sequencerKey().toString(), "--ledger-id", trust.ledgerId(), "--genesis",
        Hex.to0x(trust.genesisDigest()), "--txs", txFile.toString(), "--puts", putFile.toString(),
        "--network", devnet.descriptorFile().toString(), "--readers", readersDir.toString()));
    auditLogs().forEach((name, file) -> args.addAll(List.of("--audit-log", name + "=" + file)));
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    Path forged = forgedLog("main-forged", released(dave.address(), chain.head(), chain.ledgerTime(chain.head()),
        trust.ledgerId()));
    List<String> forgedArgs = new ArrayList<>(args);
    forgedArgs.addAll(List.of("--audit-log", "ks-forged=" + forged));

    StringWriter clean = new StringWriter();
    int cleanExit = new CommandLine(new CheckMain()).setOut(new PrintWriter(clean)).execute(args.toArray(String[]::new));
    StringWriter dirty = new StringWriter();
    int dirtyExit = new CommandLine(new CheckMain()).setOut(new PrintWriter(dirty))
        .execute(forgedArgs.toArray(String[]::new));

    assertThat(cleanExit).as(clean.toString()).isEqualTo(CheckMain.EXIT_OK);
    assertThat(clean.toString()).startsWith("ok").contains("NO_BLOB_LOST             checked 1");
    assertThat(dirtyExit).as(dirty.toString()).isEqualTo(CheckMain.EXIT_VIOLATIONS);
    assertThat(dirty.toString()).contains("violation: NO_UNAUTHORIZED_RELEASE ks-forged entry");
    forgedArgs.add("--json");
    StringWriter doc = new StringWriter();
    new CommandLine(new CheckMain()).setOut(new PrintWriter(doc)).execute(forgedArgs.toArray(String[]::new));
    JsonNode parsed = new ObjectMapper().readTree(doc.toString());
    assertThat(parsed.get("ok").asBoolean()).isFalse();
    assertThat(parsed.at("/invariants/NO_UNAUTHORIZED_RELEASE/violations").asLong()).isEqualTo(1);
    assertThat(parsed.at("/violations/0/where").asText()).isEqualTo("ks-forged");
  }

  // ---------------------------------------------------------------- releases

  @Test
  @Order(10)
  void releaseToSomeoneNeverAllowed_isExactlyThatViolation() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    long h = chain.head();
    long sequence = AuditLog.verify(devnet.keyServer(1).auditLogFile()).records();
    Path log = forgedLog("never-allowed", released(dave.address(), h, chain.ledgerTime(h), trust.ledgerId()));

    CheckReport report = checkOne("ks-1", log);

    assertThat(report.violations()).as(report.summary()).hasSize(1);
    CheckReport.Violation v = report.violations().get(0);
    assertThat(v.invariant()).isEqualTo(Invariant.NO_UNAUTHORIZED_RELEASE);
    assertThat(v.where()).isEqualTo("ks-1");
    assertThat(v.sequence()).isGreaterThanOrEqualTo(sequence);
    assertThat(v.height()).isEqualTo(h);
    assertThat(v.what()).contains(dave.address().toString()).contains("NOT_A_MEMBER");
  }

  @Test
  @Order(11)
  void releaseAtAHeightWhereTheGrantWasRevoked_isAViolation() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    Path log = forgedLog("after-revoke", released(bob.address(), revokedAt, chain.ledgerTime(revokedAt),
        trust.ledgerId()));
    // the same release one block earlier is justified: the grant still stood
    Path before = forgedLog("before-revoke", released(bob.address(), revokedAt - 1, chain.ledgerTime(revokedAt - 1),
        trust.ledgerId()));

    CheckReport report = checkOne("ks-1", log);
    CheckReport fine = checkOne("ks-1", before);

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains(bob.address().toString()).contains("NOT_A_MEMBER"))
        .satisfies(v -> assertThat(v.height()).isEqualTo(revokedAt));
    assertThat(fine.violations()).as(fine.summary()).isEmpty();
  }

  @Test
  @Order(12)
  void releaseBeyondWhatTheLedgerServes_isALedgerShortChainViolation() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    long beyond = chain.head() + 1_000_000;
    Path log = forgedLog("beyond-head", released(carol.address(), beyond, chain.ledgerTime(chain.head()),
        trust.ledgerId()));

    CheckReport report = checkOne("ks-1", log);

    // the chain is read up to the highest release: a ledger that cannot serve it has lost blocks
    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.CHAIN_VALID))
        .satisfies(v -> assertThat(v.what()).startsWith("LEDGER_SHORT").contains("height " + beyond).contains("head"));
  }

  @Test
  @Order(13)
  void releaseWithAnotherLedgerTimeOrLedgerId_isAViolation() throws Exception {
    ChainHistory chain = ChainHistory.fetch(devnet.ledgerUrl(), trust);
    long h = chain.head();
    Path wrongTime = forgedLog("wrong-time", released(carol.address(), h, chain.ledgerTime(h) + 1, trust.ledgerId()));
    Path wrongLedger = forgedLog("wrong-ledger", released(carol.address(), h, chain.ledgerTime(h), "another-ledger"));

    assertThat(checkOne("ks-1", wrongTime).violations()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains("ledger time"));
    assertThat(checkOne("ks-1", wrongLedger).violations()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains("another-ledger"));
  }

  @Test
  @Order(14)
  void tornAuditTail_isReported_notAViolation() throws Exception {
    Path copy = home.resolve("torn.log");
    Files.copy(devnet.keyServer(2).auditLogFile(), copy);
    // a record header cut short, as a kill in the middle of an append leaves it
    Files.write(copy, new byte[] {0, 0, 1, 7, 9}, StandardOpenOption.APPEND);

    CheckReport report = checkOne("ks-2", copy);

    assertThat(report.ok()).as(report.summary()).isTrue();
    assertThat(report.notes()).singleElement().satisfies(n -> assertThat(n).contains("ks-2").contains("torn"));
    assertThat(report.tally(Invariant.NO_UNAUTHORIZED_RELEASE).checked()).isGreaterThan(0);
  }

  @Test
  @Order(15)
  void auditLogDamagedBeforeItsTail_isAViolation() throws Exception {
    Path copy = home.resolve("damaged.log");
    Files.copy(devnet.keyServer(2).auditLogFile(), copy);
    // inside the first record's payload, well before the tail
    FileDamage.flip(copy, 8 + 12 + 20, 0x40);

    CheckReport report = checkOne("ks-2", copy);

    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains("damaged"));
  }

  // ---------------------------------------------------------------- the chain

  @Test
  @Order(20)
  void blockTamperedInTransit_theChainIsRefused() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      int port = tamperingProxy(vertx, 2);
      String url = "http://127.0.0.1:" + port;

      assertThatThrownBy(() -> ChainHistory.fetch(url, trust)).isInstanceOf(ChainRefusedException.class)
          .satisfies(e -> assertThat(((ChainRefusedException) e).height()).isEqualTo(2))
          .satisfies(e -> assertThat(((ChainRefusedException) e).reason()).isEqualTo("BAD_BLOCK_SIGNATURE"));
      CheckReport report = Checker.run(new Checker.Plan(url, journalFile(), trust, auditLogs(), txs, List.of(), null));
      // a refused chain is never swapped for the journal's: nothing else is judged
      assertThat(report.violations()).as(report.summary()).singleElement()
          .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.CHAIN_VALID));
      assertThat(report.tally(Invariant.NO_UNAUTHORIZED_RELEASE).checked()).isZero();
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(21)
  void anotherGenesis_theChainIsRefused() {
    byte[] other = trust.genesisDigest();
    other[0] ^= 1;
    ChainHistory.Trust wrong = new ChainHistory.Trust(trust.ledgerId(), trust.sequencerKey(), other);

    assertThatThrownBy(() -> ChainHistory.fetch(devnet.ledgerUrl(), wrong)).isInstanceOf(ChainRefusedException.class)
        .satisfies(e -> assertThat(((ChainRefusedException) e).reason()).isEqualTo("WRONG_GENESIS"));
  }

  @Test
  @Order(22)
  void journalCopyWithAFlippedByte_isRefusedAsDamaged() throws Exception {
    Path copy = home.resolve("flipped.journal");
    Files.copy(journalFile(), copy);
    FileDamage.flip(copy, 8 + 12 + 30, 0x01);

    assertThatThrownBy(() -> ChainHistory.fromJournal(copy, trust)).isInstanceOf(ChainRefusedException.class)
        .satisfies(e -> assertThat(((ChainRefusedException) e).reason()).isEqualTo("JOURNAL_DAMAGED"));
  }

  @Test
  @Order(23)
  void journalRewrittenWithATamperedBlockAndFreshChecksums_isRefusedBySignature() throws Exception {
    List<byte[]> records = new ArrayList<>();
    Path copy = home.resolve("copy.journal");
    Files.copy(journalFile(), copy);
    try (Journal j = Journal.open(copy, records::add)) {
      // read only
    }
    byte[] third = records.get(3);
    third[third.length - 1] ^= 0x01; // the signature's last byte: the block still decodes
    Path forged = home.resolve("forged.journal");
    try (Journal j = Journal.open(forged, x -> { })) {
      j.append(records);
    }

    assertThatThrownBy(() -> ChainHistory.fromJournal(forged, trust)).isInstanceOf(ChainRefusedException.class)
        .satisfies(e -> assertThat(((ChainRefusedException) e).reason()).isEqualTo("BAD_BLOCK_SIGNATURE"))
        .satisfies(e -> assertThat(((ChainRefusedException) e).height()).isEqualTo(3));
  }

  private static Path journalFile() {
    return devnet.dir().resolve("ledger").resolve(Sequencer.JOURNAL_FILE);
  }

  /** A real small server that serves the ledger's blocks with one bit of block {@code height}'s signature flipped. */
  private static int tamperingProxy(Vertx vertx, long height) throws Exception {
    int ledgerPort = URI.create(devnet.ledgerUrl()).getPort();
    HttpClient client = vertx.createHttpClient();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> client
        .request(HttpMethod.GET, ledgerPort, "127.0.0.1", req.uri())
        .compose(r -> r.send().compose(resp -> resp.body()))
        .onSuccess(body -> {
          JsonObject page = body.toJsonObject();
          JsonArray blocks = page.getJsonArray("blocks");
          long from = Long.parseLong(req.getParam("from", "0"));
          if (blocks != null && height >= from && height < from + blocks.size()) {
            int i = (int) (height - from);
            byte[] b = Base64.getUrlDecoder().decode(blocks.getString(i));
            b[b.length - 1] ^= 0x01;
            blocks.set(i, Base64.getUrlEncoder().withoutPadding().encodeToString(b));
          }
          req.response().putHeader("content-type", "application/json").end(Buffer.buffer(page.encode()));
        })
        .onFailure(e -> req.response().setStatusCode(502).end()))
        .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    return server.actualPort();
  }

  // ---------------------------------------------------------------- transactions

  @Test
  @Order(30)
  void acknowledgedNonceTheChainNeverHad_isTransactionLost() throws Exception {
    TxRecord ghost = new TxRecord(alice.address(), 999, new byte[0], -1, "grant", System.currentTimeMillis());
    TxRecord direct = txs.get(txs.size() - 1);
    byte[] otherDigest = direct.digest();
    otherDigest[5] ^= 1;
    TxRecord swapped = new TxRecord(direct.sender(), direct.nonce(), otherDigest, direct.height(), "create", 0);
    TxRecord moved = new TxRecord(alice.address(), 3, new byte[0], revokedAt + 1, "revoke", 0);

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust)
        .withTxs(List.of(txs.get(0), ghost, swapped, moved)));

    assertThat(report.violations(Invariant.NO_TX_LOST)).as(report.summary()).hasSize(3);
    assertThat(report.violations()).extracting(CheckReport.Violation::sequence).containsExactly(2L, 3L, 4L);
    assertThat(report.violations().get(0).what()).contains("nonce 999").contains("not in the chain");
    assertThat(report.violations().get(1).what()).contains("another transaction");
    assertThat(report.violations().get(2).what()).contains("acknowledged at height " + (revokedAt + 1));
  }

  // ---------------------------------------------------------------- blobs

  @Test
  @Order(40)
  void blobPastItsEndEpoch_isSkippedAndCounted_andPutsAllSkippedAreNoPass() throws Exception {
    BlobCheck later = new BlobCheck(config, readers::get, () -> Long.MAX_VALUE, Clock.systemUTC());

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(puts, later));

    assertThat(report.violations()).isEmpty();
    assertThat(report.unchecked()).containsExactly(Invariant.NO_BLOB_LOST);
    assertThat(report.ok()).isFalse();
    assertThat(report.summary()).startsWith("NOTHING CHECKED");
    assertThat(report.tally(Invariant.NO_BLOB_LOST).checked()).isZero();
    assertThat(report.tally(Invariant.NO_BLOB_LOST).skipped()).containsEntry(BlobCheck.SKIP_EXPIRED, 1L);
  }

  @Test
  @Order(41)
  void readerNoLongerAllowed_isSkipped_andAnUncertifiedBlobIsLost() throws Exception {
    PutRecord p = puts.get(0);
    PutRecord asBob = new PutRecord(p.blobId(), p.size(), p.storedSize(), p.sha256(), p.endEpoch(), p.policy(), "bob",
        p.putAtMillis());
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    PutRecord never = new PutRecord(BlobId.of(id), p.size(), p.storedSize(), p.sha256(), p.endEpoch(), p.policy(),
        "carol", p.putAtMillis());

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(asBob, never),
        blobCheck()));

    assertThat(report.tally(Invariant.NO_BLOB_LOST).skipped()).containsEntry(BlobCheck.SKIP_READER_NOT_ALLOWED, 1L);
    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.what()).contains(never.blobId().toString()).contains("no availability"));
  }

  @Test
  @Order(50)
  void blobWhoseShardsAreGoneFromMoreThanFNodes_isLost() throws Exception {
    PutRecord doomed;
    try (CachetClient a = CachetClient.open(config, alice, Clock.systemUTC())) {
      doomed = put(a, "carol", 70_000);
    }
    int f = devnet.storage().network().f();
    for (int i = 0; i <= f + 1 && i < devnet.storage().network().n(); i++) {
      devnet.stop("node-" + i);
      for (Path shards : FileDamage.shardFiles(devnet.storage().nodeDir(i))) {
        if (FileDamage.blobOf(shards).orElseThrow().equals(doomed.blobId())) {
          deleteTree(shards.getParent());
        }
      }
      devnet.start("node-" + i);
    }

    CheckReport report = Checker.run(Checker.Plan.of(devnet.ledgerUrl(), trust).withPuts(List.of(puts.get(0), doomed),
        blobCheck()));

    assertThat(report.tally(Invariant.NO_BLOB_LOST).checked()).isEqualTo(2);
    assertThat(report.violations()).as(report.summary()).singleElement()
        .satisfies(v -> assertThat(v.invariant()).isEqualTo(Invariant.NO_BLOB_LOST))
        .satisfies(v -> assertThat(v.what()).contains(doomed.blobId().toString()).contains("aggregator"))
        .satisfies(v -> assertThat(v.sequence()).isEqualTo(2));
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
