package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.common.browser.HeadlessChromium;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The viewer page in one headless Chromium, driven two ways: through its own UI (a token pasted,
 * Open clicked, the page's {@code data-*} attributes waited on), and through the SDK it is served
 * with, imported from {@code /cachet.js} in the page and run by {@code executeAsyncScript}, which
 * hashes the plaintext stream slice by slice as it arrives and keeps none of it.
 */
final class ViewerPage implements AutoCloseable {
  /** The plaintext is compared in slices of this size: SHA-256 of each, so a difference says where. */
  static final int SLICE_BYTES = 1 << 20;
  /** The states after an open. */
  static final List<String> ENDED = List.of("opened", "refused", "failed");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Opens a blob with the SDK in the page and digests its plaintext. Arguments: the network
   * descriptor as JSON text (null: the page's own /network.json), the blob id, the range
   * ([start, end) or null), the slice size. Answers JSON: ok, bytes (plaintext bytes that reached
   * the page, also before a failure), digests (hex SHA-256 per slice), plaintextLength, and on
   * failure the error's code, name, message and outcomes; heapPeak is the largest
   * performance.memory.usedJSHeapSize seen while reading.
   */
  private static final String OPEN_IN_PAGE = """
      const [networkJson, blobId, range, sliceBytes] = arguments;
      const answer = arguments[arguments.length - 1];
      const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
      const heap = () => (performance.memory ? performance.memory.usedJSHeapSize : 0);
      (async () => {
        const sdk = await import(new URL('/cachet.js', location.href).href);
        const descriptor = networkJson ? JSON.parse(networkJson)
            : await (await fetch('/network.json', { cache: 'no-store' })).json();
        const network = sdk.Network.fromDescriptor(descriptor);
        const identity = await sdk.BrowserIdentity.loadOrCreate('default');
        const result = { ok: false, bytes: 0, digests: [], plaintextLength: null, heapPeak: heap() };
        const slice = new Uint8Array(sliceBytes);
        let filled = 0;
        const flush = async () => {
          if (filled > 0) result.digests.push(hex(await crypto.subtle.digest('SHA-256', slice.subarray(0, filled))));
          filled = 0;
        };
        try {
          const options = { network, blobId, identity };
          if (range) options.range = { start: range[0], end: range[1] };
          const opened = await sdk.openBlob(options);
          result.plaintextLength = opened.plaintextLength;
          const reader = opened.stream.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (let at = 0; at < value.length;) {
              const take = Math.min(sliceBytes - filled, value.length - at);
              slice.set(value.subarray(at, at + take), filled);
              filled += take;
              at += take;
              result.bytes += take;
              if (filled === sliceBytes) await flush();
            }
            result.heapPeak = Math.max(result.heapPeak, heap());
          }
          await flush();
          result.ok = true;
        } catch (e) {
          result.code = e && e.code ? e.code : null;
          result.name = e && e.name ? e.name : null;
          result.message = String(e && e.message ? e.message : e);
          result.outcomes = e && e.outcomes ? JSON.parse(JSON.stringify(e.outcomes)) : null;
        }
        answer(JSON.stringify(result));
      })().catch((e) => answer(JSON.stringify({ ok: false, harness: String(e && e.stack ? e.stack : e) })));
      """;

  private final HeadlessChromium browser;
  private final URI viewer;

  private ViewerPage(HeadlessChromium browser, URI viewer) {
    this.browser = browser;
    this.viewer = viewer;
  }

  /** A browser with its own profile under {@code dir}, on the viewer page once it is ready. */
  static ViewerPage start(Path dir, URI viewer) throws IOException {
    HeadlessChromium browser = HeadlessChromium.start(dir.resolve("profile"), dir.resolve("downloads"),
        "--enable-precise-memory-info");
    ViewerPage page = new ViewerPage(browser, viewer);
    try {
      page.load();
    } catch (RuntimeException | AssertionError e) {
      browser.close();
      throw e;
    }
    return page;
  }

  HeadlessChromium browser() {
    return browser;
  }

  /**
   * Lifts the page's Content-Security-Policy for this session (DevTools' {@code Page.setBypassCSP})
   * and loads the page again: the devnet's page may connect only to the devnet's own servers, and a
   * test that serves altered bytes from a server of its own needs the page to reach it.
   */
  void bypassContentSecurityPolicy() {
    browser.driver().executeCdpCommand("Page.setBypassCSP", Map.of("enabled", true));
    load();
  }

  /** Loads the page afresh and waits until its network and identity are loaded. */
  void load() {
    browser.driver().get(viewer.toString());
    browser.waitAttributeIn(By.id("viewer"), "data-ready", List.of("true"), HeadlessChromium.PAGE_WAIT);
  }

  /** This browser's address, as the page shows it to be granted. */
  String address() {
    String address = browser.waitPresent(By.id("identity-address"), HeadlessChromium.PAGE_WAIT).getDomAttribute("data-address");
    assertThat(address).startsWith("0x").hasSize(66);
    return address;
  }

  /** Pastes {@code token}, ticks the trust box if asked, clicks Open; the state it ends in. */
  String openThroughUi(String token, boolean trustTokenNetwork) {
    load();
    browser.driver().executeScript("document.getElementById('token').value = arguments[0];", token);
    WebElement trust = browser.driver().findElement(By.id("trust-network"));
    if (trust.isSelected() != trustTokenNetwork) {
      trust.click();
    }
    browser.click(By.id("open"));
    return browser.waitAttributeIn(By.id("viewer"), "data-state", ENDED, HeadlessChromium.NETWORK_WAIT);
  }

  /** An attribute of the page's main element ({@code data-reason}, {@code data-bytes}, ...). */
  String main(String attribute) {
    return browser.driver().findElement(By.id("viewer")).getDomAttribute(attribute);
  }

  /** The key servers' outcomes the page lists: server, kind and reason of each. */
  List<Outcome> outcomes() {
    List<Outcome> out = new ArrayList<>();
    for (WebElement li : browser.driver().findElements(By.cssSelector("#outcomes li.outcome"))) {
      out.add(new Outcome(li.getDomAttribute("data-server"), li.getDomAttribute("data-kind"),
          li.getDomAttribute("data-reason"), li.getText()));
    }
    return out;
  }

  record Outcome(String server, String kind, String reason, String line) {}

  /** The text of an element, once it is present. */
  String text(String id) {
    return browser.waitPresent(By.id(id), HeadlessChromium.PAGE_WAIT).getText();
  }

  /** Everything the page shows, for a failure's message. */
  String pageText() {
    return browser.driver().findElement(By.tagName("body")).getText();
  }

  /** Clicks the page's download link and returns the saved file. */
  Path download() throws IOException {
    List<Path> before = browser.downloaded();
    browser.click(By.id("download"));
    return browser.waitDownload(before, HeadlessChromium.NETWORK_WAIT);
  }

  /**
   * Opens {@code blobId} with the SDK in the page, on {@code network} (JSON text; null: the page's
   * own), the whole plaintext or {@code range} = {start, end}, waiting at most {@code limit}.
   */
  InPage openInPage(String network, String blobId, long[] range, Duration limit) throws IOException {
    browser.driver().manage().timeouts().scriptTimeout(limit);
    Object[] args = {network, blobId, range == null ? null : List.of(range[0], range[1]), SLICE_BYTES};
    Object answer = browser.driver().executeAsyncScript(OPEN_IN_PAGE, args);
    JsonNode r = JSON.readTree(String.valueOf(answer));
    assertThat(r.has("harness")).as("the in-page harness failed: %s", r.path("harness").asText()).isFalse();
    List<String> digests = new ArrayList<>();
    r.path("digests").forEach(d -> digests.add(d.asText()));
    return new InPage(r.path("ok").asBoolean(), r.path("bytes").asLong(), digests,
        r.path("plaintextLength").isNumber() ? r.path("plaintextLength").asLong() : -1,
        r.path("code").asText(null), r.path("name").asText(null), r.path("message").asText(null),
        r.path("outcomes"), r.path("heapPeak").asLong());
  }

  /** What an open in the page came to. {@code bytes} counts plaintext that reached the page, also before a failure. */
  record InPage(boolean ok, long bytes, List<String> digests, long plaintextLength, String code, String name,
      String message, JsonNode outcomes, long heapPeak) {
    @Override
    public String toString() {
      return ok ? "opened " + bytes + " bytes" : "failed " + code + " (" + name + "): " + message + " outcomes " + outcomes
          + " after " + bytes + " bytes";
    }
  }

  /** SHA-256 of each {@link #SLICE_BYTES} slice of {@code data[from, to)}, as the page computes it. */
  static List<String> sliceDigests(byte[] data, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int at = from; at < to; at += SLICE_BYTES) {
      MessageDigest sha = sha256();
      sha.update(data, at, Math.min(SLICE_BYTES, to - at));
      out.add(HexFormat.of().formatHex(sha.digest()));
    }
    return out;
  }

  /** The same for a stream read to its end. */
  static List<String> sliceDigests(InputStream in) throws IOException {
    List<String> out = new ArrayList<>();
    byte[] slice = new byte[SLICE_BYTES];
    for (;;) {
      int n = in.readNBytes(slice, 0, SLICE_BYTES);
      if (n == 0) {
        return out;
      }
      MessageDigest sha = sha256();
      sha.update(slice, 0, n);
      out.add(HexFormat.of().formatHex(sha.digest()));
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Scripts that failed or content the CSP blocked, as the page's console log tells them. */
  List<String> problems() {
    return browser.problems();
  }

  @Override
  public void close() {
    browser.close();
  }
}
