package io.cachet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.TestNetwork;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.examples.grant.TimeLimitedGrant;
import io.cachet.examples.sharing.PrivateFileSharing;
import io.cachet.examples.subscription.SubscriptionService;
import io.cachet.storage.BlobId;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example runs to its end against a network of real servers on loopback. */
class ExamplesTest {
  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static final SecureRandom RANDOM = new SecureRandom();

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
  }

  @Test
  void privateFileSharing() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrivateFileSharing.Outcome o = PrivateFileSharing.run(config, new PrintStream(log, true));
    assertThat(o.bobRead()).isEqualTo("Bob, the door code is 4711. Alice");
    assertThat(o.eveRefusal()).isEqualTo("NOT_A_MEMBER");
    assertThat(log.toString()).contains("Bob reads").contains("Eve is refused");
  }

  @Test
  void timeLimitedGrant() throws Exception {
    TimeLimitedGrant.Outcome o = TimeLimitedGrant.run(config, Duration.ofSeconds(3),
        new PrintStream(new ByteArrayOutputStream(), true));
    assertThat(o.readInside()).isTrue();
    assertThat(o.refusalAfter()).isEqualTo("EXPIRED");
  }

  @Test
  void subscriptionService_readersOpenWhatTheirSubscriptionCovers_andTheServiceHoldsNoKey() throws Exception {
    Identity author = Identity.generate(RANDOM);
    Identity reader = Identity.generate(RANDOM);
    Identity stranger = Identity.generate(RANDOM);
    Duration period = Duration.ofSeconds(4);
    try (SubscriptionService service = SubscriptionService.start(config, Identity.generate(RANDOM), period, 0)) {
      String base = "http://127.0.0.1:" + service.port();
      PolicyId policy = PolicyId.parse(call("GET", base + "/policy", null).getString("policyId"));

      // the author seals on their own machine and registers the blob id only
      byte[] article = "Issue 1: how Cachet keeps the service out of its own articles".getBytes(StandardCharsets.UTF_8);
      BlobId blob;
      try (CachetClient a = CachetClient.open(config, author)) {
        blob = a.put(new ByteArrayInputStream(article), article.length, policy, 2).blobId();
      }
      call("POST", base + "/articles", new JsonObject().put("title", "Issue 1").put("blobId", blob.toString()));
      assertThat(call("GET", base + "/articles", null).getJsonArray("articles")).hasSize(1);

      // before subscribing: refused
      try (CachetClient r = CachetClient.open(config, reader)) {
        assertThatThrownBy(() -> read(r, blob)).isInstanceOf(AccessRefusedException.class);
      }
      JsonObject sub = call("POST", base + "/subscribe", new JsonObject().put("address", reader.address().toString()));
      assertThat(sub.getString("until")).isNotBlank();
      assertThat(sub.getLong("height")).as("the height that committed the subscription").isPositive();
      net.keyServersCaughtUp();
      try (CachetClient r = CachetClient.open(config, reader)) {
        assertThat(read(r, blob)).isEqualTo(article);
      }
      try (CachetClient s = CachetClient.open(config, stranger)) {
        assertThatThrownBy(() -> read(s, blob)).isInstanceOf(AccessRefusedException.class)
            .hasMessageContaining("NOT_A_MEMBER");
      }

      // the subscription lapses
      Thread.sleep(period.toMillis());
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (true) {
        try (CachetClient r = CachetClient.open(config, reader)) {
          read(r, blob);
          assertThat(System.nanoTime()).as("still readable after the lapse").isLessThan(deadline);
          Thread.sleep(200);
        } catch (AccessRefusedException e) {
          assertThat(e.reason()).isEqualTo("EXPIRED");
          break;
        }
      }
      assertThat(service.keysHeld()).isZero();

      // bad input gets the one error shape
      HttpResponse<String> bad = raw("POST", base + "/subscribe", "{\"address\":\"nope\"}");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("INVALID_ARGUMENT");
      assertThat(raw("POST", base + "/articles", "not json").statusCode()).isEqualTo(400);
    }
  }

  private static byte[] read(CachetClient c, BlobId blob) throws Exception {
    try (InputStream in = c.open(blob)) {
      return in.readAllBytes();
    }
  }

  private static JsonObject call(String method, String url, JsonObject body) throws Exception {
    HttpResponse<String> r = raw(method, url, body == null ? null : body.encode());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return new JsonObject(r.body());
  }

  private static HttpResponse<String> raw(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
