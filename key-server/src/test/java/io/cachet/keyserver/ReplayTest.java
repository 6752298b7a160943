package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.policy.Window;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Request ids are one requester's own, and a restart does not make an answered request new again. */
class ReplayTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);
  private KeyServer ks;
  private Requester bob;
  private EnvelopeHeader header;

  @BeforeEach
  void setUp() throws Exception {
    ks = start("ks-1");
    bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    header = seal(list, ks);
    caughtUp(ks);
  }

  private List<FetchKeyItem> item() {
    return List.of(FetchKeyItem.of(header, 1));
  }

  @Test
  void victimsRequest_isAnswered_afterAnAttackerUsedItsRequestIdFirst() throws Exception {
    FetchKeyRequest victims = bob.request("ks-1", item());
    Requester mallory = new Requester(clock, List.of("ks-1"));
    FetchKeyRequest unsigned = new FetchKeyRequest(FetchKeyRequest.VERSION, victims.requestId(), "ks-1",
        clock.millis(), 0, mallory.certificate, mallory.responseKey.publicKey(), item(), new byte[0]);
    FetchKeyRequest pre = new FetchKeyRequest(FetchKeyRequest.VERSION, unsigned.requestId(), "ks-1",
        unsigned.timestampMillis(), 0, mallory.certificate, mallory.responseKey.publicKey(), item(),
        mallory.session.sign(unsigned.signedBytes()));

    Reply first = fetch(ks, pre);
    Reply victim = fetch(ks, victims);

    assertThat(first.response().items().get(0).reason()).isEqualTo("NOT_A_MEMBER");
    assertThat(victim.response().items().get(0).isReleased()).isTrue();
    // and the attacker's own id stays spent for the attacker
    assertThat(fetch(ks, pre).reason()).isEqualTo("REPLAYED_REQUEST");
  }

  @Test
  void capturedRequest_answeredOnce_isRefusedAfterARestartOnTheSameDataDir() throws Exception {
    FetchKeyRequest captured = bob.request("ks-1", item());
    assertThat(fetch(ks, captured).response().items().get(0).isReleased()).isTrue();

    ks.closeAndWait();
    clock.advance(Duration.ofSeconds(1));
    KeyServer restarted = start("ks-1");
    Reply replay = fetch(restarted, captured);

    assertThat(replay.status()).as("%s", replay.body()).isEqualTo(401);
    assertThat(replay.reason()).isEqualTo("REQUEST_BEFORE_RESTART");
    assertThat(replay.json().getJsonObject("error").getString("message")).contains("fresh timestamp");
    // the requester signs again with a fresh timestamp and is answered
    assertThat(fetch(restarted, bob.request("ks-1", item())).response().items().get(0).isReleased()).isTrue();
  }

  @Test
  void capturedRequestStampedAhead_answeredOnce_isRefusedAfterARestart_byTheAuditedIds() throws Exception {
    // a requester whose clock runs 50 s fast: its request is stamped after the restart to come
    FetchKeyRequest captured = bob.requestStamped("ks-1", item(), Duration.ofSeconds(50));
    assertThat(fetch(ks, captured).response().items().get(0).isReleased()).isTrue();

    ks.closeAndWait();
    clock.advance(Duration.ofSeconds(5));
    KeyServer restarted = start("ks-1");
    Reply replay = fetch(restarted, captured);

    assertThat(replay.status()).as("%s", replay.body()).isEqualTo(409);
    assertThat(replay.reason()).isEqualTo("REPLAYED_REQUEST");
    assertThat(fetch(restarted, bob.request("ks-1", item())).response().items().get(0).isReleased()).isTrue();
  }

  @Test
  void versionOneRequest_isRefusedWith400_namingTheVersion() throws Exception {
    io.vertx.core.json.JsonObject v1 = new io.vertx.core.json.JsonObject(bob.request("ks-1", item()).toJson());
    v1.remove("version");
    v1.remove("minLedgerHeight");

    Reply r = post(ks, "/v1/fetch_key", Buffer.buffer(v1.encode()));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.reason()).isEqualTo("UNSUPPORTED_VERSION");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("version 1 is not supported");
  }
}
