package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.keyserver.audit.AuditLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's commit delay: a group commit waits for decisions under way, and only for them.
 * The delay is set far beyond the test's time limits, so a wait that should not happen, or that
 * should end early and does not, fails the test instead of slowing it.
 */
class AuditGroupCommitTest {
  private static final Duration LONG_DELAY = Duration.ofSeconds(60);

  @TempDir Path dir;

  private AuditLog open() throws Exception {
    AuditLog log = AuditLog.open(dir.resolve("audit.log"), AuditLog.Fsync.COMMIT, Duration.ofSeconds(1));
    log.commitDelay(LONG_DELAY);
    return log;
  }

  @Test
  void nothingUnderWay_forcesAtOnce() throws Exception {
    try (AuditLog log = open()) {
      log.append(List.of(AuditLogTest.event(0))).get(10, TimeUnit.SECONDS);
      assertThat(log.commits()).isEqualTo(1);
    }
  }

  @Test
  void decisionUnderWay_isWaitedFor_andOneForceServesBoth() throws Exception {
    try (AuditLog log = open()) {
      log.beginDecision();
      CompletableFuture<Long> first = log.append(List.of(AuditLogTest.event(0)));
      // the writer holds the first record back while the second decision is being made
      assertThatThrownBy(() -> first.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      CompletableFuture<Long> second = log.append(List.of(AuditLogTest.event(1), AuditLogTest.event(2)));
      log.endDecision();

      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(log.commits()).isEqualTo(1);
      assertThat(log.records()).isEqualTo(3);
    }
    assertThat(AuditLog.verify(dir.resolve("audit.log")).records()).isEqualTo(3);
  }

  @Test
  void decisionWithNoEvents_endsTheWait() throws Exception {
    try (AuditLog log = open()) {
      log.beginDecision();
      CompletableFuture<Long> first = log.append(List.of(AuditLogTest.event(0)));
      log.endDecision();
      assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
    }
  }

  @Test
  void theDelayBoundsTheWait_evenIfADecisionNeverEnds() throws Exception {
    try (AuditLog log = open()) {
      log.commitDelay(Duration.ofMillis(50));
      log.beginDecision();
      long start = System.nanoTime();
      log.append(List.of(AuditLogTest.event(0))).get(10, TimeUnit.SECONDS);
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  @Test
  void close_duringAWait_writesWhatWaitedAndDoesNotHang() throws Exception {
    AuditLog log = open();
    log.beginDecision();
    CompletableFuture<Long> waiting = log.append(List.of(AuditLogTest.event(0)));
    assertThatThrownBy(() -> waiting.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    long start = System.nanoTime();
    log.close();
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(20));
    assertThat(waiting.get(1, TimeUnit.SECONDS)).isZero();
    assertThat(AuditLog.verify(dir.resolve("audit.log")).records()).isEqualTo(1);
  }

  @Test
  void periodicMode_neverWaits() throws Exception {
    try (AuditLog log = AuditLog.open(dir.resolve("audit.log"), AuditLog.Fsync.PERIODIC, Duration.ofMillis(20))) {
      log.commitDelay(LONG_DELAY);
      log.beginDecision();
      log.append(List.of(AuditLogTest.event(0))).get(10, TimeUnit.SECONDS);
      assertThat(log.commits()).isZero();
    }
  }

  @Test
  void negativeDelay_isRefused() throws Exception {
    try (AuditLog log = open()) {
      assertThatThrownBy(() -> log.commitDelay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
