package io.cachet.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Bytes through a passing {@link FaultProxy} to a real echo server come back identical, however chunked. */
class FaultProxyProperties {
  private static EchoServer echo;
  private static FaultProxy proxy;

  @BeforeContainer
  static void start() throws Exception {
    echo = EchoServer.start();
    proxy = FaultProxy.start("127.0.0.1", echo.port());
  }

  @AfterContainer
  static void stop() throws Exception {
    proxy.close();
    echo.close();
  }

  @Property(tries = 40)
  void pass_echoesIdenticalBytes_forAnyChunking(
      @ForAll @Size(max = 12) List<@Size(max = 40_000) byte[]> chunks) throws Exception {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      s.setSoTimeout(30_000);
      CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
        try {
          return s.getInputStream().readAllBytes();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      OutputStream out = s.getOutputStream();
      for (byte[] chunk : chunks) {
        out.write(chunk);
        out.flush();
        sent.write(chunk);
      }
      s.shutdownOutput();
      assertThat(back.get(60, TimeUnit.SECONDS)).isEqualTo(sent.toByteArray());
    }
  }
}
