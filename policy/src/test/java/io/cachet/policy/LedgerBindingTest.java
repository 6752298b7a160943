package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One identity on two real ledgers (two sequencers, two HTTP servers on loopback) that share a
 * ledger id, as every devnet does: nothing signed for one means anything on the other.
 */
class LedgerBindingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Both ledgers are called this: the genesis digest alone tells them apart. */
  private static final String LEDGER = "cachet-devnet";
  private static final String HOST = "127.0.0.1";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final WebClient http = WebClient.create(vertx);
  private final List<Sequencer> sequencers = new ArrayList<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeLast) {
      c.close();
    }
    http.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    for (Sequencer s : sequencers) {
      s.close();
    }
  }

  /** A ledger: its sequencer and the URL of its HTTP API. */
  private record Ledger(Sequencer sequencer, String url, LedgerClient client) {
    LedgerRef ref() {
      return sequencer.ledger();
    }
  }

  private Ledger start(String name, Identity key, Clock clock) throws Exception {
    Sequencer s = Sequencer.open(new Sequencer.Config(dir.resolve(name), LEDGER, Duration.ofMinutes(10), clock), key);
    sequencers.add(s);
    LedgerServer server = new LedgerServer(s, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    String url = "http://" + HOST + ":" + server.port();
    LedgerClient client = new LedgerClient(vertx, url);
    closeLast.add(client);
    return new Ledger(s, url, client);
  }

  private Ledger start(String name) throws Exception {
    return start(name, Identity.generate(RANDOM), Clock.systemUTC());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(15, TimeUnit.SECONDS);
  }

  /** Every transaction in the blocks the ledger at {@code url} serves, as anyone can read them. */
  private List<Transaction> servedTransactions(String url) throws Exception {
    HttpResponse<Buffer> r = await(http.getAbs(url + "/v1/blocks?from=0&limit=1000").send());
    assertThat(r.statusCode()).isEqualTo(200);
    List<Transaction> out = new ArrayList<>();
    for (Object b : r.bodyAsJsonObject().getJsonArray("blocks")) {
      out.addAll(Block.decode(Base64Url.decode((String) b, "block")).transactions());
    }
    return out;
  }

  @Test
  void sameSenderAndNonce_onTwoLedgersOfOneId_giveDifferentPolicyIds() throws Exception {
    Ledger a = start("a");
    Ledger b = start("b");
    Identity alice = Identity.generate(RANDOM);
    assertThat(a.ref().ledgerId()).isEqualTo(b.ref().ledgerId());
    assertThat(a.ref()).isNotEqualTo(b.ref());

    await(a.client().submit(Transaction.sign(alice, a.ref(), 0, new Operation.CreateAllowList())));
    await(b.client().submit(Transaction.sign(alice, b.ref(), 0, new Operation.CreateAllowList())));
    PolicyId onA = LedgerState.policyIdFor(a.ref(), alice.address(), 0);
    PolicyId onB = LedgerState.policyIdFor(b.ref(), alice.address(), 0);

    assertThat(onA).isNotEqualTo(onB);
    assertThat(a.sequencer().state().policies()).containsOnlyKeys(onA);
    assertThat(b.sequencer().state().policies()).containsOnlyKeys(onB);
    assertThat(a.sequencer().state().policy(onB)).isNull();
  }

  @Test
  void addMember_copiedFromOneLedgersBlocksToAnother_isRefusedWrongLedger_namingBoth() throws Exception {
    Ledger a = start("a");
    Ledger b = start("b");
    Identity alice = Identity.generate(RANDOM);
    Identity mallory = Identity.generate(RANDOM);
    // alice owns a list on each ledger; on A (a test ledger, say) she lets mallory in
    await(b.client().submit(Transaction.sign(alice, b.ref(), 0, new Operation.CreateAllowList())));
    await(a.client().submit(Transaction.sign(alice, a.ref(), 0, new Operation.CreateAllowList())));
    PolicyId onA = LedgerState.policyIdFor(a.ref(), alice.address(), 0);
    await(a.client().submit(Transaction.sign(alice, a.ref(), 1,
        new Operation.AddMember(onA, mallory.address(), Window.ALWAYS))));

    // mallory copies that grant from A's public blocks and submits it, byte for byte, to B
    Transaction copied = servedTransactions(a.url()).stream()
        .filter(tx -> tx.operation() instanceof Operation.AddMember).findFirst().orElseThrow();
    long headBefore = b.sequencer().head().height();
    assertThatThrownBy(() -> await(b.client().submit(copied)))
        .isInstanceOfSatisfying(TransactionRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.WRONG_LEDGER);
          assertThat(e.getMessage()).contains(a.ref().toString()).contains(b.ref().toString());
        });

    assertThat(b.sequencer().state().nextNonce(alice.address())).as("the copy used up no nonce").isEqualTo(1);
    PolicyId onB = LedgerState.policyIdFor(b.ref(), alice.address(), 0);
    assertThat(((AllowList) b.sequencer().state().policy(onB)).members()).isEmpty();
    for (Block block : b.sequencer().blocksFrom(headBefore, 1000)) {
      assertThat(block.transactions()).doesNotContain(copied);
    }
  }

  @Test
  void sameSequencerKeyAndId_startedAgain_isAnotherLedger() throws Exception {
    Identity key = Identity.generate(RANDOM);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    Ledger first = start("first", key, Clock.fixed(t0, ZoneOffset.UTC));
    Ledger again = start("again", key, Clock.fixed(t0.plusMillis(1), ZoneOffset.UTC));
    assertThat(first.ref()).isNotEqualTo(again.ref());

    Identity alice = Identity.generate(RANDOM);
    Transaction create = Transaction.sign(alice, first.ref(), 0, new Operation.CreateAllowList());
    await(first.client().submit(create));
    assertThatThrownBy(() -> await(again.client().submit(create)))
        .isInstanceOfSatisfying(TransactionRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_LEDGER));
  }

  @Test
  void genesisDigest_isServedByTheHead_andTheSignedGenesisBlock() throws Exception {
    Ledger a = start("a");
    JsonObject head = await(a.client().head());
    assertThat(head.getString("genesisDigest")).isEqualTo(a.ref().genesisHex());
    assertThat(await(a.client().ledger(LEDGER, a.sequencer().sequencerKey()))).isEqualTo(a.ref());
    assertThat(a.ref().hasGenesis(a.sequencer().blocksFrom(0, 1).get(0).hash())).isTrue();

    // another sequencer's key, or another id, does not vouch for this genesis block
    assertThatThrownBy(() -> await(a.client().ledger(LEDGER, Identity.generate(RANDOM).verifyingKey())))
        .isInstanceOf(LedgerClient.LedgerUnavailableException.class).hasMessageContaining("genesis");
    assertThatThrownBy(() -> await(a.client().ledger("other-ledger", a.sequencer().sequencerKey())))
        .isInstanceOf(LedgerClient.LedgerUnavailableException.class).hasMessageContaining("other-ledger");
  }

  @Test
  void follower_pinnedToOneGenesis_refusesAnotherLedgerOfTheSameIdAndKey() throws Exception {
    Identity key = Identity.generate(RANDOM);
    Ledger first = start("first", key, Clock.systemUTC());
    Ledger impostor = start("impostor", key, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1)));
    Follower pinned = Follower.start(vertx, new Follower.Config(impostor.url(), LEDGER, key.verifyingKey(),
        Duration.ofSeconds(1), Clock.systemUTC(), first.ref().genesisDigest()));
    closeLast.add(pinned);
    Follower right = Follower.start(vertx, new Follower.Config(first.url(), LEDGER, key.verifyingKey(),
        Duration.ofSeconds(1), Clock.systemUTC(), first.ref().genesisDigest()));
    closeLast.add(right);

    right.awaitHeight(0).get(15, TimeUnit.SECONDS);
    assertThat(right.ledger()).isEqualTo(first.ref());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (pinned.status().lastError() == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(pinned.status().lastError()).contains("genesis").contains(first.ref().toString());
    assertThat(pinned.view().height()).isEqualTo(-1);
    assertThat(pinned.ledger()).isNull();
  }

  @Test
  void v1Transaction_isRefusedNamingItsVersion() throws Exception {
    Ledger a = start("a");
    Identity alice = Identity.generate(RANDOM);
    byte[] unsigned = CanonicalWriter.tagged("cachet/tx/v1").fixed(alice.verifyingKey().bytes()).u64(0).u8(1)
        .toByteArray();
    byte[] v1 = CanonicalWriter.tagged("cachet/tx/v1").fixed(alice.verifyingKey().bytes()).u64(0).u8(1)
        .fixed(alice.sign(unsigned)).toByteArray();
    assertThatThrownBy(() -> Transaction.decode(v1)).hasMessageContaining("cachet/tx/v1")
        .hasMessageContaining(Transaction.TAG);

    HttpResponse<Buffer> r = await(http.postAbs(a.url() + "/v1/transactions?wait=true")
        .sendJsonObject(new JsonObject().put("transaction", Base64Url.encode(v1))));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("cachet/tx/v1");
  }

  @Test
  void journalOfV1Blocks_refusesToOpen_namingTheVersion() throws Exception {
    Identity key = Identity.generate(RANDOM);
    Path ledgerDir = dir.resolve("old");
    java.nio.file.Files.createDirectories(ledgerDir);
    byte[] unsigned = CanonicalWriter.tagged("cachet/block/v1").string8(LEDGER).u64(0).fixed(Block.GENESIS_PARENT)
        .u64(1_700_000_000_000L).u16(0).toByteArray();
    byte[] v1Genesis = CanonicalWriter.tagged("cachet/block/v1").string8(LEDGER).u64(0).fixed(Block.GENESIS_PARENT)
        .u64(1_700_000_000_000L).u16(0).fixed(key.sign(unsigned)).toByteArray();
    try (Journal journal = Journal.open(ledgerDir.resolve("ledger.journal"), record -> {})) {
      journal.append(v1Genesis);
    }
    assertThatThrownBy(() -> Sequencer.open(Sequencer.Config.defaults(ledgerDir, LEDGER), key))
        .isInstanceOf(IOException.class).hasMessageContaining("cachet/block/v1").hasMessageContaining(Block.TAG);
  }
}
