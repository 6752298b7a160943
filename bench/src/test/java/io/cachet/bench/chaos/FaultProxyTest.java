package io.cachet.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@link FaultProxy} in front of a real echo server, each fault seen by a real client socket.
 * Its time goes to held and cut connections, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("FaultProxyTest")
class FaultProxyTest {
  /** Generous bound on anything that should happen promptly, for a loaded 2-core machine. */
  private static final int PATIENCE_MILLIS = 30_000;

  private EchoServer echo;
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = EchoServer.start();
    proxy = FaultProxy.start("127.0.0.1", echo.port());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  void delay_holdsEveryChunkAtLeastTheBase() throws Exception {
    Duration base = Duration.ofMillis(300);
    proxy.delay(base, Duration.ofMillis(50));
    try (Socket s = connect()) {
      long start = System.nanoTime();
      send(s, "ping");
      assertThat(receive(s, 4)).isEqualTo("ping");
      // Held once each way; only the lower bound is promised.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(base.multipliedBy(2));
    }
  }

  @Test
  void delay_switchedOnALiveConnection_holdsItsNextChunk() throws Exception {
    try (Socket s = connect()) {
      send(s, "a");
      assertThat(receive(s, 1)).isEqualTo("a");
      Duration base = Duration.ofMillis(250);
      proxy.delay(base, Duration.ZERO);
      long start = System.nanoTime();
      send(s, "b");
      assertThat(receive(s, 1)).isEqualTo("b");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(base);
    }
  }

  @Test
  void drop_clientReadTimesOut_whileTheConnectionStaysOpen() throws Exception {
    try (Socket s = connect()) {
      send(s, "before");
      assertThat(receive(s, 6)).isEqualTo("before");
      proxy.drop();
      send(s, "lost");
      s.setSoTimeout(500);
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      // Still open: once passing again, the same connection carries new bytes (the dropped ones are gone).
      proxy.pass();
      s.setSoTimeout(PATIENCE_MILLIS);
      send(s, "after");
      assertThat(receive(s, 5)).isEqualTo("after");
      assertThat(proxy.counters().bytesDropped()).isEqualTo(4);
    }
  }

  @Test
  void drop_newConnectionIsAcceptedAndAnswersNothing() throws Exception {
    proxy.drop();
    try (Socket s = connect()) {
      send(s, "x");
      s.setSoTimeout(500);
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      assertThat(s.isClosed()).isFalse();
    }
  }

  @Test
  void reset_givesALiveClientAConnectionReset() throws Exception {
    try (Socket s = connect()) {
      send(s, "hi");
      assertThat(receive(s, 2)).isEqualTo("hi");
      proxy.reset();
      assertThatThrownBy(() -> s.getInputStream().read())
          .isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
    assertThat(proxy.openConnections()).isZero();
  }

  @Test
  void reset_givesANewClientAConnectionReset() throws Exception {
    proxy.reset();
    try (Socket s = connect()) {
      assertThatThrownBy(() -> s.getInputStream().read())
          .isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void pass_afterReset_carriesNewConnections() throws Exception {
    proxy.reset();
    proxy.pass();
    try (Socket s = connect()) {
      send(s, "back");
      assertThat(receive(s, 4)).isEqualTo("back");
    }
  }

  @Test
  void cut_resetsAtOnce_thenPassesAgain() throws Exception {
    proxy.cut(Duration.ofSeconds(5));
    try (Socket s = connect()) {
      assertThatThrownBy(() -> s.getInputStream().read())
          .isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (proxy.fault().kind() != ProxyFault.Kind.PASS && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    try (Socket s = connect()) {
      send(s, "ok");
      assertThat(receive(s, 2)).isEqualTo("ok");
    }
  }

  @Test
  void cut_endingLate_doesNotUndoALaterFault() throws Exception {
    proxy.cut(Duration.ofMillis(100));
    proxy.drop();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
    while (System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(proxy.fault()).isEqualTo(ProxyFault.DROP);
  }

  @Test
  void targetDown_clientGetsAConnectionReset() throws Exception {
    // A closed echo's port may be bound again at once by a listener of a class running beside this
    // one, which would accept and stay silent. A socket bound but never listening holds the port,
    // so the kernel refuses every connection to it.
    try (Socket held = new Socket()) {
      held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (FaultProxy toNothing = FaultProxy.start("127.0.0.1", held.getLocalPort());
          Socket s = new Socket(InetAddress.getLoopbackAddress(), toNothing.port())) {
        s.setSoTimeout(PATIENCE_MILLIS);
        assertThatThrownBy(() -> s.getInputStream().read())
            .isInstanceOf(SocketException.class).hasMessageContaining("reset");
      }
    }
  }

  @Test
  void counters_countConnectionsBytesAndFaults() throws Exception {
    try (Socket s = connect()) {
      send(s, "12345");
      assertThat(receive(s, 5)).isEqualTo("12345");
    }
    proxy.delay(Duration.ZERO, Duration.ZERO);
    proxy.reset();
    proxy.pass();
    // The echo's bytes are counted just after they are written, so the client may read them first.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MILLIS);
    while (proxy.counters().bytesToClient() < 5 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    ProxyCounters c = proxy.counters();
    assertThat(c.connections()).isEqualTo(1);
    assertThat(c.bytesToTarget()).isEqualTo(5);
    assertThat(c.bytesToClient()).isEqualTo(5);
    assertThat(c.faultsApplied()).isEqualTo(2);
  }

  @Test
  void stalledTarget_holdsTheWriterBack_insteadOfBuffering() throws Exception {
    long total = 256L << 20;
    try (EchoServer stalled = EchoServer.start(false);
        FaultProxy toStalled = FaultProxy.start("127.0.0.1", stalled.port());
        Socket s = new Socket(InetAddress.getLoopbackAddress(), toStalled.port())) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          OutputStream out = s.getOutputStream();
          byte[] chunk = new byte[64 * 1024];
          for (long sent = 0; sent < total; sent += chunk.length) {
            out.write(chunk);
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      // Wait until the forwarded count stops growing: every buffer on the way is full.
      long last = -1;
      long now = toStalled.counters().bytesToTarget();
      while (now != last) {
        Thread.sleep(1_000);
        last = now;
        now = toStalled.counters().bytesToTarget();
      }
      assertThat(writer).isNotDone();
      assertThat(now).isLessThan(total / 4);
    }
  }

  @Test
  void stalledEchoServer_holdsItsConnectionOpen_throughAGarbageCollection() throws Exception {
    try (EchoServer stalled = EchoServer.start(false);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), stalled.port())) {
      long deadline = System.nanoTime() + Duration.ofMillis(PATIENCE_MILLIS).toNanos();
      while (stalled.connections() == 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
      assertThat(stalled.connections()).isEqualTo(1);
      // a socket nothing refers to is closed by a cleaner soon after a collection
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(100);
      }
      // a peer that hung up reads as the end of the stream; a stalled one as nothing until the timeout
      s.setSoTimeout(500);
      assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(PATIENCE_MILLIS);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
  }

  private static String receive(Socket s, int length) throws IOException {
    InputStream in = s.getInputStream();
    byte[] b = in.readNBytes(length);
    return new String(b, StandardCharsets.UTF_8);
  }
}
