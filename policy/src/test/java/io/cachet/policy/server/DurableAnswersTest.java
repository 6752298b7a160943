package io.cachet.policy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.journal.SignedHeightMark;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger answers from durable state only. The test holds a block's durability step open for
 * real: the signed-height mark's temporary file is a named pipe, so the sequencer's write of it
 * blocks in the kernel until the test reads the pipe (and then fails its fsync, as a pipe cannot
 * be synced, which stops the ledger). Meanwhile the block is in the journal and applied to the
 * working state, and the HTTP answers must not show it.
 */
class DurableAnswersTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";
  /** Generous: a loaded machine may take a while to reach the blocked write. */
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private Sequencer sequencer;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void policyAndNonce_blockNotYetDurable_areAnsweredAsBeforeIt() throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofHours(1), Clock.systemUTC()),
        Identity.generate(RANDOM));
    LedgerServer server = new LedgerServer(sequencer, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    String url = "http://" + HOST + ":" + server.port();
    Path pipe = dir.resolve("." + SignedHeightMark.FILE_NAME + ".tmp");
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
    } catch (java.io.IOException e) {
      mkfifo = null;
    }
    assumeThat(mkfifo != null && mkfifo.waitFor() == 0).as("mkfifo available").isTrue();

    Identity alice = Identity.generate(RANDOM);
    PolicyId id = LedgerState.policyIdFor(sequencer.ledger(), alice.address(), 0);
    long journalBefore = Files.size(dir.resolve(Sequencer.JOURNAL_FILE));
    CompletableFuture<Sequencer.Committed> submitted =
        sequencer.submit(Transaction.sign(alice, sequencer.ledger(), 0, new Operation.CreateAllowList()));
    long deadline = System.nanoTime() + WAIT_NANOS;
    while ((Files.size(dir.resolve(Sequencer.JOURNAL_FILE)) == journalBefore
        || sequencer.state().policy(id) == null) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    // the block is in the journal and in the working state; its mark write is blocked on the pipe
    assertThat(Files.size(dir.resolve(Sequencer.JOURNAL_FILE))).isGreaterThan(journalBefore);
    assertThat(sequencer.state().policy(id)).isNotNull();

    HttpResponse<String> policy = get(url + "/v1/policies/" + id);
    assertThat(policy.statusCode()).isEqualTo(404);
    assertThat(policy.body()).contains("UNKNOWN_POLICY");
    HttpResponse<String> nonce = get(url + "/v1/accounts/" + alice.address() + "/nonce");
    assertThat(nonce.statusCode()).isEqualTo(200);
    assertThat(nonce.body()).contains("\"nextNonce\":0");
    assertThat(get(url + "/v1/head").body()).contains("\"height\":0");
    assertThat(get(url + "/v1/accounts/" + alice.address() + "/policies").body()).contains("\"policies\":[]");
    assertThat(submitted).isNotDone();

    // let the write through: fsync of a pipe fails, so the block never becomes durable and the
    // ledger stops; nothing of the block is ever answered
    try (InputStream in = Files.newInputStream(pipe)) {
      in.readAllBytes();
    }
    assertThat(submitted).failsWithin(Duration.ofSeconds(30));
    assertThat(get(url + "/v1/policies/" + id).statusCode()).isEqualTo(404);
    assertThat(get(url + "/v1/accounts/" + alice.address() + "/nonce").body()).contains("\"nextNonce\":0");

    // the stopped ledger says so, without the file names and internals its failure carries
    assertThat(sequencer.failure()).isNotNull();
    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/transactions"))
        .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("LEDGER_STOPPED").doesNotContain(dir.toString())
        .doesNotContain("Exception");
    HttpResponse<String> list = get(url + "/v1/accounts/" + alice.address() + "/policies");
    assertThat(list.statusCode()).isEqualTo(503);
    assertThat(list.body()).contains("LEDGER_STOPPED");
  }
}
