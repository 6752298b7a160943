package io.cachet.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Identity;
import io.cachet.policy.Sequencer;
import io.cachet.policy.server.LedgerServer;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.RetryPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's {@code /health} with its certificates going to a ledger ({@link GatewayLedgerSink}):
 * 503 {@code ledger_unreachable} while nothing listens at the ledger's address, and while a hostile
 * server there takes the connection and never answers (the answer still comes, after the probe's
 * time); 200 once a real ledger serves there.
 */
class GatewayLedgerHealthTest {
  @TempDir
  Path root;

  private final Vertx vertx = Vertx.vertx();
  private Sequencer sequencer;
  private LocalNetwork network;
  private GatewayLedgerSink sink;

  @AfterEach
  void tearDown() throws Exception {
    if (network != null) {
      await(network.close());
    }
    if (sink != null) {
      sink.close();
    }
    await(vertx.close());
    if (sequencer != null) {
      sequencer.close();
    }
  }

  @Test
  void health_ledgerDownThenSilentThenServing_saysLedgerUnreachableUntilItServes() throws Exception {
    int ledgerPort = LocalNetwork.freePorts(1)[0];
    Identity sequencerKey = Identity.generate(new SecureRandom());
    sequencer = Sequencer.open(new Sequencer.Config(Files.createDirectories(root.resolve("ledger")), "health-test",
        Duration.ofMinutes(10), Clock.systemUTC()), sequencerKey);
    sink = new GatewayLedgerSink(vertx, "http://127.0.0.1:" + ledgerPort, sequencer.ledger(),
        Identity.generate(new SecureRandom()), RetryPolicy.defaults());
    network = await(LocalNetwork.start(vertx, root.resolve("storage"), LocalNetwork.Options.defaults()
        .withNodes(4, 1024).withIntervals(0, 0).withSink(sink)));

    JsonObject down = health(503);
    assertThat(down.getString("status")).isEqualTo("ledger_unreachable");
    assertThat(down.getString("reason")).contains("the ledger at 127.0.0.1:" + ledgerPort)
        .contains("connection refused").contains("reads go on");
    assertThat(down.getString("ledger")).isEqualTo("unreachable");

    HttpServer silent = await(vertx.createHttpServer().requestHandler(request -> { })
        .listen(ledgerPort, "127.0.0.1"));
    JsonObject hung = health(503);
    assertThat(hung.getString("reason")).contains("no answer within");
    await(silent.close());

    LedgerServer ledger = new LedgerServer(sequencer, "127.0.0.1", ledgerPort);
    await(vertx.deployVerticle(ledger));
    JsonObject up = health(200);
    assertThat(up.getString("status")).isEqualTo("serving");
    assertThat(up.getString("ledger")).isEqualTo("reachable");
  }

  private JsonObject health(int status) throws Exception {
    HttpResponse<byte[]> r = StorageProcesses.get(network.gatewayUrl() + "/health");
    String body = new String(r.body());
    assertThat(r.statusCode()).as(body).isEqualTo(status);
    assertThat(body).doesNotContain(root.toString()).doesNotContain("Exception");
    return new JsonObject(body);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
