package io.cachet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.behaviour.EvmBehaviourNetwork;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The three examples' stories on a real anvil: CachetPolicies deployed, key servers with {@code
 * chain = evm}, every party an EVM identity signing EIP-712 session certificates, writers funded.
 * These examples wait in real time, so the network runs on the wall clock.
 * Its time goes to windows and blocks on the wall clock, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EvmExamplesTest")
class EvmExamplesTest {
  @TempDir static Path dir;
  static EvmBehaviourNetwork net;
  static ClientConfig config;

  @BeforeAll
  static void start() throws Exception {
    net = EvmBehaviourNetwork.startLive(dir);
    config = net.config();
  }

  @AfterAll
  static void stop() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  private static Parties parties() throws Exception {
    return Parties.evm(config, List.of(net.fundedWriter()));
  }

  @Test
  void privateFileSharing_onEvm() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrivateFileSharing.Outcome o = PrivateFileSharing.run(config, parties(), new PrintStream(log, true));
    assertThat(o.bobRead()).isEqualTo("Bob, the door code is 4711. Alice");
    assertThat(o.eveRefusal()).isEqualTo("NOT_A_MEMBER");
  }

  @Test
  void timeLimitedGrant_onEvm() throws Exception {
    // real time: the window must outlast a put and a read on a loaded machine
    TimeLimitedGrant.Outcome o = TimeLimitedGrant.run(config, parties(), Duration.ofSeconds(12),
        new PrintStream(new ByteArrayOutputStream(), true));
    assertThat(o.readInside()).isTrue();
    assertThat(o.refusalAfter()).isEqualTo("EXPIRED");
  }

  @Test
  void subscriptionService_onEvm_readersOpenWhatTheirSubscriptionCovers() throws Exception {
    Parties parties = parties();
    Requester author = parties.reader();
    Requester reader = parties.reader();
    Requester stranger = parties.reader();
    Duration period = Duration.ofSeconds(4);
    try (SubscriptionService service = SubscriptionService.start(config, parties.writer(), period, 0)) {
      String base = "http://127.0.0.1:" + service.port();
      PolicyId policy = PolicyId.parse(call("GET", base + "/policy", null)
          .getString("policyId"));
      byte[] article = "Issue 1, on chain".getBytes(StandardCharsets.UTF_8);
      BlobId blob;
      try (CachetClient a = Parties.open(config, author)) {
        blob = a.put(new ByteArrayInputStream(article), article.length, policy, 2).blobId();
      }
      call("POST", base + "/articles", new JsonObject().put("title", "Issue 1").put("blobId", blob.toString()));

      try (CachetClient r = Parties.open(config, reader)) {
        assertThatThrownBy(() -> read(r, blob)).isInstanceOf(AccessRefusedException.class);
      }
      call("POST", base + "/subscribe", new JsonObject().put("address", reader.address().toString()));
      try (CachetClient r = Parties.open(config, reader)) {
        assertThat(read(r, blob)).isEqualTo(article);
      }
      try (CachetClient s = Parties.open(config, stranger)) {
        assertThatThrownBy(() -> read(s, blob)).isInstanceOf(AccessRefusedException.class)
            .hasMessageContaining("NOT_A_MEMBER");
      }

      // the subscription lapses: this example's service and key servers keep real time
      Thread.sleep(period.toMillis());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (true) {
        try (CachetClient r = Parties.open(config, reader)) {
          read(r, blob);
          assertThat(System.nanoTime()).as("still readable after the lapse").isLessThan(deadline);
          Thread.sleep(200);
        } catch (AccessRefusedException e) {
          assertThat(e.reason()).isEqualTo("EXPIRED");
          break;
        }
      }
      assertThat(service.keysHeld()).isZero();
    }
  }

  private static byte[] read(CachetClient c, BlobId blob) throws Exception {
    try (InputStream in = c.open(blob)) {
      return in.readAllBytes();
    }
  }

  private static JsonObject call(String method, String url, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.encode()));
    HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return new JsonObject(r.body());
  }
}
