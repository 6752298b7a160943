package io.cachet.policy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.ApiError;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Block;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's HTTP API on a real server on loopback: every failure in the one error shape, and
 * the happy paths clients and followers rely on. The sequencer's heartbeat is far longer than any
 * test, so blocks appear only when a test submits.
 */
class LedgerServerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private Sequencer sequencer;
  private WebClient http;
  private int port;

  @BeforeEach
  void start() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofMinutes(10), Clock.systemUTC()),
        sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    port = server.port();
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    sequencer.close();
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within 10 s", e);
    }
  }

  private HttpResponse<Buffer> get(String path) {
    return await(http.get(port, HOST, path).send());
  }

  private HttpResponse<Buffer> post(String path, String body) {
    return await(http.post(port, HOST, path).putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer(body)));
  }

  private HttpResponse<Buffer> submit(Transaction tx) {
    return post("/v1/transactions?wait=true",
        new JsonObject().put("transaction", Base64Url.encode(tx.encoded())).encode());
  }

  /** The one error shape: {"error":{"code","status","message","details":[{"reason",...}]}} and nothing else. */
  private static JsonObject assertError(HttpResponse<Buffer> r, int code, String reason) {
    assertThat(r.statusCode()).as("status of %s", r.bodyAsString()).isEqualTo(code);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactly("error");
    JsonObject error = body.getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(code);
    assertThat(error.getString("status")).isNotBlank().isEqualTo(ApiError.statusName(code));
    assertThat(error.getString("message")).isNotBlank();
    JsonArray details = error.getJsonArray("details");
    assertThat(details).isNotEmpty();
    JsonObject info = details.getJsonObject(0);
    assertThat(info.getString("@type")).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(info.getString("domain")).isEqualTo("cachet.io");
    if (reason != null) {
      assertThat(info.getString("reason")).isEqualTo(reason);
    } else {
      assertThat(info.getString("reason")).isNotBlank();
    }
    return error;
  }

  /** {@code op} signed by {@code who} for this test's ledger. */
  private Transaction sign(Identity who, long nonce, Operation op) {
    return Transaction.sign(who, sequencer.ledger(), nonce, op);
  }

  private PolicyId policyIdFor(Address owner, long nonce) {
    return LedgerState.policyIdFor(sequencer.ledger(), owner, nonce);
  }

  private PolicyId createList(Identity owner, long nonce) {
    assertThat(submit(sign(owner, nonce, new Operation.CreateAllowList())).statusCode()).isEqualTo(200);
    return policyIdFor(owner.address(), nonce);
  }

  // ---------------------------------------------------------------- errors: submissions

  @Test
  void submit_malformedJson_400Malformed() {
    for (String body : List.of("{not json", "{\"transaction\":", "[1,2]", "\"text\"", "42", "null", "",
        "{\"transaction\":\"a\"} trailing")) {
      assertError(post("/v1/transactions", body), 400, "MALFORMED");
    }
    // not UTF-8 at all
    HttpResponse<Buffer> r = await(http.post(port, HOST, "/v1/transactions")
        .sendBuffer(Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1})));
    assertError(r, 400, "MALFORMED");
  }

  @Test
  void submit_jsonWithoutTransaction_400Malformed() {
    String valid = Base64Url.encode(sign(Identity.generate(RANDOM), 0, new Operation.CreateAllowList())
        .encoded());
    for (String body : List.of("{}", "{\"tx\":\"" + valid + "\"}", "{\"transaction\":null}",
        "{\"transaction\":42}", "{\"transaction\":[\"" + valid + "\"]}",
        "{\"transaction\":\"" + valid + "\",\"extra\":1}")) {
      assertError(post("/v1/transactions", body), 400, "MALFORMED");
    }
    assertThat(sequencer.head().height()).isZero();
  }

  @Test
  void submit_base64ThatIsNotATransaction_400Malformed() {
    byte[] valid = sign(Identity.generate(RANDOM), 0, new Operation.CreateAllowList()).encoded();
    byte[] trailing = Arrays.copyOf(valid, valid.length + 1);
    byte[] cut = Arrays.copyOf(valid, valid.length - 1);
    byte[] unknownOp = valid.clone();
    unknownOp[unknownOp.length - 65] = 99; // the operation code of a CreateAllowList sits before the signature
    byte[] block = Block.sign(sequencerKey, LEDGER, 1, new byte[32], 1, List.of()).encoded();
    List<String> bodies = new ArrayList<>();
    for (byte[] b : List.of(new byte[0], new byte[] {1, 2, 3}, trailing, cut, unknownOp, block)) {
      bodies.add(Base64Url.encode(b));
    }
    bodies.add("!!!not base64!!!");
    bodies.add(Base64Url.encode(valid) + "="); // padded
    bodies.add("+/" + Base64Url.encode(valid)); // standard alphabet, not URL-safe
    for (String text : bodies) {
      assertError(post("/v1/transactions", new JsonObject().put("transaction", text).encode()), 400, "MALFORMED");
    }
    assertThat(sequencer.head().height()).isZero();
  }

  @Test
  void submit_bodyOver64KiB_413() {
    String big = new JsonObject().put("transaction", "A".repeat(LedgerServer.MAX_BODY_BYTES + 10)).encode();
    assertError(post("/v1/transactions", big), 413, null);
  }

  @Test
  void submit_replayedTransaction_409BadNonce() {
    Identity alice = Identity.generate(RANDOM);
    Transaction create = sign(alice, 0, new Operation.CreateAllowList());
    assertThat(submit(create).statusCode()).isEqualTo(200);
    JsonObject error = assertError(submit(create), 409, "BAD_NONCE");
    assertThat(error.getString("status")).isEqualTo("FAILED_PRECONDITION");
    assertThat(error.getString("message")).contains("already used");
    assertThat(sequencer.blocksFrom(0, 1000).stream().mapToLong(b -> b.transactions().size()).sum()).isEqualTo(1);
    assertThat(sequencer.state().nextNonce(alice.address())).isEqualTo(1);
  }

  @Test
  void submit_unauthorizedChange_409NotAuthorized() {
    Identity alice = Identity.generate(RANDOM);
    Identity mallory = Identity.generate(RANDOM);
    PolicyId id = createList(alice, 0);
    assertError(submit(sign(mallory, 0, new Operation.AddMember(id, mallory.address(), Window.ALWAYS))),
        409, "NOT_AUTHORIZED");
    assertThat(((AllowList) sequencer.state().policy(id)).members()).isEmpty();
  }

  @Test
  void submit_badSignature_409BadSignature() {
    Identity alice = Identity.generate(RANDOM);
    byte[] forged = sign(alice, 0, new Operation.CreateAllowList()).encoded();
    forged[forged.length - 1] ^= 1;
    assertError(post("/v1/transactions", new JsonObject().put("transaction", Base64Url.encode(forged)).encode()),
        409, "BAD_SIGNATURE");
  }

  // ---------------------------------------------------------------- errors: routes and reads

  @Test
  void unknownRoute_404InErrorShape() {
    assertError(get("/v1/nope"), 404, "NOT_FOUND");
    assertError(get("/"), 404, "NOT_FOUND");
    assertError(get("/v1/policies"), 404, "NOT_FOUND");
    assertError(get("/v1/accounts/" + Identity.generate(RANDOM).address() + "/balance"), 404, "NOT_FOUND");
  }

  @Test
  void wrongMethod_405Or404InErrorShape() {
    for (HttpResponse<Buffer> r : List.of(
        get("/v1/transactions"),
        post("/v1/head", "{}"),
        post("/v1/blocks", "{}"),
        await(http.request(HttpMethod.DELETE, port, HOST, "/v1/policies/" + PolicyId.random(RANDOM)).send()),
        await(http.request(HttpMethod.PUT, port, HOST, "/v1/transactions").sendBuffer(Buffer.buffer("{}"))))) {
      assertThat(r.statusCode()).isIn(404, 405);
      assertError(r, r.statusCode(), null);
    }
  }

  @Test
  void policy_unknownId_404UnknownPolicy() {
    assertError(get("/v1/policies/" + PolicyId.random(RANDOM)), 404, "UNKNOWN_POLICY");
  }

  @Test
  void policy_malformedId_400() {
    for (String bad : List.of("xyz", "0x1234", "0x" + "g".repeat(64), "0x" + "a".repeat(66),
        "a".repeat(64), "%00")) {
      assertError(get("/v1/policies/" + bad), 400, "MALFORMED");
    }
  }

  @Test
  void nonce_malformedAddress_400() {
    assertError(get("/v1/accounts/not-an-address/nonce"), 400, "MALFORMED");
  }

  @Test
  void certificate_unknownBlob_404() {
    assertError(get("/v1/certificates/" + Base64Url.encode(new byte[32])), 404, "UNKNOWN_BLOB");
  }

  @Test
  void blocks_badQueryParameters_400() {
    for (String q : List.of("from=abc", "limit=x", "waitMs=1.5", "from=1e3", "from=99999999999999999999")) {
      assertError(get("/v1/blocks?" + q), 400, "MALFORMED");
    }
    for (String q : List.of("from=-1", "limit=0", "limit=-5", "limit=" + (LedgerServer.MAX_BLOCKS_PER_READ + 1),
        "waitMs=-1", "waitMs=" + (LedgerServer.MAX_WAIT_MS + 1))) {
      assertError(get("/v1/blocks?" + q), 400, "OUT_OF_RANGE");
    }
  }

  // ---------------------------------------------------------------- happy paths

  @Test
  void head_reportsTheSequencersHead() {
    createList(Identity.generate(RANDOM), 0);
    HttpResponse<Buffer> r = get("/v1/head");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject head = r.bodyAsJsonObject();
    Block expected = sequencer.head();
    assertThat(head.getString("ledgerId")).isEqualTo(LEDGER);
    assertThat(head.getLong("height")).isEqualTo(expected.height()).isEqualTo(1);
    assertThat(head.getString("hash")).isEqualTo(Hex.to0x(expected.hash()));
    assertThat(head.getLong("timestamp")).isEqualTo(expected.timestamp());
    assertThat(head.getString("sequencerKey")).isEqualTo(sequencerKey.verifyingKey().toString());
  }

  @Test
  void submit_committed_answersHeightAndLedgerTime_andNonceIncrements() {
    Identity alice = Identity.generate(RANDOM);
    String noncePath = "/v1/accounts/" + alice.address() + "/nonce";
    JsonObject before = get(noncePath).bodyAsJsonObject();
    assertThat(before.getString("address")).isEqualTo(alice.address().toString());
    assertThat(before.getLong("nextNonce")).isZero();

    Transaction tx = sign(alice, 0, new Operation.CreateAllowList());
    HttpResponse<Buffer> r = submit(tx);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("committed");
    assertThat(body.getString("digest")).isEqualTo(Hex.to0x(tx.digest()));
    Block block = sequencer.blocksFrom(body.getLong("height"), 1).get(0);
    assertThat(block.transactions()).contains(tx);
    assertThat(body.getLong("ledgerTime")).isEqualTo(block.timestamp());

    assertThat(get(noncePath).bodyAsJsonObject().getLong("nextNonce")).isEqualTo(1);
    assertThat(submit(sign(alice, 1, new Operation.CreateTimeLock(5))).statusCode()).isEqualTo(200);
    assertThat(get(noncePath).bodyAsJsonObject().getLong("nextNonce")).isEqualTo(2);
  }

  @Test
  void submit_waitFalse_202Accepted_thenCommits() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Transaction tx = sign(alice, 0, new Operation.CreateAllowList());
    HttpResponse<Buffer> r = post("/v1/transactions?wait=false",
        new JsonObject().put("transaction", Base64Url.encode(tx.encoded())).encode());
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("accepted");
    assertThat(r.bodyAsJsonObject().getString("digest")).isEqualTo(Hex.to0x(tx.digest()));
    sequencer.awaitHeight(1).get(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sequencer.state().nextNonce(alice.address()) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(get("/v1/accounts/" + alice.address() + "/nonce").bodyAsJsonObject().getLong("nextNonce"))
        .isEqualTo(1);
  }

  @Test
  void policy_jsonRoundTripsThroughPolicyJson() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    Identity carol = Identity.generate(RANDOM);
    PolicyId id = createList(alice, 0);
    assertThat(submit(sign(alice, 1, new Operation.AddMember(id, bob.address(), Window.ALWAYS)))
        .statusCode()).isEqualTo(200);
    assertThat(submit(sign(alice, 2, new Operation.AddMember(id, carol.address(),
        new Window(1_000, 2_000)))).statusCode()).isEqualTo(200);
    assertThat(submit(sign(alice, 3, new Operation.AddAdmin(id, carol.address()))).statusCode())
        .isEqualTo(200);
    PolicyId lock = policyIdFor(alice.address(), 4);
    assertThat(submit(sign(alice, 4, new Operation.CreateTimeLock(1_234_567))).statusCode())
        .isEqualTo(200);

    for (PolicyId p : List.of(id, lock)) {
      HttpResponse<Buffer> r = get("/v1/policies/" + p);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject json = r.bodyAsJsonObject();
      Policy read = PolicyJson.fromJson(json);
      assertThat(read).isEqualTo(sequencer.state().policy(p));
      assertThat(json.getLong("height")).isEqualTo(sequencer.head().height());
    }
    AllowList list = (AllowList) PolicyJson.fromJson(get("/v1/policies/" + id).bodyAsJsonObject());
    assertThat(list.version()).isEqualTo(4);
    assertThat(list.members()).containsEntry(bob.address(), Window.ALWAYS)
        .containsEntry(carol.address(), new Window(1_000, 2_000));
    assertThat(list.admins()).containsExactly(carol.address());
  }

  @Test
  void managedPolicies_ownerAndAdmin_listedAsSummaries_andTransferredAwayNot() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    Identity carol = Identity.generate(RANDOM);
    PolicyId list = createList(alice, 0);
    assertThat(submit(sign(alice, 1, new Operation.AddMember(list, bob.address(), Window.ALWAYS))).statusCode())
        .isEqualTo(200);
    assertThat(submit(sign(alice, 2, new Operation.AddAdmin(list, carol.address()))).statusCode()).isEqualTo(200);
    PolicyId lock = policyIdFor(alice.address(), 3);
    assertThat(submit(sign(alice, 3, new Operation.CreateTimeLock(1_234_567))).statusCode()).isEqualTo(200);
    PolicyId given = createList(alice, 4);
    assertThat(submit(sign(alice, 5, new Operation.TransferOwnership(given, bob.address()))).statusCode())
        .isEqualTo(200);

    JsonObject mine = get("/v1/accounts/" + alice.address() + "/policies").bodyAsJsonObject();
    assertThat(mine.getBoolean("truncated")).isFalse();
    assertThat(mine.getLong("height")).isEqualTo(sequencer.head().height());
    List<PolicySummary> alices = new ArrayList<>();
    for (Object o : mine.getJsonArray("policies")) {
      alices.add(PolicyJson.summaryFromJson((JsonObject) o));
    }
    assertThat(alices).extracting(PolicySummary::id).containsExactlyInAnyOrder(list, lock);
    assertThat(alices).filteredOn(p -> p.id().equals(list)).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo("allow-list");
      assertThat(p.members()).isEqualTo(1);
      assertThat(p.admins()).containsExactly(carol.address());
    });
    assertThat(alices).filteredOn(p -> p.id().equals(lock)).singleElement()
        .satisfies(p -> assertThat(p.unlockAt()).isEqualTo(1_234_567));
    assertThat(get("/v1/accounts/" + carol.address() + "/policies").bodyAsJsonObject().getJsonArray("policies"))
        .hasSize(1);
    assertThat(get("/v1/accounts/" + bob.address() + "/policies").bodyAsJsonObject().getJsonArray("policies")
        .getJsonObject(0).getString("id")).isEqualTo(given.toString());
    JsonObject cut = get("/v1/accounts/" + alice.address() + "/policies?limit=1").bodyAsJsonObject();
    assertThat(cut.getJsonArray("policies")).hasSize(1);
    assertThat(cut.getBoolean("truncated")).isTrue();
  }

  @Test
  void managedPolicies_adminRemovedThenLedgerRestarted_answerFromTheRebuiltIndex() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Identity carol = Identity.generate(RANDOM);
    PolicyId first = createList(alice, 0);
    PolicyId second = createList(alice, 1);
    assertThat(submit(sign(alice, 2, new Operation.AddAdmin(first, carol.address()))).statusCode()).isEqualTo(200);
    assertThat(submit(sign(alice, 3, new Operation.AddAdmin(second, carol.address()))).statusCode()).isEqualTo(200);
    assertThat(submit(sign(alice, 4, new Operation.RemoveAdmin(first, carol.address()))).statusCode())
        .isEqualTo(200);
    assertThat(ids(get("/v1/accounts/" + carol.address() + "/policies").bodyAsJsonObject()))
        .containsExactly(second.toString());

    // the index is derived state: a restarted ledger makes it again from its journal
    vertx.undeploy(vertx.deploymentIDs().iterator().next()).await(10, TimeUnit.SECONDS);
    sequencer.close();
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofMinutes(10), Clock.systemUTC()),
        sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    port = server.port();
    JsonObject carols = get("/v1/accounts/" + carol.address() + "/policies").bodyAsJsonObject();
    assertThat(ids(carols)).containsExactly(second.toString());
    assertThat(carols.getLong("height")).isEqualTo(sequencer.head().height());
    List<String> sorted = new ArrayList<>(List.of(first.toString(), second.toString()));
    sorted.sort(null);
    assertThat(ids(get("/v1/accounts/" + alice.address() + "/policies").bodyAsJsonObject()))
        .containsExactlyElementsOf(sorted);
  }

  private static List<String> ids(JsonObject answer) {
    List<String> out = new ArrayList<>();
    answer.getJsonArray("policies").forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  @Test
  void managedPolicies_malformedAddressOrLimit_400InErrorShape() {
    assertError(get("/v1/accounts/0x12zz/policies"), 400, "MALFORMED");
    Address someone = Identity.generate(RANDOM).address();
    assertError(get("/v1/accounts/" + someone + "/policies?limit=x"), 400, "MALFORMED");
    assertError(get("/v1/accounts/" + someone + "/policies?limit=0"), 400, "OUT_OF_RANGE");
    assertError(get("/v1/accounts/" + someone + "/policies?limit=" + (LedgerServer.MAX_MANAGED_PER_READ + 1)), 400,
        "OUT_OF_RANGE");
  }

  @Test
  void blocks_readsSignedChainFromAnyHeight() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    createList(alice, 0);
    createList(alice, 1);
    JsonObject all = get("/v1/blocks?from=0&limit=1000").bodyAsJsonObject();
    assertThat(all.getString("ledgerId")).isEqualTo(LEDGER);
    assertThat(all.getLong("head")).isEqualTo(2);
    List<Block> blocks = new ArrayList<>();
    for (Object b : all.getJsonArray("blocks")) {
      Block block = Block.decode(Base64Url.decode((String) b, "block"));
      block.verifySignature(sequencerKey.verifyingKey());
      blocks.add(block);
    }
    assertThat(blocks).isEqualTo(sequencer.blocksFrom(0, 1000));
    assertThat(blocks.get(2).follows(blocks.get(1))).isTrue();

    JsonArray one = get("/v1/blocks?from=1&limit=1").bodyAsJsonObject().getJsonArray("blocks");
    assertThat(one).hasSize(1);
    assertThat(Block.decode(Base64Url.decode(one.getString(0), "block")).height()).isEqualTo(1);
    // beyond the head without waiting: empty, at once
    assertThat(get("/v1/blocks?from=50").bodyAsJsonObject().getJsonArray("blocks")).isEmpty();
  }

  @Test
  void blocks_longPoll_answersWhenANewBlockArrives() throws Exception {
    long next = sequencer.head().height() + 1;
    Future<HttpResponse<Buffer>> pending = http.get(port, HOST, "/v1/blocks?from=" + next + "&waitMs=20000").send();
    Thread.sleep(300); // let the request reach the server; not a timing assertion
    assertThat(pending.isComplete()).as("the long poll waits for a block").isFalse();

    Identity alice = Identity.generate(RANDOM);
    Transaction tx = sign(alice, 0, new Operation.CreateAllowList());
    sequencer.submit(tx).get(10, TimeUnit.SECONDS);

    HttpResponse<Buffer> r = await(pending);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonArray blocks = r.bodyAsJsonObject().getJsonArray("blocks");
    assertThat(blocks).hasSize(1);
    Block b = Block.decode(Base64Url.decode(blocks.getString(0), "block"));
    assertThat(b.height()).isEqualTo(next);
    assertThat(b.transactions()).containsExactly(tx);
  }

  @Test
  void blocks_longPoll_nothingArrives_emptyListAfterWaitMs() {
    long head = sequencer.head().height();
    long started = System.nanoTime();
    HttpResponse<Buffer> r = get("/v1/blocks?from=" + (head + 1) + "&waitMs=300");
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getJsonArray("blocks")).isEmpty();
    assertThat(body.getLong("head")).isEqualTo(head);
    assertThat(elapsedMs).as("it waited rather than answering at once").isGreaterThanOrEqualTo(250);
  }

  @Test
  void health_and_metrics() {
    createList(Identity.generate(RANDOM), 0);
    HttpResponse<Buffer> h = get("/health");
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(h.bodyAsJsonObject().getString("status")).isEqualTo("ok");
    assertThat(h.bodyAsJsonObject().getLong("height")).isEqualTo(sequencer.head().height());

    HttpResponse<Buffer> m = get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.getHeader("content-type")).startsWith("text/plain");
    assertThat(m.bodyAsString()).contains("cachet_ledger_height").contains("cachet_ledger_transactions");
    assertThat(m.bodyAsString()).containsPattern("(?m)^cachet_ledger_height(\\{[^}]*\\})? 1\\.0$");
  }
}
