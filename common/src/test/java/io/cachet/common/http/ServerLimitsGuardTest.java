package io.cachet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The guard on a real Vert.x server on loopback, against thousands of real idle and trickling
 * connections from {@code 127.0.0.2}, while legitimate requests from {@code 127.0.0.1} are still
 * answered. Each deadline is set short; every wait is generous, for a loaded machine.
 * Its time goes to deadlines and idle timeouts running out, so it runs beside the other classes.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("ServerLimitsGuardTest")
class ServerLimitsGuardTest {
  private static final Duration SHORT = Duration.ofSeconds(1);
  private static final Duration LONG = Duration.ofSeconds(120);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final ServerLimits LENIENT = new ServerLimits(LONG, LONG, LONG, 0, 10_000, 10_000);

  private Vertx vertx;
  private HttpServer server;
  private ServerLimitsGuard guard;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private int start(ServerLimits limits) throws Exception {
    guard = new ServerLimitsGuard(vertx, limits, "test");
    Router router = Router.router(vertx);
    guard.install(router);
    router.get("/hello").handler(ctx -> ctx.end("hi"));
    router.get("/slow").handler(ctx -> vertx.setTimer(2500, t -> ctx.end("late")));
    router.get("/hold").handler(guard.perAddressSlots(1, "TOO_MANY_HOLDS", "holds"));
    // as a streaming handler does: its own close handler replaces the router's
    router.get("/hold").handler(ctx -> ctx.response().closeHandler(v -> { }));
    router.post("/echo").handler(BodyHandler.create(false).setBodyLimit(1 << 20))
        .handler(ctx -> ctx.end(Integer.toString(ctx.body().length())));
    router.post("/upload").handler(guard.perAddressSlots(2, "TOO_MANY_UPLOADS", "uploads"));
    router.post("/upload").handler(BodyHandler.create(false)).handler(ctx -> ctx.end("stored"));
    server = guard.createServer(new HttpServerOptions()).requestHandler(router).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(PATIENCE).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(int port, String path, byte[] body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(PATIENCE).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String slowPost(String path, int length) {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n";
  }

  @Test
  void idleConnections_closedAfterIdleTimeout_whileOthersAreServed() throws Exception {
    int port = start(LENIENT.withTimeouts(SHORT, LONG, LONG));
    try (SlowClients idle = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 2000)) {
      assertEquals("hi", get(port, "/hello").body());
      idle.awaitOpen(open -> open == 0, PATIENCE);
      assertEquals(0, guard.headTimeouts(), "closed by the idle timeout, not the head deadline");
      assertEquals("hi", get(port, "/hello").body());
    }
  }

  @Test
  void tricklingHeads_closedAtHeadDeadline_whileOthersAreServed() throws Exception {
    int port = start(LENIENT.withTimeouts(LONG, SHORT, LONG));
    try (SlowClients slow = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 2000)) {
      slow.sendAll("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
      slow.trickle(Duration.ofMillis(100));
      assertEquals("hi", get(port, "/hello").body());
      slow.awaitOpen(open -> open == 0, PATIENCE);
      assertTrue(guard.headTimeouts() >= 2000, "head timeouts: " + guard.headTimeouts());
      assertEquals(0, slow.answered(200), "no trickled request was ever served");
    }
  }

  @Test
  void keptAliveConnection_closedAtHeadDeadlineAfterItsAnswer() throws Exception {
    int port = start(LENIENT.withTimeouts(LONG, SHORT, LONG));
    try (SlowClients one = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1)) {
      one.sendAll("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      one.awaitOpen(open -> open == 0, PATIENCE);
      assertEquals(1, one.answered(200), "the request was answered before the deadline closed the connection");
    }
  }

  @Test
  void slowAnswer_isNotCutByTheHeadDeadline() throws Exception {
    int port = start(LENIENT.withTimeouts(LONG, SHORT, SHORT));
    assertEquals("late", get(port, "/slow").body());
  }

  @Test
  void tricklingBodies_answered408AtBodyDeadline_whileOthersAreServed() throws Exception {
    int port = start(LENIENT.withTimeouts(LONG, LONG, SHORT).withMinBodyRate(16 * 1024));
    try (SlowClients slow = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1000)) {
      slow.sendAll(slowPost("/echo", 100_000));
      slow.trickle(Duration.ofMillis(100));
      assertEquals("5", post(port, "/echo", new byte[5]).body());
      slow.awaitOpen(open -> open == 0, PATIENCE);
      // a trickled byte racing the server's close brings a reset that can swallow an answer unread
      assertTrue(slow.answered(408) >= 990, "answered 408: " + slow.answered(408));
      String answer = slow.firstAnswer(408);
      assertTrue(answer.contains("\"reason\":\"REQUEST_TIMEOUT\""), answer);
      assertTrue(answer.contains("\"status\":\"DEADLINE_EXCEEDED\""), answer);
      assertEquals(1000, guard.bodyTimeouts());
    }
  }

  @Test
  void bodyAtAFairRate_outlivesTheBodyTimeout() throws Exception {
    int port = start(LENIENT.withTimeouts(LONG, LONG, SHORT).withMinBodyRate(100));
    try (SlowClients fair = SlowClients.connect("127.0.0.1", port, 1)) {
      fair.sendAll(slowPost("/echo", 3000));
      for (int i = 0; i < 30; i++) {
        Thread.sleep(100);
        fair.sendAll("b".repeat(100));
      }
      fair.awaitOpen(open -> open == 0 || fair.answered(200) == 1, PATIENCE);
      assertEquals(1, fair.answered(200), "3000 bytes at ~1000 B/s earn far more than the 1 s timeout");
      assertEquals(0, guard.bodyTimeouts());
    }
  }

  @Test
  void connectionsOverTheCap_closedAtOnce_otherAddressesServed() throws Exception {
    int port = start(LENIENT.withPerAddress(100, 100));
    try (SlowClients many = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 300)) {
      many.awaitOpen(open -> open == 100, PATIENCE);
      assertEquals(200, guard.refusedConnections());
      assertEquals("hi", get(port, "/hello").body());
      assertEquals(100, many.open(), "those within the cap stay");
    }
    long end = System.nanoTime() + PATIENCE.toNanos();
    while (guard.openConnections() > 1 && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertTrue(guard.openConnections() <= 1, "closed connections give their slots back");
  }

  @Test
  void inFlightOverTheCap_answered429_otherAddressesServed() throws Exception {
    int port = start(LENIENT.withPerAddress(1000, 10));
    try (SlowClients slow = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 30)) {
      slow.sendAll(slowPost("/echo", 100_000));
      slow.trickle(Duration.ofMillis(200));
      slow.awaitOpen(open -> open == 10, PATIENCE);
      assertEquals(20, slow.answered(429));
      String answer = slow.firstAnswer(429);
      assertTrue(answer.contains("\"reason\":\"TOO_MANY_REQUESTS\""), answer);
      assertTrue(answer.toLowerCase().contains("retry-after: 1"), answer);
      assertEquals("5", post(port, "/echo", new byte[5]).body());
    }
  }

  @Test
  void perAddressSlots_refuseTheExtraUploadsOfOneClientOnly() throws Exception {
    int port = start(LENIENT);
    try (SlowClients slow = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 4)) {
      slow.sendAll(slowPost("/upload", 100_000));
      slow.trickle(Duration.ofMillis(200));
      slow.awaitOpen(open -> open == 2, PATIENCE);
      String answer = slow.firstAnswer(429);
      assertNotNull(answer);
      assertTrue(answer.contains("\"reason\":\"TOO_MANY_UPLOADS\""), answer);
      HttpResponse<String> mine = post(port, "/upload", new byte[10]);
      assertEquals(200, mine.statusCode(), mine.body());
    }
  }

  @Test
  void slots_givenBackWhenTheConnectionCloses_thoughAHandlerReplacedTheCloseHandler() throws Exception {
    int port = start(LENIENT);
    for (int round = 0; round < 2; round++) {
      try (SlowClients one = SlowClients.connect(SlowClients.HOSTILE_ADDRESS, port, 1)) {
        one.sendAll("GET /hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        awaitInFlight(1);
        assertEquals(0, one.answered(429), "the slot of the previous round was given back");
      }
      awaitInFlight(0);
    }
  }

  private void awaitInFlight(int expected) throws InterruptedException {
    long end = System.nanoTime() + PATIENCE.toNanos();
    while (guard.inFlight() != expected) {
      if (System.nanoTime() > end) {
        throw new AssertionError("in flight: " + guard.inFlight() + ", expected " + expected);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void limits_badSettings_failNamingTheSetting() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ServerLimits(Duration.ZERO, LONG, LONG, 0, 1, 1));
    assertTrue(e.getMessage().contains("idle-timeout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LENIENT.withPerAddress(0, 1));
    assertTrue(e.getMessage().contains("max-connections-per-address"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LENIENT.withPerAddress(1, 0));
    assertTrue(e.getMessage().contains("max-in-flight-per-address"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LENIENT.withMinBodyRate(-1));
    assertTrue(e.getMessage().contains("min-body-rate"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LENIENT.withTimeouts(LONG, LONG, Duration.ofHours(2)));
    assertTrue(e.getMessage().contains("body-timeout"), e.getMessage());
  }
}
