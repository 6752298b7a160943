package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.FloodServer;
import io.cachet.common.http.FloodServer.Announce;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A ledger that answers with a gigabyte (a real loopback server generating it on the fly): the
 * ledger client and a follower stop at the cap of the answer's kind, drop the connection, and
 * report the typed failure; the follower stays where it was.
 */
class HostileLedgerTest {
  /** What the flood may have pushed past a cap into socket buffers before the reader's close: far below 1 GiB. */
  private static final long SLACK = 32L << 20;

  private Vertx vertx;
  private FloodServer flood;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (flood != null) {
      flood.close();
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void policy_ledgerStreamingAGigabyte_failsAtCapWithTypedCause() throws Exception {
    flood = FloodServer.start(req -> true, Announce.CHUNKED, "{\"policy\":\"", req -> { });
    try (LedgerClient ledger = new LedgerClient(vertx, flood.url())) {
      PolicyId id = PolicyId.random(new SecureRandom());
      assertThatThrownBy(() -> ledger.policy(id).await(60, TimeUnit.SECONDS))
          .isInstanceOf(LedgerClient.LedgerUnavailableException.class)
          .satisfies(e -> assertThat(AnswerTooLargeException.in(e).cap())
              .isEqualTo(LedgerClient.MAX_POLICY_ANSWER_BYTES));
      awaitDropped(1);
      assertThat(flood.written()).isLessThan(LedgerClient.MAX_POLICY_ANSWER_BYTES + SLACK);
    }
  }

  @Test
  void headAndNonce_ledgerAnnouncingAGigabyte_areRefusedBeforeReading() throws Exception {
    flood = FloodServer.start(req -> true, Announce.HONEST_LENGTH, "{", req -> { });
    try (LedgerClient ledger = new LedgerClient(vertx, flood.url())) {
      assertThatThrownBy(() -> ledger.head().await(60, TimeUnit.SECONDS))
          .satisfies(e -> assertThat(AnswerTooLargeException.in(e)).isNotNull());
      assertThatThrownBy(() -> ledger.nextNonce(Identity.generate(new SecureRandom()).address())
          .await(60, TimeUnit.SECONDS))
          .satisfies(e -> assertThat(AnswerTooLargeException.in(e)).isNotNull());
      awaitDropped(2);
      assertThat(flood.written()).isLessThan(SLACK);
    }
  }

  @Test
  void follower_ledgerStreamingAGigabyte_failsEachPollAtCapAndStaysPut() throws Exception {
    flood = FloodServer.start(req -> true, Announce.CHUNKED, "{\"ledgerId\":\"hostile\",\"blocks\":[\"", req -> { });
    Identity sequencer = Identity.generate(new SecureRandom());
    Follower follower = Follower.start(vertx, new Follower.Config(flood.url(), "hostile", sequencer.verifyingKey(),
        Duration.ofSeconds(1), Clock.systemUTC()));
    try {
      awaitDropped(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (follower.status().lastError() == null && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(follower.status().lastError()).contains("a ledger block page").contains("cap");
      assertThat(follower.status().height()).isEqualTo(-1);
    } finally {
      follower.close();
    }
    assertThat(flood.written()).isLessThan(flood.floods() * (Follower.MAX_BLOCK_PAGE_BYTES + SLACK));
  }

  private void awaitDropped(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (flood.dropped() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(flood.dropped()).as("connections the reader dropped").isGreaterThanOrEqualTo(count);
  }
}
