package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The client asking overloaded key servers again, through proxies in front of real key servers
 * that answer {@code 503 DEADLINE_EXCEEDED}: it waits at least what the server's
 * {@code Retry-After} asks (capped), and at least the base pause when it asks nothing. The proxies
 * note when each fetch arrived; only lower bounds are asserted, never how fast anything ran.
 * Its time goes to the client's pauses before asking again, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("KeyServerRetryTest")
class KeyServerRetryTest {
  /** What a loaded machine's timer may fire early by, as seen from the proxy's clock. */
  static final Duration SLACK = Duration.ofMillis(100);

  @TempDir static Path dir;
  static TestNetwork net;
  static final Identity ALICE = Identity.generate(new SecureRandom());
  static final Identity BOB = Identity.generate(new SecureRandom());
  static CachetClient alice;
  static PolicyId policy;

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    alice = CachetClient.open(net.config(), ALICE);
    policy = alice.createAllowList();
    alice.grant(policy, BOB.address(), Window.ALWAYS);
    net.keyServersCaughtUp();
  }

  @AfterAll
  static void stop() throws Exception {
    alice.close();
    net.close();
  }

  @Test
  void aDroppedRequest_isAskedAgainNoSoonerThanItsRetryAfter() throws Exception {
    List<Duration> gaps = readThroughDroppingProxies("1", 1);
    assertThat(gaps).hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(SLACK)));
  }

  @Test
  void aRetryAfterOfAMinute_isCappedAtTheLongestPause_andTheFileOpens() throws Exception {
    // the file opening within the client's deadline (3 request timeouts, 30 s) shows the minute was not waited
    List<Duration> gaps = readThroughDroppingProxies("60", 1);
    assertThat(gaps).hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(KeyFetcher.MAX_SERVER_RETRY_DELAY.minus(SLACK)));
  }

  @Test
  void aDropWithoutRetryAfter_isAskedAgainAfterTheBasePause() throws Exception {
    List<Duration> gaps = readThroughDroppingProxies(null, 1);
    assertThat(gaps).hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(KeyFetcher.SERVER_RETRY_DELAY.minus(SLACK)));
  }

  @Test
  void serversThatAlwaysDrop_areAskedAtMostTwiceMore_andTheReadFailsUnavailable() throws Exception {
    byte[] plain = bytes(512, 3);
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    net.keyServersCaughtUp();
    List<OverloadedKeyServerProxy> proxies = startProxies("60", Integer.MAX_VALUE);
    try (CachetClient bob = CachetClient.open(ClientConfig.parse(net.descriptor(Map.of(), ports(proxies))), BOB)) {
      assertThatThrownBy(() -> read(bob, blob)).isInstanceOfSatisfying(KeyServersUnavailableException.class,
          e -> assertThat(e.getMessage()).contains("DEADLINE_EXCEEDED"));
      for (OverloadedKeyServerProxy p : proxies) {
        List<Long> arrivals = p.fetchArrivals();
        assertThat(arrivals).hasSizeBetween(1, 1 + KeyFetcher.SERVER_RETRIES);
        assertThat(gaps(arrivals)).allSatisfy(
            g -> assertThat(g).isGreaterThanOrEqualTo(KeyFetcher.MAX_SERVER_RETRY_DELAY.minus(SLACK)));
      }
    } finally {
      for (OverloadedKeyServerProxy p : proxies) {
        p.close();
      }
    }
  }

  /**
   * Reads a new file as Bob through proxies that each drop the first {@code drops} fetches with
   * {@code Retry-After: retryAfter}, and returns the pauses between one server's successive fetches.
   */
  private static List<Duration> readThroughDroppingProxies(String retryAfter, int drops) throws Exception {
    byte[] plain = bytes(1024, drops + (retryAfter == null ? 0 : retryAfter.length()));
    BlobId blob = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 2).blobId();
    net.keyServersCaughtUp();
    List<OverloadedKeyServerProxy> proxies = startProxies(retryAfter, drops);
    try (CachetClient bob = CachetClient.open(ClientConfig.parse(net.descriptor(Map.of(), ports(proxies))), BOB)) {
      assertThat(read(bob, blob)).isEqualTo(plain);
      List<Duration> gaps = new ArrayList<>();
      for (OverloadedKeyServerProxy p : proxies) {
        gaps.addAll(gaps(p.fetchArrivals()));
      }
      return gaps;
    } finally {
      for (OverloadedKeyServerProxy p : proxies) {
        p.close();
      }
    }
  }

  private static List<OverloadedKeyServerProxy> startProxies(String retryAfter, int drops) throws Exception {
    List<OverloadedKeyServerProxy> proxies = new ArrayList<>();
    for (int i = 0; i < net.keyServers.size(); i++) {
      proxies.add(OverloadedKeyServerProxy.start(net.vertx, net.keyServers.get(i).port(), drops, retryAfter));
    }
    return proxies;
  }

  private static Map<String, Integer> ports(List<OverloadedKeyServerProxy> proxies) {
    return Map.of("ks-1", proxies.get(0).port(), "ks-2", proxies.get(1).port(), "ks-3", proxies.get(2).port());
  }

  private static List<Duration> gaps(List<Long> arrivals) {
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < arrivals.size(); i++) {
      gaps.add(Duration.ofNanos(arrivals.get(i) - arrivals.get(i - 1)));
    }
    return gaps;
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(CachetClient c, BlobId blob) throws Exception {
    try (InputStream in = c.open(blob)) {
      return in.readAllBytes();
    }
  }
}
