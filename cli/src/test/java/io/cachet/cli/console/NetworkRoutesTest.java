package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network page's routes against a real devnet started through {@code cachet devnet up} (a
 * daemon of its own, so {@code devnet stop} works) and a real console, over real HTTP as the page
 * talks to it: the cookie from the link, the CSRF token from the redirect's fragment.
 */
class NetworkRoutesTest {
  /** Longest a part's new state may take to show: a few snapshots on a loaded machine. */
  private static final Duration SHOWS_WITHIN = Duration.ofSeconds(90);

  @TempDir static Path home;
  static ConsoleServer console;
  static ConsoleHttp session;

  @BeforeAll
  static void up() throws Exception {
    int exit = cachet("devnet", "up", "--home", home.toString(), "--json");
    assertThat(exit).isEqualTo(ExitCodes.OK);
    console = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()));
    session = ConsoleHttp.open(console);
  }

  @AfterAll
  static void down() {
    if (console != null) {
      console.close();
    }
    cachet("devnet", "down", "--home", home.toString());
  }

  private static int cachet(String... args) {
    return Cachet.newCommandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true))
        .execute(args);
  }

  @Test
  void snapshot_onADevnet_hasEveryPartWithStateAndDetail() throws Exception {
    JsonObject s = getJson(session, "/api/network");
    assertThat(s.getLong("at")).isPositive();
    assertThat(s.getLong("height")).isNotNull().isGreaterThanOrEqualTo(0);
    assertThat(s.getJsonObject("devnet").getBoolean("running")).isTrue();
    JsonArray parts = s.getJsonArray("parts");
    assertThat(parts.stream().map(p -> ((JsonObject) p).getString("name")).toList()).containsExactly("ledger",
        "ks-1", "ks-2", "ks-3", "node-0", "node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "gateway");
    for (Object o : parts) {
      JsonObject p = (JsonObject) o;
      assertThat(p.getString("state")).as(p.encode()).isEqualTo("up");
      assertThat(p.getString("detail")).as(p.encode()).isNotBlank();
    }
    JsonObject node = part(s, "node-2");
    assertThat(node.getLong("usedBytes")).isGreaterThanOrEqualTo(0);
    assertThat(node.getBoolean("stoppable")).isTrue();
    assertThat(part(s, "ks-1").getLong("lag")).isBetween(0L, NetworkPicture.LAGGING_BLOCKS);
    assertThat(part(s, "gateway").getBoolean("stoppable")).as("inside the devnet's JVM").isFalse();
    assertThat(s.getJsonObject("storage").getJsonObject("shards").getLong("expected")).isNotNull();
    assertThat(s.getJsonObject("repair").getLong("passes")).isNotNull();
  }

  @Test
  void events_deliverSnapshotsAboutEverySecond_eachNewerThanTheLast() throws Exception {
    try (Stream<String> lines = events(session)) {
      BlockingQueue<JsonObject> got = snapshots(lines);
      JsonObject first = next(got);
      JsonObject second = next(got);
      JsonObject third = next(got);
      assertThat(second.getLong("at")).isGreaterThan(first.getLong("at"));
      assertThat(third.getLong("at")).isGreaterThan(second.getLong("at"));
      assertThat(third.getJsonArray("parts")).hasSize(12);
    }
  }

  @Test
  void events_streamsPastTheCapAreRefused_andClosedOnesAreForgotten() throws Exception {
    java.util.List<Stream<String>> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < NetworkRoutes.MAX_STREAMS; i++) {
        open.add(events(session));
      }
      ConsoleHttp.Answer more = session.get("/api/network/events");
      assertThat(more.status()).isEqualTo(503);
      assertThat(new JsonObject(more.text()).getJsonObject("error").getString("reason")).isEqualTo("TOO_MANY_STREAMS");
    } finally {
      open.forEach(Stream::close);
    }
    // a page that closed its stream is forgotten: as many may open again
    long deadline = System.nanoTime() + SHOWS_WITHIN.toNanos();
    while (true) {
      java.util.List<Stream<String>> again = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < NetworkRoutes.MAX_STREAMS; i++) {
          again.add(events(session));
        }
        break;
      } catch (AssertionError notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
        Thread.sleep(100);
      } finally {
        again.forEach(Stream::close);
      }
    }
  }

  @Test
  void stopAndStart_aKeyServerAndANode_showStoppedInTheStream_thenBack() throws Exception {
    try (Stream<String> lines = events(session)) {
      BlockingQueue<JsonObject> got = snapshots(lines);
      ConsoleHttp.Answer stopKs = session.post("/api/devnet/parts/ks-2/stop", new JsonObject());
      assertThat(stopKs.status()).as(stopKs.text()).isEqualTo(200);
      ConsoleHttp.Answer stopNode = session.post("/api/devnet/parts/node-3/stop", new JsonObject());
      assertThat(stopNode.status()).as(stopNode.text()).isEqualTo(200);
      await(got, s -> "stopped".equals(part(s, "ks-2").getString("state"))
          && "stopped".equals(part(s, "node-3").getString("state")));

      assertThat(session.post("/api/devnet/parts/ks-2/start", new JsonObject()).status()).isEqualTo(200);
      assertThat(session.post("/api/devnet/parts/node-3/start", new JsonObject()).status()).isEqualTo(200);
      await(got, s -> "up".equals(part(s, "ks-2").getString("state"))
          && "up".equals(part(s, "node-3").getString("state")));
    }
  }

  @Test
  void stop_withoutTheCsrfToken_isRefused_andThePartRuns() throws Exception {
    ConsoleHttp.Answer r = session.postWithoutCsrf("/api/devnet/parts/ks-1/stop", new JsonObject());
    assertThat(r.status()).isEqualTo(403);
    assertThat(new JsonObject(r.text()).getJsonObject("error").getString("reason")).isEqualTo("CSRF");
    assertThat(part(getJson(session, "/api/network"), "ks-1").getString("state")).isEqualTo("up");
  }

  @Test
  void stop_aPartNamedLikeAnOption_isRefusedBeforeAnyCommandRuns() throws Exception {
    ConsoleHttp.Answer r = session.post("/api/devnet/parts/--kill/stop", new JsonObject());
    assertThat(r.status()).isEqualTo(400);
    assertThat(new JsonObject(r.text()).getJsonObject("error").getString("reason")).isEqualTo("BAD_PART");
    ConsoleHttp.Answer other = session.post("/api/devnet/parts/ks-1/restart", new JsonObject());
    assertThat(other.status()).isEqualTo(404);
  }

  @Test
  void stop_anUnknownPart_answersTheCommandsError() throws Exception {
    ConsoleHttp.Answer r = session.post("/api/devnet/parts/ks-9/stop", new JsonObject());
    assertThat(r.status()).isEqualTo(400);
    assertThat(new JsonObject(r.text()).getJsonObject("error").getString("message")).contains("no part named 'ks-9'");
  }

  @Test
  void stop_onANetworkThatIsNotADevnet_answersNotADevnet(@TempDir Path other) throws Exception {
    Path descriptor = other.resolve("net").resolve("network.json");
    Files.createDirectories(descriptor.getParent());
    Files.copy(home.resolve("devnet").resolve("cachet-network.json"), descriptor);
    Files.createDirectories(other.resolve("home"));
    try (ConsoleServer elsewhere = ConsoleServer.start(new ConsoleServer.Options(other.resolve("home"), descriptor, 0,
        Map.of()))) {
      ConsoleHttp s = ConsoleHttp.open(elsewhere);
      ConsoleHttp.Answer r = s.post("/api/devnet/parts/ks-1/stop", new JsonObject());
      assertThat(r.status()).isEqualTo(409);
      JsonObject error = new JsonObject(r.text()).getJsonObject("error");
      assertThat(error.getString("reason")).isEqualTo("NOT_A_DEVNET");
      assertThat(error.getString("message")).contains("not a local devnet");
      JsonObject snapshot = getJson(s, "/api/network");
      assertThat(snapshot.getValue("devnet")).isNull();
      assertThat(part(snapshot, "ks-1").getBoolean("stoppable")).isFalse();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject part(JsonObject snapshot, String name) {
    for (Object o : snapshot.getJsonArray("parts")) {
      if (((JsonObject) o).getString("name").equals(name)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no part " + name + " in " + snapshot.encode());
  }

  /** The snapshots of an event stream, parsed on a thread of their own as they come. */
  private static BlockingQueue<JsonObject> snapshots(Stream<String> lines) {
    BlockingQueue<JsonObject> got = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      String event = null;
      try {
        for (String line : (Iterable<String>) lines::iterator) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && "snapshot".equals(event)) {
            got.add(new JsonObject(line.substring(6)));
          }
        }
      } catch (RuntimeException e) {
        // the stream was closed by the test
      }
    }, "sse-reader");
    t.setDaemon(true);
    t.start();
    return got;
  }

  private static JsonObject next(BlockingQueue<JsonObject> got) throws InterruptedException {
    JsonObject s = got.poll(SHOWS_WITHIN.toSeconds(), TimeUnit.SECONDS);
    assertThat(s).as("a snapshot within %s", SHOWS_WITHIN).isNotNull();
    return s;
  }

  private static void await(BlockingQueue<JsonObject> got, Predicate<JsonObject> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + SHOWS_WITHIN.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      JsonObject s = got.poll(1, TimeUnit.SECONDS);
      if (s != null) {
        last = s;
        if (wanted.test(s)) {
          return;
        }
      }
    }
    throw new AssertionError("no such snapshot within " + SHOWS_WITHIN + "; the last: "
        + (last == null ? "none" : last.encode()));
  }

  /** The network's event stream as the page opens it: 200, {@code text/event-stream}, line by line. */
  static Stream<String> events(ConsoleHttp http) throws Exception {
    HttpResponse<Stream<String>> r = http.lines("/api/network/events");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
        .startsWith("text/event-stream"));
    return r.body();
  }

  /** A GET that must answer 200 with a JSON object. */
  static JsonObject getJson(ConsoleHttp http, String path) throws Exception {
    ConsoleHttp.Answer r = http.get(path);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }
}
