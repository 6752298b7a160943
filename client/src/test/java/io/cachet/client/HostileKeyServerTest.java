package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.FloodServer;
import io.cachet.common.http.FloodServer.Announce;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key servers that answer a fetch with a gigabyte (a real loopback server generating it on the
 * fly, at the key servers' addresses in the reader's descriptor): the key fetcher stops each answer
 * at its cap, drops the connection, and reports every server unavailable with
 * ANSWER_TOO_LARGE, instead of buffering the flood.
 */
class HostileKeyServerTest {
  /** What the flood may have pushed past a cap into socket buffers before the reader's close: far below 1 GiB. */
  private static final long SLACK = 32L << 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  @Test
  void fetch_everyKeyServerStreamingAGigabyte_failsAtCapNamingEachServer() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    try (TestNetwork net = new TestNetwork(dir);
        FloodServer flood = FloodServer.start(req -> true, Announce.CHUNKED, "{\"items\":[\"", req -> { })) {
      BlobId blob;
      try (CachetClient owner = CachetClient.open(net.config(), alice)) {
        PolicyId policy = owner.createAllowList();
        owner.grant(policy, bob.address(), Window.ALWAYS);
        blob = owner.put(new ByteArrayInputStream(new byte[1000]), 1000, policy, 2).blobId();
      }
      // The reader's descriptor sends every fetch to the flood, under the real servers' ids and keys.
      String descriptor = net.descriptor(Map.of()).replaceAll("(\"id\":\"ks-\\d+\",\"url\":\")http://127\\.0\\.0\\.1:\\d+",
          "$1" + flood.url());
      try (CachetClient reader = CachetClient.open(ClientConfig.parse(descriptor), bob)) {
        assertThatThrownBy(() -> {
          try (InputStream in = reader.open(blob)) {
            in.readAllBytes();
          }
        }).isInstanceOf(KeyServersUnavailableException.class)
            .hasMessageContaining(AnswerTooLargeException.REASON)
            .hasMessageContaining("ks-1").hasMessageContaining("ks-2").hasMessageContaining("ks-3");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (flood.dropped() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(flood.dropped()).as("connections the fetcher dropped").isGreaterThanOrEqualTo(3);
      assertThat(flood.written()).isLessThan(flood.floods() * (KeyFetcher.MAX_FETCH_ANSWER_BYTES + SLACK));
    }
  }
}
