package io.cachet.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.TestNetwork;
import io.cachet.common.browser.HeadlessChromium;
import io.cachet.common.http.CorsPolicy;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.examples.subscription.SubscriptionService;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The subscription service's reader page in real headless Chromium, on a network of real servers
 * that let the service's origin in: a subscriber subscribes in the page and reads both articles
 * there, byte for byte; a browser that did not subscribe is refused with each key server's
 * reason; and the service, which served the page, still holds no key.
 */
class SubscriptionReaderBrowserTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final List<String> ENDED = List.of("opened", "refused", "failed");

  @TempDir Path dir;

  @Test
  void subscriberReadsInTheBrowser_strangerIsRefusedWithReasons_serviceHoldsNoKey() throws Exception {
    HeadlessChromium.assumeAvailable();
    int port = freePort();
    String origin = SubscriptionService.origin(port);
    try (TestNetwork net = new TestNetwork(dir.resolve("network"), CorsPolicy.parse(origin))) {
      ClientConfig config = net.config();
      try (SubscriptionService service = SubscriptionService.start(config, Identity.generate(RANDOM),
          Duration.ofDays(1), port)) {
        assertThat(service.origin()).isEqualTo(origin);
        PolicyId policy = PolicyId.parse(call("GET", origin + "/policy", null).getString("policyId"));

        // an author seals two articles on their own machine and registers the blob ids only
        Map<String, String> articles = new LinkedHashMap<>();
        articles.put("Issue 1", "Issue 1: the service sells the subscription, not the key.\n\n"
            + "Readers open articles in their own browser.\n");
        articles.put("Issue 2", "Issue 2 — Grüße, naïve café, 字, 🙂\n\tindented line\n  two spaces, no final newline");
        Map<String, String> blobIds = new LinkedHashMap<>();
        try (CachetClient author = CachetClient.open(config, Identity.generate(RANDOM))) {
          for (Map.Entry<String, String> a : articles.entrySet()) {
            byte[] text = a.getValue().getBytes(StandardCharsets.UTF_8);
            String blobId = author.put(new ByteArrayInputStream(text), text.length, policy, 2).blobId().toString();
            call("POST", origin + "/articles", new JsonObject().put("title", a.getKey()).put("blobId", blobId));
            blobIds.put(a.getKey(), blobId);
          }
        }
        pageIsServedStrictly(origin, config);

        try (HeadlessChromium subscriber = HeadlessChromium.start(dir.resolve("subscriber/profile"),
            dir.resolve("subscriber/downloads"))) {
          String address = load(subscriber, origin);
          subscriber.click(By.id("subscribe"));
          String subscribed = subscriber.waitAttributeIn(By.id("subscription"), "data-state",
              List.of("subscribed", "failed"), HeadlessChromium.NETWORK_WAIT);
          assertThat(subscribed).as(text(subscriber, "subscription")).isEqualTo("subscribed");
          assertThat(Long.parseLong(subscriber.driver().findElement(By.id("subscription")).getDomAttribute(
              "data-height"))).isPositive();

          for (Map.Entry<String, String> a : articles.entrySet()) {
            String state = open(subscriber, blobIds.get(a.getKey()));
            assertThat(state).as(text(subscriber, "article-status")).isEqualTo("opened");
            String shown = text(subscriber, "article-text");
            assertThat(shown).isEqualTo(a.getValue());
            assertThat(shown.getBytes(StandardCharsets.UTF_8)).isEqualTo(a.getValue().getBytes(StandardCharsets.UTF_8));
            assertThat(subscriber.driver().findElements(By.cssSelector("#outcomes li.outcome[data-kind='released']")))
                .hasSizeGreaterThanOrEqualTo(2);
          }
          assertThat(subscriber.problems()).isEmpty();

          try (HeadlessChromium stranger = HeadlessChromium.start(dir.resolve("stranger/profile"),
              dir.resolve("stranger/downloads"))) {
            assertThat(load(stranger, origin)).as("another browser, another identity").isNotEqualTo(address);
            String state = open(stranger, blobIds.get("Issue 1"));
            assertThat(state).as(text(stranger, "article-status")).isEqualTo("refused");
            WebElement article = stranger.driver().findElement(By.id("article"));
            assertThat(article.getDomAttribute("data-reason")).isEqualTo("ACCESS_REFUSED");
            List<WebElement> denied = stranger.driver()
                .findElements(By.cssSelector("#outcomes li.outcome[data-kind='denied']"));
            assertThat(denied).hasSizeGreaterThanOrEqualTo(2);
            for (WebElement d : denied) {
              assertThat(d.getDomAttribute("data-reason")).isEqualTo("NOT_A_MEMBER");
              assertThat(d.getText()).startsWith(d.getDomAttribute("data-server") + ": denied NOT_A_MEMBER");
            }
            assertThat(text(stranger, "article-text")).isEmpty();
            assertThat(text(stranger, "article-status")).contains("press Subscribe");
            assertThat(stranger.problems()).isEmpty();
          }
        }
        assertThat(service.keysHeld()).isZero();
      }
    }
  }

  /** The page, its script, its SDK and its descriptor, each with the strict headers. */
  private static void pageIsServedStrictly(String origin, ClientConfig config) throws Exception {
    for (String path : List.of("/", "/reader.js", "/reader.css", "/cachet.js", "/network.json")) {
      HttpResponse<String> r = raw("GET", origin + path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      String csp = r.headers().firstValue("content-security-policy").orElse("");
      assertThat(csp).as(path).contains("script-src 'self'").contains("default-src 'none'")
          .doesNotContain("unsafe-inline").contains(config.aggregator().toString().replaceAll("/$", ""));
      for (ClientConfig.KeyServer k : config.keyServers()) {
        assertThat(csp).contains(k.url().toString().replaceAll("/$", ""));
      }
      assertThat(r.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
    }
    assertThat(ClientConfig.parse(raw("GET", origin + "/network.json", null).body()).toJson()).isEqualTo(config.toJson());
    assertThat(raw("GET", origin + "/", null).body()).doesNotContain("<script>").doesNotContain("style=");
  }

  /** Opens the reader page, waits until it is ready, and answers the browser's address. */
  private static String load(HeadlessChromium browser, String origin) {
    browser.driver().get(origin + "/");
    browser.waitAttribute(By.id("reader"), "data-ready", "true", HeadlessChromium.PAGE_WAIT);
    String address = browser.driver().findElement(By.id("address")).getDomAttribute("data-address");
    assertThat(address).matches("0x[0-9a-f]{64}");
    return address;
  }

  /** Clicks an article and waits until it is opened, refused or failed; answers which. */
  private static String open(HeadlessChromium browser, String blobId) {
    browser.click(By.cssSelector("#articles button.article[data-blob-id='" + blobId + "']"));
    browser.waitAttribute(By.id("article"), "data-blob-id", blobId, HeadlessChromium.PAGE_WAIT);
    return browser.waitAttributeIn(By.id("article"), "data-state", ENDED, HeadlessChromium.NETWORK_WAIT);
  }

  /** An element's text exactly as the DOM holds it (WebDriver's getText would fold its white space). */
  private static String text(HeadlessChromium browser, String id) {
    return (String) browser.script("return document.getElementById(arguments[0]).textContent;", id);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static JsonObject call(String method, String url, JsonObject body) throws Exception {
    HttpResponse<String> r = raw(method, url, body == null ? null : body.encode());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return new JsonObject(r.body());
  }

  private static HttpResponse<String> raw(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
