package io.cachet.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cachet.common.browser.HeadlessChromium;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The known-answer envelope Java committed ({@code crypto/src/test/resources/kat}) opened in a real
 * Chromium by the SDK's own envelope code: WebCrypto's AES-GCM and HKDF, {@code @hpke/core} and
 * {@code shamir-secret-sharing} as the browser runs them, not as node does.
 *
 * <p>The page ({@code test/browser/kat-page.js}, bundled by {@code build-test-page.mjs} into
 * {@code target/test-pages} at process-test-resources) fetches the three KAT files from this
 * test's loopback server, opens the envelope with every pair of key servers (their private keys
 * from {@code keys.json} play the key servers' part), flips one body bit and opens again, and
 * publishes what it found on {@code <body data-*>}. This class does not take the page's verdict
 * alone: it checks the published header against {@code keys.json} and Java's own parse, and the
 * plaintext's SHA-256 against Java's over {@code plaintext.txt}.
 */
class KnownAnswerInChromiumTest {
  /** Every pair of the three key servers the page opens with (kat-open.js's SERVER_PAIRS). */
  private static final String PAIRS_OPENED = "1+2 1+3 2+3 2+1";

  /** The files the page fetches, served from the crypto module's test resources. */
  private static final List<String> KAT_FILES = List.of("envelope-v1.bin", "keys.json", "plaintext.txt");

  private static final Map<String, String> CONTENT_TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "json", "application/json",
      "txt", "text/plain; charset=utf-8",
      "bin", "application/octet-stream");

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private static Path pages;
  private static Path kat;
  private static HttpServer server;
  private static HeadlessChromium chromium;
  private static WebElement body;

  @BeforeAll
  static void openTheKnownAnswerInChromium() throws IOException {
    HeadlessChromium.assumeAvailable();
    Path browser = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    pages = browser.resolve("target/test-pages");
    kat = browser.resolve("../crypto/src/test/resources/kat").normalize();
    if (!Files.isRegularFile(pages.resolve("kat-page.js"))) {
      throw new IllegalStateException(pages.resolve("kat-page.js") + " is missing: Maven builds it at process-test-resources; "
          + "by hand, `cd browser && node test/browser/build-test-page.mjs target/test-pages`");
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", KnownAnswerInChromiumTest::serve);
    server.start();
    chromium = HeadlessChromium.start(dir.resolve("profile"), dir.resolve("downloads"));
    chromium.driver().get("http://127.0.0.1:" + server.getAddress().getPort() + "/kat.html");
    body = chromium.waitPresent(By.cssSelector("body[data-result]"), HeadlessChromium.PAGE_WAIT);
  }

  @AfterAll
  static void stop() {
    if (chromium != null) {
      chromium.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void knownAnswer_opensWithEveryPairOfKeyServers() {
    assertThat(published("result")).isEqualTo("ok");
    assertThat(published("opened")).isEqualTo(PAIRS_OPENED);
  }

  @Test
  void plaintext_isPlaintextTxt_byteForByte() throws Exception {
    byte[] expected = Files.readAllBytes(kat.resolve("plaintext.txt"));
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
    assertThat(published("plaintextSha256")).isEqualTo(sha256);
    assertThat(published("plaintextLength")).isEqualTo(Integer.toString(expected.length));
  }

  @Test
  void header_isTheOneKeysJsonAndJavaRecord() throws Exception {
    JsonNode keys = JSON.readTree(kat.resolve("keys.json").toFile());
    List<String> ids = new ArrayList<>();
    keys.get("keyServers").forEach(s -> ids.add(s.get("id").asText()));
    assertThat(published("ledgerId")).isEqualTo(keys.get("ledgerId").asText());
    assertThat(published("policyId")).isEqualTo(keys.get("policyId").asText());
    assertThat(published("objectId")).isEqualTo(keys.get("objectId").asText());
    assertThat(published("threshold")).isEqualTo(keys.get("threshold").asText());
    assertThat(published("shareCount")).isEqualTo(Integer.toString(ids.size()));
    assertThat(published("keyServerIds")).isEqualTo(String.join(" ", ids));

    EnvelopeHeader java;
    try (var in = Files.newInputStream(kat.resolve("envelope-v1.bin"))) {
      java = EnvelopeHeader.read(in);
    }
    assertThat(published("version")).isEqualTo(Integer.toString(java.formatVersion()));
    assertThat(published("ledgerId")).isEqualTo(java.ledgerId());
    assertThat(published("policyId")).isEqualTo(java.policyId().toString());
    assertThat(published("objectId")).isEqualTo(java.objectId().toString());
    assertThat(published("threshold")).isEqualTo(Integer.toString(java.threshold()));
    assertThat(published("plaintextLength")).isEqualTo(Long.toString(java.plaintextLength()));
    assertThat(published("keyServerIds"))
        .isEqualTo(String.join(" ", java.slots().stream().map(KeyServerSlot::keyServerId).toList()));
  }

  @Test
  void flippedBodyBit_isRefusedBeforeAnyPlaintext() {
    assertThat(published("flippedCode")).isEqualTo("BODY_TAMPERED");
    assertThat(published("flippedReason")).isEqualTo("SEGMENT_AUTH");
    assertThat(published("flippedReleased")).isEqualTo("0");
  }

  @Test
  void page_runsUnderItsContentSecurityPolicy_withoutScriptErrors() {
    assertThat(chromium.problems()).isEmpty();
  }

  /** What the page published as {@code data-NAME} on its body (camelCase in the page's dataset). */
  private static String published(String name) {
    String attribute = "data-" + name.replaceAll("([A-Z])", "-$1").toLowerCase();
    String value = body.getDomAttribute(attribute);
    assertThat(value).as("%s; the page's verdict: %s", attribute, body.getDomAttribute("data-result")).isNotNull();
    return value;
  }

  /** Serves the test page from target/test-pages and the KAT files under /kat/; nothing else. */
  private static void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      Path file = "GET".equals(exchange.getRequestMethod()) ? served(exchange.getRequestURI().getPath()) : null;
      if (file == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] bytes = Files.readAllBytes(file);
      String name = file.getFileName().toString();
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPES.get(name.substring(name.lastIndexOf('.') + 1)));
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** The file a path names, or null: only the page, its script and the three KAT files are served. */
  private static Path served(String path) {
    if (path.equals("/kat.html") || path.equals("/kat-page.js")) {
      return pages.resolve(path.substring(1));
    }
    String name = path.startsWith("/kat/") ? path.substring("/kat/".length()) : "";
    return KAT_FILES.contains(name) ? kat.resolve(name) : null;
  }
}
