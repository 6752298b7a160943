package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.policy.Window;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP surface: limits, malformed input, the one error shape, health, metrics and the descriptor. */
class HttpLimitsTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  private static void assertErrorShape(Reply r, int code, String status, String reason) {
    assertThat(r.status()).as("%s", r.body()).isEqualTo(code);
    assertThat(r.raw().getHeader("content-type")).isEqualTo("application/json");
    JsonObject error = r.json().getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("code", "status", "message", "details");
    assertThat(error.getInteger("code")).isEqualTo(code);
    assertThat(error.getString("status")).isEqualTo(status);
    assertThat(error.getString("message")).isNotBlank();
    JsonObject info = error.getJsonArray("details").getJsonObject(0);
    assertThat(info.getString("@type")).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
    assertThat(info.getString("domain")).isEqualTo("cachet.io");
    assertThat(info.getString("reason")).isEqualTo(reason);
  }

  @Test
  void bodyOverTheLimit_is413() throws Exception {
    KeyServer ks = start(config("ks-1").with("max-body", "4KiB"));

    Reply r = post(ks, "/v1/fetch_key", Buffer.buffer(new byte[5000]));

    assertErrorShape(r, 413, "OUT_OF_RANGE", "TOO_LARGE");
  }

  @Test
  void fullBatchOfAHundred_fitsTheDefaultLimit_andAHundredAndOneIsMalformed() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    EnvelopeHeader h = seal(PolicyId.random(Requester.RANDOM), ks);
    FetchKeyItem item = FetchKeyItem.of(h, 1);
    String full = bob.request("ks-1", Collections.nCopies(100, item)).toJson();
    assertThat(full.length()).isLessThan(KeyServerConfig.DEFAULT_MAX_BODY_BYTES);

    assertThat(post(ks, "/v1/fetch_key", Buffer.buffer(full)).response().items()).hasSize(100);

    JsonObject tooMany = new JsonObject(bob.request("ks-1", List.of(item)).toJson());
    for (int i = 0; i < 100; i++) {
      tooMany.getJsonArray("items").add(tooMany.getJsonArray("items").getValue(0));
    }
    Reply r = post(ks, "/v1/fetch_key", Buffer.buffer(tooMany.encode()));
    assertErrorShape(r, 400, "INVALID_ARGUMENT", "MALFORMED");
    assertThat(r.json().getJsonObject("error").getString("message")).contains("101");
  }

  @Test
  void malformedBodies_are400() throws Exception {
    KeyServer ks = start("ks-1");
    for (String body : List.of("{not json", "{\"requestId\":1}", "[]", "null", "",
        "{\"requestId\":\"00\",\"unknown\":true}")) {
      assertErrorShape(post(ks, "/v1/fetch_key", Buffer.buffer(body)), 400, "INVALID_ARGUMENT", "MALFORMED");
    }
  }

  @Test
  void unknownRoute_andWrongMethod_useTheErrorShape() throws Exception {
    KeyServer ks = start("ks-1");
    assertErrorShape(get(ks, "/v1/nothing"), 404, "NOT_FOUND", "NOT_FOUND");
    assertErrorShape(get(ks, "/v1/fetch_key"), 405, "METHOD_NOT_ALLOWED", "METHOD_NOT_ALLOWED");
  }

  @Test
  void clientOverItsRate_is429_withRetryAfter() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("rate-limit-ip", "0.5", "rate-burst-ip", "2")));
    Requester bob = new Requester(clock, List.of("ks-1"));
    EnvelopeHeader h = seal(PolicyId.random(Requester.RANDOM), ks);

    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(h, 1))).status()).isEqualTo(200);
    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(h, 1))).status()).isEqualTo(200);
    Reply limited = fetch(ks, bob, List.of(FetchKeyItem.of(h, 1)));

    assertErrorShape(limited, 429, "RESOURCE_EXHAUSTED", "RATE_LIMITED");
    assertThat(Integer.parseInt(limited.raw().getHeader("Retry-After"))).isBetween(1, 2);
  }

  @Test
  void requesterOverItsRate_is429_andOthersAreNotHeldUp() throws Exception {
    KeyServer ks = start(config("ks-1").with(Map.of("rate-limit-requester", "0.1", "rate-burst-requester", "5")));
    Requester bob = new Requester(clock, List.of("ks-1"));
    Requester carol = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader h = seal(list, ks);
    caughtUp(ks);
    List<FetchKeyItem> three = Collections.nCopies(3, FetchKeyItem.of(h, 1));

    assertThat(fetch(ks, bob, three).response().items()).allMatch(i -> i.isReleased());
    Reply limited = fetch(ks, bob, three);
    assertErrorShape(limited, 429, "RESOURCE_EXHAUSTED", "RATE_LIMITED");
    assertThat(Integer.parseInt(limited.raw().getHeader("Retry-After"))).isBetween(1, 10);
    assertThat(limited.json().getJsonObject("error").getString("message")).contains(bob.address().toString());
    assertThat(fetch(ks, carol, three).status()).isEqualTo(200);
  }

  @Test
  void service_health_andMetrics() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader h = seal(list, ks);
    caughtUp(ks);
    fetch(ks, bob, List.of(FetchKeyItem.of(h, 1), FetchKeyItem.of(seal(PolicyId.random(Requester.RANDOM), ks), 1)));

    Reply service = get(ks, "/v1/service");
    assertThat(service.status()).isEqualTo(200);
    io.cachet.crypto.protocol.ServiceDescriptor d =
        io.cachet.crypto.protocol.ServiceDescriptor.fromJson(service.body().toString());
    d.verify();
    assertThat(d.softwareVersion()).isEqualTo(KeyServer.softwareVersion()).isNotEqualTo("dev");

    JsonObject health = get(ks, "/health").json();
    assertThat(health.getString("status")).isEqualTo("serving");
    assertThat(health.getString("serverId")).isEqualTo("ks-1");
    assertThat(health.getJsonObject("ledger").getLong("height")).isGreaterThanOrEqualTo(2);
    assertThat(health.getJsonObject("ledger").getLong("ageMillis")).isLessThan(120_000);
    assertThat(health.getJsonObject("audit").getLong("records")).isEqualTo(2);
    assertThat(health.getJsonObject("audit").getString("head")).startsWith("0x").hasSize(66);

    String metrics = get(ks, "/metrics").body().toString();
    assertThat(metrics)
        .contains("cachet_keyserver_decisions_total{outcome=\"released\",reason=\"ALLOWED\"} 1.0")
        .contains("cachet_keyserver_decisions_total{outcome=\"denied\",reason=\"UNKNOWN_POLICY\"} 1.0")
        .contains("cachet_keyserver_requests_total{route=\"/v1/fetch_key\",status=\"200\"} 1.0")
        .contains("cachet_keyserver_request_seconds_bucket{route=\"/v1/fetch_key\"")
        .contains("cachet_keyserver_ledger_lag_seconds")
        .contains("cachet_keyserver_ledger_height")
        .contains("cachet_keyserver_ledger_stale 0.0")
        .contains("cachet_keyserver_audit_records 2.0")
        .contains("cachet_keyserver_key_version 1.0");
  }
}
