package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.blob.BlobIndex;
import io.cachet.cli.devnet.Devnet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files routes over real HTTP, as the page uses them, against a real console and a devnet of
 * real servers: an upload streamed into {@code put -} and downloaded byte for byte, the index, a
 * share token opened by another granted identity, a refusal with each key server's outcome, and
 * the hostile cases (a cut upload, no CSRF token, a locked identity).
 */
class FilesRoutesTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path home;
  static Devnet devnet;
  static Path pass;
  static ConsoleServer console;
  static HttpClient http;
  static String cookie;
  static String csrf;
  static String policy;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    for (String who : List.of("alice", "bob", "carol", "dave")) {
      TestIdentities.ed25519(home, who, pass);
    }
    policy = cli("alice", "policy", "create").trim();
    cli("alice", "policy", "grant", policy, "alice");
    cli("alice", "policy", "grant", policy, "bob");
    console = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()));
    for (String who : List.of("alice", "bob", "carol")) {
      char[] p = "a passphrase for the test".toCharArray();
      console.held().add(who, Files.readAllBytes(home.resolve("ids").resolve(who + ".json")), p, Duration.ofHours(1));
    }
    http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(WAIT).build();
    HttpResponse<String> link = http.send(HttpRequest.newBuilder(console.link()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(link.statusCode()).isEqualTo(303);
    cookie = link.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
    csrf = ConsoleHttp.csrfOf(link.headers().firstValue("location").orElseThrow());
  }

  @AfterAll
  static void stop() {
    if (console != null) {
      console.close();
    }
    devnet.close();
  }

  /** {@code cachet ARGS --as WHO}, as a person types it; fails the test unless it exits 0. */
  static String cli(String who, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--as", who, "--passphrase-file", pass.toString(), "--home", home.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    assertThat(exit).as("cachet %s: %s", all, err).isEqualTo(ExitCodes.OK);
    return out.toString();
  }

  /** A request as the page makes it: the session cookie and the CSRF token. */
  static HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = withoutCsrf(path);
    return csrf == null ? b : b.header(ConsoleGate.CSRF_HEADER, csrf);
  }

  /** A request with the session cookie only, as another page's would be. */
  static HttpRequest.Builder withoutCsrf(String path) {
    return HttpRequest.newBuilder(URI.create(console.origin() + path)).timeout(WAIT).header("Cookie", cookie);
  }

  static HttpResponse<String> getText(String path) throws Exception {
    return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<byte[]> getBytes(String path) throws Exception {
    return http.send(request(path).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<String> upload(byte[] body, String as, String name, boolean withCsrf) throws Exception {
    String path = "/api/files?policy=" + policy + "&as=" + as + "&name=" + enc(name);
    HttpRequest.Builder b = (withCsrf ? request(path) : withoutCsrf(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static JsonObject error(HttpResponse<?> r) {
    Object body = r.body() instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : r.body();
    return new JsonObject((String) body).getJsonObject("error");
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Uploads {@code data} as alice and returns its blob id. */
  static String uploaded(byte[] data, String name) throws Exception {
    HttpResponse<String> put = upload(data, "alice", name, true);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonObject answer = new JsonObject(put.body());
    assertThat(answer.getLong("size")).isEqualTo(data.length);
    return answer.getString("blobId");
  }

  @Test
  void upload_thenDownload_byteForByte_andTheIndexListsIt() throws Exception {
    byte[] data = random(300 * 1024 + 17, 1);
    String blob = uploaded(data, "-o report 2026.bin");

    JsonArray listed = new JsonArray(getText("/api/files").body());
    assertThat(listed.stream().map(o -> (JsonObject) o).filter(o -> blob.equals(o.getString("blobId"))))
        .singleElement().satisfies(o -> assertThat(o.getString("name")).isEqualTo("-o report 2026.bin"));
    JsonObject info = new JsonObject(getText("/api/files/" + blob).body());
    assertThat(info.encode()).contains(policy);

    HttpResponse<byte[]> got = getBytes("/api/files/" + blob + "/content?as=alice&csrf=" + enc(csrf));
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.headers().firstValue("content-type")).hasValue("application/octet-stream");
    assertThat(got.headers().firstValue("content-disposition").orElseThrow())
        .startsWith("attachment;").contains("filename*=UTF-8''-o%20report%202026.bin");
    assertThat(got.body()).isEqualTo(data);
  }

  @Test
  void shareToken_opensAsAnotherGrantedIdentity() throws Exception {
    byte[] data = random(70_000, 2);
    String blob = uploaded(data, "for-bob.bin");
    HttpResponse<String> share = getText("/api/files/" + blob + "/share");
    assertThat(share.statusCode()).as(share.body()).isEqualTo(200);
    String token = new JsonObject(share.body()).getString("token");
    assertThat(token).startsWith("cachet1.");

    HttpResponse<byte[]> got = getBytes("/api/tokens/content?token=" + enc(token) + "&as=bob&csrf=" + enc(csrf));
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.headers().firstValue("content-disposition").orElseThrow()).contains("for-bob.bin");
    assertThat(got.body()).isEqualTo(data);
  }

  @Test
  void download_notAMember_is403WithEachKeyServersOutcome() throws Exception {
    String blob = uploaded(random(1000, 3), "secret.bin");
    HttpResponse<byte[]> got = getBytes("/api/files/" + blob + "/content?as=carol&csrf=" + enc(csrf));
    assertThat(got.statusCode()).isEqualTo(403);
    assertThat(got.headers().firstValue("content-disposition")).isEmpty();
    JsonObject e = error(got);
    assertThat(e.getString("reason")).isEqualTo("NOT_A_MEMBER");
    assertThat(e.getJsonArray("details").getJsonObject(0).getString("reason")).isEqualTo("NOT_A_MEMBER");
    assertThat(e.getString("message")).contains("refused");
    assertThat(e.getString("hint")).contains("grant");
    assertThat(e.getJsonArray("servers")).isNotEmpty();
    assertThat(e.getJsonArray("servers").encode()).contains("ks-1").contains("NOT_A_MEMBER");
  }

  @Test
  void download_withoutCsrf_isRefused() throws Exception {
    String blob = uploaded(random(100, 4), "x.bin");
    HttpResponse<byte[]> got = http.send(withoutCsrf("/api/files/" + blob + "/content?as=alice").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(got.statusCode()).isEqualTo(403);
    assertThat(error(got).getString("reason")).isEqualTo("CSRF");
  }

  @Test
  void upload_withoutCsrf_isRefusedAndRecordsNothing() throws Exception {
    int before = indexed();
    HttpResponse<String> put = upload(random(1000, 5), "alice", "nocsrf.bin", false);
    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(error(put).getString("reason")).isEqualTo("CSRF");
    assertThat(indexed()).isEqualTo(before);
  }

  @Test
  void upload_asLockedIdentity_isRefusedWithLockedIdentity() throws Exception {
    HttpResponse<String> put = upload(random(1000, 6), "dave", "locked.bin", true);
    assertThat(put.statusCode()).isEqualTo(409);
    assertThat(error(put).getString("reason")).isEqualTo("LOCKED_IDENTITY");
  }

  @Test
  void upload_unknownPolicy_answersThePutsRefusal() throws Exception {
    HttpResponse<String> put = http.send(request("/api/files?policy=0x" + "ab".repeat(32) + "&as=alice&name=u.bin")
        .header(ConsoleGate.CSRF_HEADER, csrf).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(error(put).getString("reason")).isEqualTo("UNKNOWN_POLICY");
  }

  @Test
  void upload_policyThatIsNotAnId_isRefusedBadArgumentBeforeAnyCommandRuns() throws Exception {
    for (String policy : java.util.List.of("latest", "%40%2Fetc%2Fpasswd", "0xzz")) {
      HttpResponse<String> put = http.send(request("/api/files?policy=" + policy + "&as=alice&name=u.bin")
          .header(ConsoleGate.CSRF_HEADER, csrf).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(policy).isEqualTo(400);
      assertThat(error(put).getString("reason")).as(policy).isEqualTo("BAD_ARGUMENT");
    }
  }

  @Test
  void upload_refusedWhileTheBrowserStillSends_answersTheRefusal() throws Exception {
    HttpResponse<String> put = http.send(request("/api/files?policy=0x" + "cd".repeat(32) + "&as=alice&name=big.bin")
        .header(ConsoleGate.CSRF_HEADER, csrf)
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[6 * RequestBodyStream.HIGH_WATER_BYTES])).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(error(put).getString("reason")).isEqualTo("UNKNOWN_POLICY");
    assertThat(getText("/api/files").statusCode()).isEqualTo(200);
  }

  @Test
  void upload_cutShortMidBody_recordsNothingAndFreesItsThreads() throws Exception {
    int before = indexed();
    String head = "POST /api/files?policy=" + policy + "&as=alice&name=cut.bin HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + console.port() + "\r\n"
        + "Cookie: " + cookie + "\r\n"
        + ConsoleGate.CSRF_HEADER + ": " + csrf + "\r\n"
        + "Content-Type: application/octet-stream\r\n"
        + "Content-Length: 400000\r\n\r\n";
    try (Socket s = new Socket("127.0.0.1", console.port())) {
      OutputStream o = s.getOutputStream();
      o.write(head.getBytes(StandardCharsets.US_ASCII));
      o.write(random(150_000, 7));
      o.flush();
      // the put is under way and waits for the rest of the body
      awaitThreads(true);
    }
    awaitThreads(false);
    assertThat(indexed()).isEqualTo(before);
    assertThat(getText("/api/files").body()).doesNotContain("cut.bin");
  }

  @Test
  void download_browserGoesAwayMidBody_freesItsThread() throws Exception {
    String blob = uploaded(random(2 * 1024 * 1024, 8), "big.bin");
    String head = "GET /api/files/" + blob + "/content?as=alice&csrf=" + enc(csrf) + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + console.port() + "\r\n"
        + "Cookie: " + cookie + "\r\n\r\n";
    try (Socket s = new Socket("127.0.0.1", console.port())) {
      s.setReceiveBufferSize(4096);
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      byte[] first = s.getInputStream().readNBytes(12);
      assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
    }
    awaitNoThreadIn(ResponseSink.class);
    // the console still answers
    assertThat(getText("/api/files").statusCode()).isEqualTo(200);
  }

  /** Waits until some thread reads an upload's body ({@code reading}), or none does. */
  private static void awaitThreads(boolean reading) throws InterruptedException {
    if (!reading) {
      awaitNoThreadIn(RequestBodyStream.class);
      return;
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!threadIn(RequestBodyStream.class)) {
      assertThat(System.nanoTime()).as("a thread reading the upload").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void awaitNoThreadIn(Class<?> type) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (threadIn(type)) {
      assertThat(System.nanoTime()).as("a thread still in %s", type.getSimpleName()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static boolean threadIn(Class<?> type) {
    return Thread.getAllStackTraces().values().stream().anyMatch(frames -> Arrays.stream(frames)
        .anyMatch(f -> f.getClassName().equals(type.getName())));
  }

  private static int indexed() throws Exception {
    return new BlobIndex(home).list().entries().size();
  }
}
