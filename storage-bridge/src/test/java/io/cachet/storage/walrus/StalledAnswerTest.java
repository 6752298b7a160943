package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A server that stops sending mid-body must not hold a reader forever.
 * Its time goes to slow consumers and stalled answers, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("StalledAnswerTest")
class StalledAnswerTest {

  @Test
  void read_bodyThatStopsArriving_failsInsteadOfHanging() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[4096]);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/octet-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.write(new byte[10]);
          out.flush();
          done.await(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
          // the test ends the conversation
        }
      });
      t.start();
      String url = "http://127.0.0.1:" + server.getLocalPort();
      WalrusConfig config = WalrusConfig.builder().publisher(url).aggregator(url)
          .readStallTimeout(Duration.ofMillis(300)).retry(RetryPolicy.none()).build();
      try (WalrusBlobStore store = new WalrusBlobStore(config)) {
        long start = System.nanoTime();
        InputStream in = store.read(BlobId.of(new byte[32]));
        // typed, as a failure before the answer began would be: the caller tells the network from its own I/O
        assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.NETWORK))
            .hasMessageContaining("no bytes arrived");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      } finally {
        done.countDown();
        t.join(5000);
      }
    }
  }

  @Test
  void read_slowConsumer_isNotCutOff() throws Exception {
    // Far more than the stream queues before pausing the connection, so the pause is exercised.
    byte[] body = new byte[16 << 20];
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[4096]);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.write(body);
          out.flush();
          Thread.sleep(2000);
        } catch (IOException | InterruptedException e) {
          // done
        }
      });
      t.start();
      String url = "http://127.0.0.1:" + server.getLocalPort();
      WalrusConfig config = WalrusConfig.builder().publisher(url).aggregator(url)
          .readStallTimeout(Duration.ofMillis(200)).retry(RetryPolicy.none()).build();
      try (WalrusBlobStore store = new WalrusBlobStore(config); InputStream in = store.read(BlobId.of(new byte[32]))) {
        byte[] first = in.readNBytes(1000);
        Thread.sleep(700); // the stream fills to its high-water mark and pauses the connection
        first = java.util.Arrays.copyOf(first, first.length + in.readNBytes(1000).length);
        Thread.sleep(700); // longer than the stall limit, but the reader is not waiting on the server
        byte[] rest = in.readAllBytes();
        assertThat(first.length + rest.length).isEqualTo(body.length);
      }
      t.join(5000);
    }
  }
}
