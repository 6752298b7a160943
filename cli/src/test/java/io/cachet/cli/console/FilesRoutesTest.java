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
import java.net.URLEncoder;
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
  static ConsoleHttp http;
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
    http = ConsoleHttp.open(console);
    cookie = http.cookie();
    csrf = http.csrf();
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

  /** Uploads {@code body} to the shared policy as {@code as}, with or without the page's CSRF token. */
  static ConsoleHttp.Answer upload(byte[] body, String as, String name, boolean withCsrf) throws Exception {
    String path = "/api/files?policy=" + policy + "&as=" + as + "&name=" + enc(name);
    return withCsrf ? http.upload(path, body) : http.uploadWithoutCsrf(path, body);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Uploads {@code data} as alice and returns its blob id. */
  static String uploaded(byte[] data, String name) throws Exception {
    ConsoleHttp.Answer put = upload(data, "alice", name, true);
    assertThat(put.status()).as(put.text()).isEqualTo(200);
    JsonObject answer = new JsonObject(put.text());
    assertThat(answer.getLong("size")).isEqualTo(data.length);
    return answer.getString("blobId");
  }

  @Test
  void upload_thenDownload_byteForByte_andTheIndexListsIt() throws Exception {
    byte[] data = random(300 * 1024 + 17, 1);
    String blob = uploaded(data, "-o report 2026.bin");

    JsonArray listed = new JsonArray(http.get("/api/files").text());
    assertThat(listed.stream().map(o -> (JsonObject) o).filter(o -> blob.equals(o.getString("blobId"))))
        .singleElement().satisfies(o -> assertThat(o.getString("name")).isEqualTo("-o report 2026.bin"));
    JsonObject info = new JsonObject(http.get("/api/files/" + blob).text());
    assertThat(info.encode()).contains(policy);

    ConsoleHttp.Answer got = http.get("/api/files/" + blob + "/content?as=alice&csrf=" + enc(csrf));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.firstValue("content-type")).hasValue("application/octet-stream");
    assertThat(got.firstValue("content-disposition").orElseThrow())
        .startsWith("attachment;").contains("filename*=UTF-8''-o%20report%202026.bin");
    assertThat(got.body()).isEqualTo(data);
  }

  @Test
  void shareToken_opensAsAnotherGrantedIdentity() throws Exception {
    byte[] data = random(70_000, 2);
    String blob = uploaded(data, "for-bob.bin");
    ConsoleHttp.Answer share = http.get("/api/files/" + blob + "/share");
    assertThat(share.status()).as(share.text()).isEqualTo(200);
    String token = new JsonObject(share.text()).getString("token");
    assertThat(token).startsWith("cachet1.");

    ConsoleHttp.Answer got = http.get("/api/tokens/content?token=" + enc(token) + "&as=bob&csrf=" + enc(csrf));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.firstValue("content-disposition").orElseThrow()).contains("for-bob.bin");
    assertThat(got.body()).isEqualTo(data);
  }

  @Test
  void download_notAMember_is403WithEachKeyServersOutcome() throws Exception {
    String blob = uploaded(random(1000, 3), "secret.bin");
    ConsoleHttp.Answer got = http.get("/api/files/" + blob + "/content?as=carol&csrf=" + enc(csrf));
    assertThat(got.status()).isEqualTo(403);
    assertThat(got.firstValue("content-disposition")).isEmpty();
    JsonObject e = got.error();
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
    ConsoleHttp.Answer got = http.send("GET", "/api/files/" + blob + "/content?as=alice", Map.of(), null);
    assertThat(got.status()).isEqualTo(403);
    assertThat(got.error().getString("reason")).isEqualTo("CSRF");
  }

  @Test
  void upload_withoutCsrf_isRefusedAndRecordsNothing() throws Exception {
    int before = indexed();
    ConsoleHttp.Answer put = upload(random(1000, 5), "alice", "nocsrf.bin", false);
    assertThat(put.status()).isEqualTo(403);
    assertThat(put.error().getString("reason")).isEqualTo("CSRF");
    assertThat(indexed()).isEqualTo(before);
  }

  @Test
  void upload_asLockedIdentity_isRefusedWithLockedIdentity() throws Exception {
    ConsoleHttp.Answer put = upload(random(1000, 6), "dave", "locked.bin", true);
    assertThat(put.status()).isEqualTo(409);
    assertThat(put.error().getString("reason")).isEqualTo("LOCKED_IDENTITY");
  }

  @Test
  void upload_unknownPolicy_answersThePutsRefusal() throws Exception {
    ConsoleHttp.Answer put = http.upload("/api/files?policy=0x" + "ab".repeat(32) + "&as=alice&name=u.bin",
        new byte[5000]);
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.error().getString("reason")).isEqualTo("UNKNOWN_POLICY");
  }

  @Test
  void upload_policyThatIsNotAnId_isRefusedBadArgumentBeforeAnyCommandRuns() throws Exception {
    for (String notAnId : List.of("latest", "%40%2Fetc%2Fpasswd", "0xzz")) {
      ConsoleHttp.Answer put = http.upload("/api/files?policy=" + notAnId + "&as=alice&name=u.bin", new byte[100]);
      assertThat(put.status()).as(notAnId).isEqualTo(400);
      assertThat(put.error().getString("reason")).as(notAnId).isEqualTo("BAD_ARGUMENT");
    }
  }

  @Test
  void upload_refusedWhileTheBrowserStillSends_answersTheRefusal() throws Exception {
    ConsoleHttp.Answer put = http.upload("/api/files?policy=0x" + "cd".repeat(32) + "&as=alice&name=big.bin",
        new byte[6 * RequestBodyStream.HIGH_WATER_BYTES]);
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.error().getString("reason")).isEqualTo("UNKNOWN_POLICY");
    assertThat(http.get("/api/files").status()).isEqualTo(200);
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
    assertThat(http.get("/api/files").text()).doesNotContain("cut.bin");
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
    assertThat(http.get("/api/files").status()).isEqualTo(200);
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
