package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ledger and real key servers on loopback, one Vert.x, and a clock the test moves. Key
 * servers use cheap Argon2id settings (the setting, not the code path, is what differs from
 * production) and generous rate limits unless a test sets its own.
 */
abstract class KeyServerTestBase {
  static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path dir;
  final MutableClock clock = new MutableClock();
  Vertx vertx;
  TestLedger ledger;
  WebClient http;
  final List<KeyServer> servers = new ArrayList<>();

  @BeforeEach
  void startLedger() throws Exception {
    vertx = Vertx.vertx();
    ledger = new TestLedger(vertx, dir.resolve("ledger"), clock);
    http = WebClient.create(vertx, new WebClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
  }

  @AfterEach
  void stopAll() throws Exception {
    for (KeyServer s : servers) {
      try {
        s.closeAndWait();
      } catch (Exception e) {
        // already closed by the test
      }
    }
    http.close();
    ledger.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  KeyServerConfig config(String id) {
    return KeyServerConfig.defaults(id, dir.resolve(id), ledger.url(), TestLedger.LEDGER, ledger.sequencerKey())
        .with(java.util.Map.of("port", "0", "ledger-poll-wait", "1s", "rate-limit-ip", "0", "rate-limit-requester",
            "0", "replay-cache-size", "10000", "worker-threads", "2", "kdf-memory", "64", "kdf-iterations", "1"));
  }

  KeyServer start(String id) throws Exception {
    return start(config(id));
  }

  KeyServer start(KeyServerConfig config) throws Exception {
    KeyServer s = KeyServer.start(vertx, config, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    servers.add(s);
    s.awaitLedgerHeight(ledger.height()).await(15, TimeUnit.SECONDS);
    return s;
  }

  static KeyServerKey sealingKey(KeyServer s) {
    return new KeyServerKey(s.serverId(), s.descriptor().hpkePublicKey());
  }

  /** A small envelope's header, sealed to the servers given (t of them needed). */
  static EnvelopeHeader seal(PolicyId policy, int threshold, List<KeyServerKey> keys) throws Exception {
    byte[] plain = "a private file".getBytes();
    return Envelope.seal(new SealParameters(TestLedger.LEDGER, policy, threshold, keys),
        new ByteArrayInputStream(plain), plain.length, new ByteArrayOutputStream(), Requester.RANDOM);
  }

  static EnvelopeHeader seal(PolicyId policy, KeyServer... servers) throws Exception {
    List<KeyServerKey> keys = new ArrayList<>();
    for (KeyServer s : servers) {
      keys.add(sealingKey(s));
    }
    return seal(policy, 1, keys);
  }

  /** Waits until the server has applied the ledger's current head (so it has seen every change so far). */
  void caughtUp(KeyServer s) throws Exception {
    s.awaitLedgerHeight(ledger.height()).await(15, TimeUnit.SECONDS);
  }

  record Reply(int status, Buffer body, HttpResponse<Buffer> raw) {
    JsonObject json() {
      return body.toJsonObject();
    }

    /** The reason of the one error shape. */
    String reason() {
      return json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("reason");
    }

    FetchKeyResponse response() throws Exception {
      assertThat(status).as("HTTP status of %s", body).isEqualTo(200);
      return FetchKeyResponse.fromJson(body.getBytes());
    }
  }

  Reply post(KeyServer s, String path, Buffer body) throws Exception {
    HttpResponse<Buffer> r = http.post(s.port(), "127.0.0.1", path).sendBuffer(body).await(30, TimeUnit.SECONDS);
    return new Reply(r.statusCode(), r.body() == null ? Buffer.buffer() : r.body(), r);
  }

  Reply get(KeyServer s, String path) throws Exception {
    HttpResponse<Buffer> r = http.get(s.port(), "127.0.0.1", path).send().await(30, TimeUnit.SECONDS);
    return new Reply(r.statusCode(), r.body() == null ? Buffer.buffer() : r.body(), r);
  }

  Reply fetch(KeyServer s, FetchKeyRequest request) throws Exception {
    return post(s, "/v1/fetch_key", Buffer.buffer(request.toJson()));
  }

  Reply fetch(KeyServer s, Requester who, List<FetchKeyItem> items) throws Exception {
    return fetch(s, who.request(s.serverId(), items));
  }

  /** One item: slot {@code index} of the header, asked of server {@code s}. */
  ItemResult fetchOne(KeyServer s, Requester who, EnvelopeHeader header, int index) throws Exception {
    FetchKeyResponse r = fetch(s, who, List.of(FetchKeyItem.of(header, index))).response();
    assertThat(r.items()).hasSize(1);
    return r.items().get(0);
  }

}
