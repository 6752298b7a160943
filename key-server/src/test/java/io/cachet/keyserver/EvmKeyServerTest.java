package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.ShareUnsealException;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.EvmPolicyLedger;
import io.cachet.policy.evm.EvmTestChain;
import io.cachet.policy.evm.RpcProxy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A real key server with {@code chain = evm} in front of a real anvil: it decides envelopes that
 * name a policy contract on its chain, refuses other chains, fails closed (503 LEDGER_STALE) once
 * the chain has been gone past the staleness bound, and recovers when the chain is back on the
 * same port with the same state.
 * Its time goes to anvil's blocks and the staleness bound, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EvmKeyServerTest")
class EvmKeyServerTest {
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock();
  private Vertx vertx;
  private WebClient http;
  private EvmTestChain chain;
  private KeyServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    chain = EvmTestChain.start(Anvil.Options.defaults().withState(dir.resolve("anvil-state.json")));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.closeAndWait();
    }
    if (chain != null) {
      chain.close();
    }
    http.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private KeyServer startServer(long chainId) throws Exception {
    return startServer(chainId, 0);
  }

  private KeyServer startServer(long chainId, long confirmations) throws Exception {
    return startServer(chain.rpcUrl(), chainId, confirmations);
  }

  private KeyServer startServer(URI rpcUrl, long chainId, long confirmations) throws Exception {
    KeyServerConfig config = KeyServerConfig.defaultsEvm("ks-1", dir.resolve("ks-1"),
        new KeyServerEvmConfig(rpcUrl, null, chainId, confirmations, Duration.ofMillis(100)))
        .with(Map.of("ledger-wait", "5s", "port", "0", "rate-limit-ip", "0", "rate-limit-requester", "0", "replay-cache-size", "10000",
            "worker-threads", "2", "kdf-memory", "64", "kdf-iterations", "1"));
    return KeyServer.start(vertx, config, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
  }

  private static EnvelopeHeader seal(String ledgerId, PolicyId policy, KeyServerKey key) throws Exception {
    byte[] plain = "a private file".getBytes();
    return Envelope.seal(new SealParameters(ledgerId, policy, 1, List.of(key)), new ByteArrayInputStream(plain),
        plain.length, new ByteArrayOutputStream(), Requester.RANDOM);
  }

  private EnvelopeHeader sealFor(KeyServer s, String ledgerId, PolicyId policy) throws Exception {
    return seal(ledgerId, policy, new KeyServerKey(s.serverId(), s.descriptor().hpkePublicKey()));
  }

  private HttpResponse<Buffer> fetch(KeyServer s, Requester who, List<FetchKeyItem> items) throws Exception {
    return http.post(s.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(
        who.request(s.serverId(), items).toJson())).await(30, TimeUnit.SECONDS);
  }

  private JsonObject health(KeyServer s) throws Exception {
    return http.get(s.port(), "127.0.0.1", "/health").send().await(30, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  private static ItemResult item(HttpResponse<Buffer> r) throws Exception {
    assertThat(r.statusCode()).as("HTTP status of %s", r.bodyAsString()).isEqualTo(200);
    return io.cachet.crypto.protocol.FetchKeyResponse.fromJson(r.body().getBytes()).items().get(0);
  }

  @Test
  void evmKeyServer_decidesOnTheEnvelopesContract_andRefusesAnotherChain() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    server = startServer(chain.chainId());
    server.awaitLedgerHeight(chain.head()).await(30, TimeUnit.SECONDS);
    JsonObject ledger = health(server).getJsonObject("ledger");
    assertThat(ledger.getString("chain")).isEqualTo("evm");
    assertThat(ledger.getString("ledgerId")).isEqualTo("eip155:" + chain.chainId());
    assertThat(ledger.getLong("chainId")).isEqualTo(chain.chainId());

    Requester embedded = new Requester(clock, List.of("ks-1"));
    PolicyId policy = PolicyId.random(Requester.RANDOM);
    EnvelopeHeader onChain = sealFor(server, new EvmLedgerId(chain.chainId(), settable).toString(), policy);
    ItemResult decided = item(fetch(server, embedded, List.of(FetchKeyItem.of(onChain, 1))));
    // the chain was asked: an embedded-ledger identity is no member of an EVM policy
    assertThat(decided.reason()).isEqualTo("NOT_A_MEMBER");
    assertThat(decided.message()).contains("EVM policies name EVM addresses");

    EnvelopeHeader otherChain = sealFor(server, new EvmLedgerId(chain.chainId() + 1, settable).toString(), policy);
    ItemResult refused = item(fetch(server, embedded, List.of(FetchKeyItem.of(otherChain, 1))));
    assertThat(refused.reason()).isEqualTo("WRONG_LEDGER");
    assertThat(refused.message()).contains("eip155:" + (chain.chainId() + 1));

    EnvelopeHeader embeddedLedger = sealFor(server, "cachet-devnet", policy);
    assertThat(item(fetch(server, embedded, List.of(FetchKeyItem.of(embeddedLedger, 1)))).reason())
        .isEqualTo("WRONG_LEDGER");

    String metrics = http.get(server.port(), "127.0.0.1", "/metrics").send().await(30, TimeUnit.SECONDS)
        .bodyAsString();
    assertThat(metrics).contains("cachet_keyserver_ledger_height " + (double) server.ledgerHeight())
        .contains("cachet_keyserver_ledger_stale 0.0");
  }

  /** A request signing the block its grant was mined in waits until that block is confirmed, not longer. */
  @Test
  void requestNamingTheGrantsBlock_waitsForItsConfirmation() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    server = startServer(chain.chainId(), 2);
    Requester reader = new Requester(clock, List.of("ks-1"));
    PolicyId policy = PolicyId.random(Requester.RANDOM);
    long grant = chain.set(settable, policy, Address.ofEvm(new byte[20]), 0, EvmPolicyLedger.NEVER);
    server.awaitLedgerHeight(grant - 2).await(30, TimeUnit.SECONDS);
    EnvelopeHeader header = sealFor(server, new EvmLedgerId(chain.chainId(), settable).toString(), policy);

    HttpResponse<Buffer> behind = sendAtHeight(reader, header, grant).await(30, TimeUnit.SECONDS);
    assertThat(behind.statusCode()).as(behind.bodyAsString()).isEqualTo(503);
    assertThat(behind.bodyAsString()).contains("LEDGER_BEHIND");

    io.vertx.core.Future<HttpResponse<Buffer>> waiting = sendAtHeight(reader, header, grant);
    chain.mine(2);
    HttpResponse<Buffer> decided = waiting.await(30, TimeUnit.SECONDS);
    assertThat(decided.statusCode()).as(decided.bodyAsString()).isEqualTo(200);
    assertThat(server.ledgerHeight()).isGreaterThanOrEqualTo(grant);
  }

  private io.vertx.core.Future<HttpResponse<Buffer>> sendAtHeight(Requester who, EnvelopeHeader header, long height) {
    io.cachet.crypto.protocol.FetchKeyRequest r = io.cachet.crypto.protocol.FetchKeyRequest.create(who.session,
        who.certificate, "ks-1", who.responseKey.publicKey(), List.of(FetchKeyItem.of(header, 1)), height,
        clock.instant(), Requester.RANDOM);
    return http.post(server.port(), "127.0.0.1", "/v1/fetch_key").sendBuffer(Buffer.buffer(r.toJson()));
  }

  @Test
  void evmKeyServer_refusesToStart_whenTheRpcServesAnotherChain() {
    assertThatThrownBy(() -> startServer(chain.chainId() + 5)).hasMessageContaining("chain id")
        .hasMessageContaining(Long.toString(chain.chainId() + 5));
  }

  @Test
  void chainGone_pastTheStalenessBound_is503LedgerStale_andRecoversWhenTheChainIsBack() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    server = startServer(chain.chainId());
    server.awaitLedgerHeight(chain.head()).await(30, TimeUnit.SECONDS);
    Requester reader = new Requester(clock, List.of("ks-1"));
    EnvelopeHeader header = sealFor(server, new EvmLedgerId(chain.chainId(), settable).toString(),
        PolicyId.random(Requester.RANDOM));
    assertThat(item(fetch(server, reader, List.of(FetchKeyItem.of(header, 1)))).reason()).isEqualTo("NOT_A_MEMBER");

    int port = chain.rpcUrl().getPort();
    chain.close();
    chain = null;
    clock.advance(KeyServerConfig.DEFAULT_STALENESS_BOUND.plusSeconds(1));
    HttpResponse<Buffer> stale = fetch(server, new Requester(clock, List.of("ks-1")),
        List.of(FetchKeyItem.of(header, 1)));
    assertThat(stale.statusCode()).isEqualTo(503);
    assertThat(stale.bodyAsString()).contains("LEDGER_STALE");
    assertThat(health(server).getString("status")).isEqualTo("stale");

    chain = EvmTestChain.start(Anvil.Options.defaults().withPort(port).withState(dir.resolve("anvil-state.json")));
    // the chain is back with its state: the next block is stamped at this server's (moved) clock
    chain.setNextBlockTimestamp(clock.millis() / 1000);
    long head = chain.mine(1);
    server.awaitLedgerHeight(head).await(30, TimeUnit.SECONDS);
    assertThat(health(server).getString("status")).isEqualTo("serving");
    ItemResult again = item(fetch(server, new Requester(clock, List.of("ks-1")), List.of(FetchKeyItem.of(header, 1))));
    assertThat(again.reason()).as("the policy contract survived the restart: %s", again.message())
        .isEqualTo("NOT_A_MEMBER");
  }

  /** The envelope binds chain and contract: a share sealed under contract X does not open as contract Y. */
  @Test
  void shareSealedUnderOneContract_doesNotOpenUnderAnother() throws Exception {
    HpkeKeyPair key = HpkeKeyPair.generate();
    Address x = chain.deploy("SettablePolicy");
    Address y = chain.deploy("SettablePolicy");
    PolicyId policy = PolicyId.random(Requester.RANDOM);
    EnvelopeHeader header = seal(new EvmLedgerId(chain.chainId(), x).toString(), policy,
        new KeyServerKey("ks-1", key.publicKey()));
    ShareContext real = header.shareContext(1);
    byte[] sealed = header.slot(1).sealedShare();
    Envelope.unsealShare(real, sealed, key).destroy();
    for (String other : List.of(new EvmLedgerId(chain.chainId(), y).toString(),
        new EvmLedgerId(chain.chainId() + 1, x).toString())) {
      ShareContext swapped = new ShareContext(real.formatVersion(), other, real.policyId(), real.objectId(),
          real.threshold(), real.shareCount(), real.keyServerId(), real.index());
      assertThatThrownBy(() -> Envelope.unsealShare(swapped, sealed, key)).isInstanceOf(ShareUnsealException.class)
          .extracting(e -> ((ShareUnsealException) e).reason()).isEqualTo("CONTEXT_MISMATCH");
    }
  }

  /** Items this server cannot open, and items past the request's policy cap, are refused before any eth_call. */
  @Test
  void unknownKey_andItemsPastThePolicyCap_costNoEthCall() throws Exception {
    Address settable = chain.deploy("SettablePolicy");
    try (RpcProxy proxy = RpcProxy.start(vertx, chain.rpcUrl())) {
      server = startServer(proxy.url(), chain.chainId(), 0);
      server.awaitLedgerHeight(chain.head()).await(30, TimeUnit.SECONDS);
      EvmIdentity reader = EvmIdentity.generate(Requester.RANDOM).onChain(chain.chainId());
      Identity session = Identity.generate(Requester.RANDOM);
      SessionCertificate cert = reader.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(30),
          List.of("ks-1"));
      String ledgerId = new EvmLedgerId(chain.chainId(), settable).toString();
      List<FetchKeyItem> items = new ArrayList<>();
      items.add(FetchKeyItem.of(seal(ledgerId, PolicyId.random(Requester.RANDOM),
          new KeyServerKey("ks-1", HpkeKeyPair.generate().publicKey())), 1));
      for (int i = 0; i <= Releaser.MAX_POLICIES_PER_REQUEST; i++) {
        items.add(FetchKeyItem.of(sealFor(server, ledgerId, PolicyId.random(Requester.RANDOM)), 1));
      }
      int before = proxy.calls("eth_call");
      FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", HpkeKeyPair.generate().publicKey(),
          items, clock.instant(), Requester.RANDOM);
      HttpResponse<Buffer> r = http.post(server.port(), "127.0.0.1", "/v1/fetch_key")
          .sendBuffer(Buffer.buffer(request.toJson())).await(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      List<ItemResult> results = FetchKeyResponse.fromJson(r.body().getBytes()).items();
      assertThat(results.get(0).reason()).isEqualTo("UNKNOWN_KEY");
      for (int i = 1; i <= Releaser.MAX_POLICIES_PER_REQUEST; i++) {
        assertThat(results.get(i).reason()).as("item %d", i).isEqualTo("UNKNOWN_POLICY");
      }
      ItemResult past = results.get(Releaser.MAX_POLICIES_PER_REQUEST + 1);
      assertThat(past.reason()).isEqualTo("TOO_MANY_POLICIES");
      assertThat(past.message()).contains("at most " + Releaser.MAX_POLICIES_PER_REQUEST + " policies");
      assertThat(proxy.calls("eth_call") - before).as("one eth_call per policy asked, none for the rest")
          .isEqualTo(Releaser.MAX_POLICIES_PER_REQUEST);
    }
  }

  /** issue 12's rule on EVM: a block stamped 20 minutes ahead of this server's clock is held, and shown as held. */
  @Test
  void blockStampedAheadOfTheServersClock_isHeld_andShownAsHeld_untilTheClockArrives() throws Exception {
    server = startServer(chain.chainId());
    long before = chain.head();
    server.awaitLedgerHeight(before).await(30, TimeUnit.SECONDS);
    long ahead = chain.timestamp(before) + Duration.ofMinutes(20).toSeconds();
    chain.setNextBlockTimestamp(ahead);
    chain.mine(1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (health(server).getJsonObject("ledger").getValue("heldHeight") == null) {
      assertThat(System.nanoTime()).as("held within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    JsonObject ledger = health(server).getJsonObject("ledger");
    assertThat(ledger.getLong("heldHeight")).isEqualTo(before + 1);
    assertThat(ledger.getLong("heldBlockTime")).isEqualTo(ahead * 1000);
    assertThat(ledger.getLong("height")).isEqualTo(before);
    assertThat(http.get(server.port(), "127.0.0.1", "/metrics").send().await(30, TimeUnit.SECONDS).bodyAsString())
        .contains("cachet_keyserver_ledger_held 1.0");

    clock.advance(Duration.ofMinutes(20));
    server.awaitLedgerHeight(before + 1).await(30, TimeUnit.SECONDS);
    assertThat(health(server).getJsonObject("ledger").getValue("heldHeight")).isNull();
  }
}
