package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.local.LocalNetwork;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The aggregator's read-path bounds on a real local network: readers that do not read (raw
 * sockets with a tiny receive buffer) hold their downloads open; past the download cap the next
 * reader gets 503 TOO_MANY_DOWNLOADS with Retry-After, and however many slow readers there are,
 * the read-ahead bytes held stay under the shared budget, and every read still completes.
 * Its time goes to slow readers, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("DownloadLimitsTest")
class DownloadLimitsTest {
  private static final int NODES = 7;
  private static final int SHARD = 64 << 10;
  /** Larger than every socket buffer between a gateway and a reader that does not read. */
  private static final int BLOB_BYTES = 16 << 20;

  @TempDir Path root;
  private Vertx vertx;
  private LocalNetwork net;
  private BlobId blob;
  private byte[] data;
  private final List<Socket> sockets = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withNodes(NODES, SHARD)
        .withIntervals(0, 0)).await(120, TimeUnit.SECONDS);
    data = new byte[BLOB_BYTES];
    new Random(7).nextBytes(data);
    try (WalrusBlobStore store = new WalrusBlobStore(WalrusConfig.builder().publisher(net.gatewayUrl())
        .aggregator(net.gatewayUrl()).requestTimeout(Duration.ofSeconds(120)).build())) {
      blob = store.store(BlobSource.ofBytes(data), StoreOptions.epochs(2)).blobId();
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    net.close().await(60, TimeUnit.SECONDS);
    vertx.close().await(60, TimeUnit.SECONDS);
  }

  /** A second gateway over the same nodes, with the read-path limits under test. */
  private Gateway gateway(int maxDownloads, int readAhead, long budget) throws Exception {
    Gateway g = new Gateway(net.gatewayConfig().withDownloadLimits(maxDownloads, readAhead, budget),
        CertificateSink.NONE);
    vertx.deployVerticle(g).await(60, TimeUnit.SECONDS);
    return g;
  }

  /** A reader that asks for the blob and then reads nothing: its download stays open. */
  private Socket slowReader(Gateway g) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", g.actualPort()), 10_000);
    s.setSoTimeout(120_000);
    s.getOutputStream().write(("GET /v1/blobs/" + blob + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    sockets.add(s);
    return s;
  }

  /** Reads the status line, so the download is known to be admitted and streaming. */
  private static String statusLine(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
      line.append((char) c);
    }
    return line.toString().trim();
  }

  /** The rest of a slow reader's answer: headers skipped, the body read to its end. */
  private static byte[] body(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    while (matched < end.length) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("headers cut short");
      }
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 << 10];
    while (out.size() < BLOB_BYTES) {
      int n = in.read(buf, 0, Math.min(buf.length, BLOB_BYTES - out.size()));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private HttpResponse<byte[]> get(Gateway g) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(g.url() + "/v1/blobs/" + blob))
        .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private long readAheadBytes(Gateway g) throws Exception {
    String metrics = http.send(HttpRequest.newBuilder(URI.create(g.url() + "/metrics"))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()).body();
    return metrics.lines().filter(l -> l.startsWith("cachet_gateway_read_ahead_bytes "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError("no read-ahead gauge"));
  }

  @Test
  void read_beyondDownloadCap_answers503WithRetryAfter() throws Exception {
    Gateway g = gateway(2, 2, GatewayConfig.DEFAULT_READ_AHEAD_BUDGET_BYTES);
    Socket first = slowReader(g);
    Socket second = slowReader(g);
    assertThat(statusLine(first)).contains("200");
    assertThat(statusLine(second)).contains("200");

    HttpResponse<byte[]> refused = get(g);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).contains("1");
    assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("TOO_MANY_DOWNLOADS");

    first.close();
    second.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    HttpResponse<byte[]> later = get(g);
    while (later.statusCode() == 503 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      later = get(g);
    }
    assertThat(later.statusCode()).as("a read once the slow ones left").isEqualTo(200);
    assertThat(Arrays.equals(later.body(), data)).isTrue();
  }

  @Test
  void readAhead_manySlowReaders_staysUnderBudgetAndEveryReadCompletes() throws Exception {
    long stripeCharge = (long) NODES * SHARD;
    long budget = 3 * stripeCharge;
    Gateway g = gateway(50, 6, budget);
    List<Socket> readers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      readers.add(slowReader(g));
    }
    long seen = 0;
    for (int i = 0; i < 40; i++) {
      long held = readAheadBytes(g);
      assertThat(held).as("read-ahead bytes held").isLessThanOrEqualTo(budget);
      seen = Math.max(seen, held);
      Thread.sleep(25);
    }
    assertThat(seen).as("the slow readers hold budget while they stall").isPositive();

    List<CompletableFuture<byte[]>> bodies = new ArrayList<>();
    for (Socket s : readers) {
      bodies.add(CompletableFuture.supplyAsync(() -> {
        try {
          return body(s);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }));
    }
    for (CompletableFuture<byte[]> b : bodies) {
      assertThat(Arrays.equals(b.get(180, TimeUnit.SECONDS), data)).as("a slow reader's whole blob").isTrue();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (readAheadBytes(g) != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(readAheadBytes(g)).as("every charge paid back").isZero();
  }
}
