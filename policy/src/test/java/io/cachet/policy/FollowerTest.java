package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A follower against a real ledger on loopback, and against a hostile ledger: a small HTTP server
 * in this test that speaks the ledger's block API but serves crafted blocks.
 */
class FollowerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";
  private static final Duration HEARTBEAT = Duration.ofMillis(150);

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private Sequencer sequencer;
  private final List<Follower> followers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    followers.forEach(Follower::close);
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private String startLedger(Duration heartbeat, int port) throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, heartbeat, Clock.systemUTC()), sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, HOST, port);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    return "http://" + HOST + ":" + server.port();
  }

  private Follower follow(String url) {
    return follow(url, sequencerKey);
  }

  private Follower follow(String url, Identity trusted) {
    Follower f = Follower.start(vertx, new Follower.Config(url, LEDGER, trusted.verifyingKey(), Duration.ofSeconds(1),
        Clock.systemUTC()));
    followers.add(f);
    return f;
  }

  /** {@code op} signed by {@code who} for the real ledger's sequencer. */
  private Transaction sign(Identity who, long nonce, Operation op) {
    return Transaction.sign(who, sequencer.ledger(), nonce, op);
  }

  private PolicyId policyIdFor(Address owner, long nonce) {
    return LedgerState.policyIdFor(sequencer.ledger(), owner, nonce);
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(15, TimeUnit.SECONDS);
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  // ---------------------------------------------------------------- against the real ledger

  @Test
  void follower_startedAfter200Transactions_catchesUpToSameDecisions() throws Exception {
    String url = startLedger(HEARTBEAT, 0);
    long now = System.currentTimeMillis();
    long hour = 3_600_000;
    List<Window> windows = List.of(Window.ALWAYS, new Window(0, now - hour), new Window(now + hour, now + 2 * hour),
        new Window(now - hour, now + hour));
    Random r = new Random(7);
    List<Identity> owners = new ArrayList<>();
    List<Address> people = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      owners.add(Identity.generate(RANDOM));
    }
    for (int i = 0; i < 12; i++) {
      people.add(Identity.generate(RANDOM).address());
    }
    List<CompletableFuture<Sequencer.Committed>> pending = new ArrayList<>();
    Set<PolicyId> ids = new HashSet<>();
    for (Identity owner : owners) {
      PolicyId list = policyIdFor(owner.address(), 0);
      ids.add(list);
      ids.add(policyIdFor(owner.address(), 1));
      ids.add(policyIdFor(owner.address(), 2));
      pending.add(sequencer.submit(sign(owner, 0, new Operation.CreateAllowList())));
      pending.add(sequencer.submit(sign(owner, 1, new Operation.CreateTimeLock(now - hour))));
      pending.add(sequencer.submit(sign(owner, 2, new Operation.CreateTimeLock(now + hour))));
      Map<Address, Window> members = new HashMap<>();
      for (long n = 3; n < 40; n++) {
        Address who = people.get(r.nextInt(people.size()));
        Window w = windows.get(r.nextInt(windows.size()));
        Operation op;
        if (!members.containsKey(who)) {
          op = new Operation.AddMember(list, who, w);
          members.put(who, w);
        } else if (r.nextBoolean()) {
          op = new Operation.RemoveMember(list, who);
          members.remove(who);
        } else {
          op = new Operation.ChangeWindow(list, who, w);
          members.put(who, w);
        }
        pending.add(sequencer.submit(sign(owner, n, op)));
      }
    }
    assertThat(pending).hasSize(200);
    for (CompletableFuture<Sequencer.Committed> f : pending) {
      get(f);
    }
    long target = sequencer.head().height();
    assertThat(sequencer.blocksFrom(0, Integer.MAX_VALUE).stream().mapToInt(b -> b.transactions().size()).sum())
        .isEqualTo(200);

    Follower follower = follow(url);
    get(follower.awaitHeight(target));
    assertThat(follower.status().halted()).isFalse();

    PolicyId unknown = PolicyId.random(RANDOM);
    ids.add(unknown);
    List<Address> everyone = new ArrayList<>(people);
    owners.forEach(o -> everyone.add(o.address()));
    Set<Reason> seen = EnumSet.noneOf(Reason.class);
    for (PolicyId id : ids) {
      for (Address who : everyone) {
        Decision d = follower.evaluate(id, who);
        assertThat(d.height()).isGreaterThanOrEqualTo(target);
        // the follower's view is a real block of the sequencer's chain
        assertThat(d.ledgerTime()).isEqualTo(sequencer.blocksFrom(d.height(), 1).get(0).timestamp());
        // policies are final after the 200 transactions, so the sequencer's state decides the same way
        assertThat(d).isEqualTo(PolicyEvaluator.evaluate(id, sequencer.state().policy(id), who, d.ledgerTime(),
            d.height()));
        seen.add(d.reason());
      }
    }
    assertThat(seen).contains(Reason.ALLOWED, Reason.EXPIRED, Reason.NOT_YET_VALID, Reason.NOT_A_MEMBER,
        Reason.LOCKED, Reason.UNKNOWN_POLICY);
  }

  @Test
  void revocation_visibleAtTheBlockThatCommitsIt() throws Exception {
    String ledgerUrl = startLedger(HEARTBEAT, 0);
    Follower follower = follow(ledgerUrl);
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    PolicyId id = policyIdFor(alice.address(), 0);
    get(sequencer.submit(sign(alice, 0, new Operation.CreateAllowList())));
    Sequencer.Committed granted = get(sequencer.submit(sign(alice, 1,
        new Operation.AddMember(id, bob.address(), Window.ALWAYS))));
    get(follower.awaitHeight(granted.height()));
    assertThat(follower.evaluate(id, bob.address()).allowed()).isTrue();

    Sequencer.Committed revoked = get(sequencer.submit(sign(alice, 2,
        new Operation.RemoveMember(id, bob.address()))));
    get(follower.awaitHeight(revoked.height()));
    Decision d = follower.evaluate(id, bob.address());
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Reason.NOT_A_MEMBER);
    assertThat(d.height()).isGreaterThanOrEqualTo(revoked.height());
    assertThat(follower.view().height()).isGreaterThanOrEqualTo(revoked.height());
  }

  @Test
  void timeWindow_endsAtTheFollowersClock_beforeAnyBlockSaysSo() throws Exception {
    String ledgerUrl = startLedger(HEARTBEAT, 0);
    OffsetClock clock = new OffsetClock();
    Follower follower = Follower.start(vertx, new Follower.Config(ledgerUrl, LEDGER, sequencerKey.verifyingKey(),
        Duration.ofSeconds(1), clock));
    followers.add(follower);
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    PolicyId id = policyIdFor(alice.address(), 0);
    get(sequencer.submit(sign(alice, 0, new Operation.CreateAllowList())));

    long end = Math.max(sequencer.head().timestamp(), System.currentTimeMillis()) + Duration.ofMinutes(10).toMillis();
    Sequencer.Committed granted = get(sequencer.submit(sign(alice, 1,
        new Operation.AddMember(id, bob.address(), new Window(0, end)))));
    get(follower.awaitHeight(granted.height()));
    Decision during = follower.evaluate(id, bob.address());
    assertThat(during.allowed()).isTrue();

    // the follower's clock passes the end; the sequencer's blocks are still stamped well before it
    clock.advance(Duration.ofMinutes(10).plusSeconds(1));
    Decision clockPast = follower.evaluate(id, bob.address());
    assertThat(clockPast.ledgerTime()).isLessThan(end);
    assertThat(clockPast.allowed()).isFalse();
    assertThat(clockPast.reason()).isEqualTo(Reason.EXPIRED);
    assertThat(clockPast.message()).contains("this server's clock");
  }

  @Test
  void follower_startedBeforeTheLedger_catchesUpOnceItListens() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      port = s.getLocalPort();
    }
    Follower follower = follow("http://" + HOST + ":" + port);
    eventually("a failed poll is reported", () -> follower.status().lastError() != null);
    assertThat(follower.view().height()).isEqualTo(-1);
    assertThat(follower.status().halted()).isFalse();

    startLedger(HEARTBEAT, port);
    Identity alice = Identity.generate(RANDOM);
    Sequencer.Committed created = get(sequencer.submit(sign(alice, 0, new Operation.CreateAllowList())));
    get(follower.awaitHeight(created.height()));
    Decision d = follower.evaluate(policyIdFor(alice.address(), 0), alice.address());
    assertThat(d.reason()).isEqualTo(Reason.NOT_A_MEMBER); // the policy exists on the follower now
    eventually("the error clears once polls succeed", () -> follower.status().lastError() == null);
    assertThat(follower.status().halted()).isFalse();
  }

  @Test
  void follower_trustingAnotherSequencerKey_refusesGenesisAndStaysEmpty() throws Exception {
    String ledgerUrl = startLedger(HEARTBEAT, 0);
    Follower follower = follow(ledgerUrl, Identity.generate(RANDOM));
    eventually("the refusal is reported", () -> follower.status().lastError() != null);
    assertThat(follower.status().lastError()).contains("not signed by the sequencer");
    assertThat(follower.view().height()).isEqualTo(-1);
    assertThat(follower.status().halted()).isFalse();
    assertThat(follower.evaluate(PolicyId.random(RANDOM), Identity.generate(RANDOM).address()).allowed()).isFalse();
  }

  // ---------------------------------------------------------------- against a hostile ledger

  /** What the hostile ledger answers when asked for the block after its honest chain. */
  private record Reply(int status, String body) {}

  /**
   * Speaks the ledger's {@code /v1/blocks} API. It serves its honest chain; asked for the block
   * after it, it answers {@code fault} if set, or else waits a little and answers "nothing new".
   */
  private final class HostileLedger {
    final List<Block> chain = new CopyOnWriteArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger faultsServed = new AtomicInteger();
    volatile Reply fault;
    HttpServer server;

    String start() throws Exception {
      server = vertx.createHttpServer().requestHandler(this::handle).listen(0, HOST).await(10, TimeUnit.SECONDS);
      return "http://" + HOST + ":" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
      requests.incrementAndGet();
      if (!"/v1/blocks".equals(req.path())) {
        req.response().setStatusCode(404).end();
        return;
      }
      long from = Long.parseLong(req.getParam("from"));
      List<Block> snapshot = List.copyOf(chain);
      if (from < snapshot.size()) {
        answer(req, 200, honest(LEDGER, snapshot, from));
        return;
      }
      Reply f = fault;
      if (f != null) {
        faultsServed.incrementAndGet();
        answer(req, f.status(), f.body());
        return;
      }
      vertx.setTimer(100, t -> answer(req, 200, honest(LEDGER, snapshot, from)));
    }

    private void answer(HttpServerRequest req, int status, String body) {
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }
  }

  private static String honest(String ledgerId, List<Block> chain, long from) {
    JsonArray blocks = new JsonArray();
    chain.subList((int) Math.min(from, chain.size()), chain.size())
        .forEach(b -> blocks.add(Base64Url.encode(b.encoded())));
    return new JsonObject().put("ledgerId", ledgerId).put("head", chain.size() - 1).put("blocks", blocks).encode();
  }

  private static String blocksReply(String ledgerId, long head, Object... blocks) {
    JsonArray out = new JsonArray();
    for (Object b : blocks) {
      out.add(b instanceof Block block ? Base64Url.encode(block.encoded()) : b);
    }
    return new JsonObject().put("ledgerId", ledgerId).put("head", head).put("blocks", out).encode();
  }

  /** The honest chain the hostile ledger starts with, signed with the trusted key, and what goes next. */
  private record Scenario(Identity key, List<Block> chain, Block next, Identity alice, PolicyId list) {}

  private static Scenario scenario(Identity key) {
    long t0 = System.currentTimeMillis();
    Identity alice = Identity.generate(RANDOM);
    Block genesis = Block.sign(key, LEDGER, 0, Block.GENESIS_PARENT, t0, List.of());
    LedgerRef ledger = LedgerRef.of(genesis);
    PolicyId list = LedgerState.policyIdFor(ledger, alice.address(), 0);
    Block b1 = Block.sign(key, LEDGER, 1, genesis.hash(), t0 + 10, List.of(
        Transaction.sign(alice, ledger, 0, new Operation.CreateAllowList())));
    Block b2 = Block.sign(key, LEDGER, 2, b1.hash(), t0 + 20, List.of(
        Transaction.sign(alice, ledger, 1, new Operation.AddMember(list, alice.address(), Window.ALWAYS))));
    Block b3 = Block.sign(key, LEDGER, 3, b2.hash(), t0 + 30, List.of());
    return new Scenario(key, List.of(genesis, b1, b2), b3, alice, list);
  }

  /** Each fault: given the trusted key and the honest scenario, what the hostile ledger serves after block 2. */
  static Stream<Arguments> refusedFaults() {
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("block signed by another key", "not signed by the sequencer",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, Block.sign(Identity.generate(RANDOM), LEDGER, 3,
            s.chain().get(2).hash(), s.next().timestamp(), List.of())))));
    cases.add(Arguments.of("wrong previous hash", "does not follow",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, resign(s, 3, randomHash(), s.next().timestamp(),
            LEDGER)))));
    cases.add(Arguments.of("skipped height", "does not follow",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 4, resign(s, 4, s.chain().get(2).hash(),
            s.next().timestamp(), LEDGER)))));
    cases.add(Arguments.of("an old block served again", "does not follow",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, s.chain().get(2)))));
    cases.add(Arguments.of("time going back", "timestamped before its parent",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, resign(s, 3, s.chain().get(2).hash(),
            s.chain().get(2).timestamp() - 1, LEDGER)))));
    cases.add(Arguments.of("foreign ledger id in the JSON", "other-ledger",
        (Function<Scenario, Reply>) s -> ok(blocksReply("other-ledger", 3, s.next()))));
    cases.add(Arguments.of("foreign ledger id in the block", "of ledger other-ledger",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, resign(s, 3, s.chain().get(2).hash(),
            s.next().timestamp(), "other-ledger")))));
    cases.add(Arguments.of("garbage base64", "malformed blocks",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, "!!not base64!!"))));
    cases.add(Arguments.of("base64 that is not a block", "malformed blocks",
        (Function<Scenario, Reply>) s -> ok(blocksReply(LEDGER, 3, Base64Url.encode(randomHash())))));
    cases.add(Arguments.of("a block cut short", "malformed blocks",
        (Function<Scenario, Reply>) s -> {
          byte[] enc = s.next().encoded();
          return ok(blocksReply(LEDGER, 3, Base64Url.encode(java.util.Arrays.copyOf(enc, enc.length - 1))));
        }));
    cases.add(Arguments.of("not JSON", "malformed",
        (Function<Scenario, Reply>) s -> ok("<html>hello</html>")));
    cases.add(Arguments.of("JSON of the wrong shape", "malformed",
        (Function<Scenario, Reply>) s -> ok("{\"ledgerId\":\"" + LEDGER + "\",\"blocks\":{\"0\":1}}")));
    cases.add(Arguments.of("blocks that are not strings", "malformed",
        (Function<Scenario, Reply>) s -> ok("{\"ledgerId\":\"" + LEDGER + "\",\"blocks\":[42]}")));
    cases.add(Arguments.of("an HTTP error", "HTTP 500",
        (Function<Scenario, Reply>) s -> new Reply(500, "{}")));
    return cases.stream();
  }

  private static Reply ok(String body) {
    return new Reply(200, body);
  }

  private static byte[] randomHash() {
    byte[] h = new byte[32];
    RANDOM.nextBytes(h);
    return h;
  }

  private static Block resign(Scenario s, long height, byte[] previous, long timestamp, String ledgerId) {
    return Block.sign(s.key(), ledgerId, height, previous, timestamp, List.of());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedFaults")
  void hostileLedger_badBlockOrReply_refused_headKept_retriesAndRecovers(String fault, String errorMentions,
      Function<Scenario, Reply> reply) throws Exception {
    Scenario s = scenario(sequencerKey);
    HostileLedger ledger = new HostileLedger();
    ledger.chain.addAll(s.chain());
    ledger.fault = reply.apply(s);
    Follower follower = follow(ledger.start());

    get(follower.awaitHeight(2));
    eventually("the fault is asked for again after a refusal", () -> ledger.faultsServed.get() >= 2);
    Follower.Status st = follower.status();
    assertThat(st.height()).isEqualTo(2);
    assertThat(st.halted()).isFalse();
    assertThat(st.lastError()).containsIgnoringCase(errorMentions);
    Decision d = follower.evaluate(s.list(), s.alice().address());
    assertThat(d.height()).isEqualTo(2);
    assertThat(d.allowed()).isTrue();

    // the ledger comes to its senses: the follower was only refusing, so it moves on
    ledger.chain.add(s.next());
    ledger.fault = null;
    get(follower.awaitHeight(3));
    assertThat(follower.view().height()).isEqualTo(3);
    eventually("the error clears", () -> follower.status().lastError() == null);
    assertThat(follower.status().halted()).isFalse();
  }

  @Test
  void hostileLedger_signedBlockWithInvalidTransaction_haltsFollower() throws Exception {
    Scenario s = scenario(sequencerKey);
    Identity stranger = Identity.generate(RANDOM);
    Block forged = Block.sign(sequencerKey, LEDGER, 3, s.chain().get(2).hash(), s.next().timestamp(), List.of(
        Transaction.sign(stranger, LedgerRef.of(s.chain().get(0)), 0, new Operation.AddMember(s.list(),
            stranger.address(), Window.ALWAYS))));
    HostileLedger ledger = new HostileLedger();
    ledger.chain.addAll(s.chain());
    ledger.fault = ok(blocksReply(LEDGER, 3, forged));
    Follower follower = follow(ledger.start());

    eventually("the follower halts", () -> follower.status().halted());
    Follower.Status st = follower.status();
    assertThat(st.height()).isEqualTo(2);
    assertThat(st.lastError()).contains("NOT_AUTHORIZED");
    Decision d = follower.evaluate(s.list(), stranger.address());
    assertThat(d.allowed()).isFalse();
    assertThat(d.height()).isEqualTo(2);
    assertThat(follower.evaluate(s.list(), s.alice().address()).reason())
        .as("a halted follower decides nothing from its possibly half-applied state")
        .isEqualTo(Reason.LEDGER_UNAVAILABLE);

    // halted for good: even an honest next block is never fetched
    int requests = ledger.requests.get();
    ledger.chain.add(s.next());
    ledger.fault = null;
    Thread.sleep(1_000); // several backoff periods; the follower must not poll again
    assertThat(ledger.requests.get()).isEqualTo(requests);
    assertThat(follower.view().height()).isEqualTo(2);
    assertThat(follower.status().halted()).isTrue();
  }
}
