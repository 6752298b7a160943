package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.browser.HeadlessChromium;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Another site, in the browser that holds the console's session, tries to act on it. The other
 * site is a real small Vert.x server on another port of 127.0.0.1: another origin, but the same
 * site, so the browser does send the console's SameSite=Strict cookie with its requests, and only
 * the console's CSRF token and Origin check stand in the way. It auto-submits forms (text/plain,
 * which can carry a JSON body, and urlencoded) and calls {@code fetch} with credentials; the
 * console refuses every change ({@code 403 CSRF}), nothing is changed (read back through
 * {@link ConsoleHttp}), and no answer can be read by the other page (no CORS). The console's own
 * page loads with no CSP violation and no script error.
 */
class ConsoleHostileBrowserTest {
  /** The contact the other site tries to add. */
  private static final String BODY_NAME = "mallory";
  /** Another site's name, resolved by the browser to 127.0.0.1 (DNS rebinding). */
  private static final String REBOUND = "rebound.example";

  @TempDir static Path dir;
  static ConsoleServer console;
  static ConsoleHttp own;
  static HeadlessChromium browser;
  static Vertx vertx;
  static HttpServer evil;
  static String addressAfterLink;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.assumeAvailable();
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    console = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()));
    // a name of another site that resolves to this machine, as DNS rebinding makes one
    browser = HeadlessChromium.start(dir.resolve("profile"), dir.resolve("downloads"),
        "--host-resolver-rules=MAP " + REBOUND + " 127.0.0.1");
    browser.openConsole(console.link());
    addressAfterLink = browser.driver().getCurrentUrl();
    // the link is spent: the test reads back through the browser's own session
    own = ConsoleHttp.withSession(console, browser.cookie(ConsoleHttp.sessionCookieName(console)), browser.csrf());
    vertx = Vertx.vertx();
    evil = vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("content-type", "text/html; charset=utf-8")
        .end(evilPage(req.path(), console.origin()))).listen(0, ConsoleServer.HOST)
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (console != null) {
      console.close();
    }
  }

  /** The other site's pages: each acts on the console as soon as it loads. */
  private static String evilPage(String path, String target) {
    String json = "{\"name\":\"" + BODY_NAME + "\",\"address\":\"0x1111111111111111111111111111111111111111\",\"x\":\"";
    return switch (path) {
      // text/plain sends "NAME=VALUE" as is: the name's text makes the body valid JSON
      case "/form-plain" -> "<!doctype html><html><body><form id=f method=post enctype=text/plain action=\""
          + target + "/api/contacts\"><input type=hidden name='" + json.replace("'", "&#39;")
          + "' value='\"}'></form><script>document.getElementById('f').submit()</script></body></html>";
      case "/form-urlencoded" -> "<!doctype html><html><body><form id=f method=post action=\"" + target
          + "/api/contacts\"><input type=hidden name=name value=" + BODY_NAME
          + "><input type=hidden name=address value=0x1111111111111111111111111111111111111111>"
          + "</form><script>document.getElementById('f').submit()</script></body></html>";
      case "/fetch" -> "<!doctype html><html><body><pre id=out></pre><script>\n"
          + "const out = {};\n"
          + "async function attempt(name, path, init) {\n"
          + "  try {\n"
          + "    const r = await fetch('" + target + "' + path, Object.assign({credentials: 'include'}, init));\n"
          + "    let text = null;\n"
          + "    try { text = await r.text(); } catch (e) { text = null; }\n"
          + "    out[name] = {type: r.type, status: r.status, read: text};\n"
          + "  } catch (e) { out[name] = {blocked: String(e)}; }\n"
          + "}\n"
          + "(async () => {\n"
          + "  await attempt('session', '/api/session', {});\n"
          + "  await attempt('contacts', '/api/contacts', {});\n"
          + "  await attempt('json', '/api/contacts', {method: 'POST', headers: {'Content-Type': 'application/json',"
          + " 'X-Cachet-Csrf': 'guess'}, body: '" + json + "\"}'});\n"
          + "  await attempt('simple', '/api/contacts', {method: 'POST', headers: {'Content-Type': 'text/plain'},"
          + " body: '" + json + "\"}'});\n"
          + "  await attempt('noCors', '/api/contacts', {method: 'POST', mode: 'no-cors', body: '" + json + "\"}'});\n"
          + "  await attempt('delete', '/api/contacts/bob', {method: 'DELETE'});\n"
          + "  document.getElementById('out').textContent = JSON.stringify(out);\n"
          + "  document.body.dataset.done = 'true';\n"
          + "})();\n"
          + "</script></body></html>";
      default -> "<!doctype html><html><body>another site</body></html>";
    };
  }

  private static String evilOrigin() {
    return "http://127.0.0.1:" + evil.actualPort();
  }

  /** What the console holds: its contacts as its API lists them, and the contacts file. */
  private static String state() throws Exception {
    Path contacts = dir.resolve("home").resolve("contacts.json");
    String onDisk = Files.exists(contacts) ? Files.readString(contacts) : "(no file)";
    ConsoleHttp.Answer listed = own.get("/api/contacts");
    return listed.status() + " " + listed.text() + "\n" + onDisk;
  }

  @Test
  void crossSiteForms_areRefusedCsrf_andChangeNothing() throws Exception {
    String before = state();
    for (String page : List.of("/form-plain", "/form-urlencoded")) {
      browser.driver().get(evilOrigin() + page);
      // the form navigates the tab to the console's answer
      new WebDriverWait(browser.driver(), HeadlessChromium.PAGE_WAIT)
          .until(d -> d.getCurrentUrl().startsWith(console.origin() + "/api/contacts"));
      String answer = browser.waitFor(By.tagName("body"), HeadlessChromium.PAGE_WAIT).getText();
      assertThat(answer).as(page).contains("\"reason\":\"CSRF\"").contains("403");
      assertThat(state()).as("after %s", page).isEqualTo(before);
    }
  }

  @Test
  void crossSiteFetch_withCredentials_readsNothing_andChangesNothing() throws Exception {
    String before = state();
    browser.driver().get(evilOrigin() + "/fetch");
    browser.waitAttribute(By.tagName("body"), "data-done", "true", HeadlessChromium.PAGE_WAIT);
    JsonObject out = new JsonObject(
        browser.driver().findElement(By.id("out")).getText());
    for (String name : out.fieldNames()) {
      JsonObject r = out.getJsonObject(name);
      assertThat(r.getString("read")).as("%s: %s", name, r).satisfiesAnyOf(
          t -> assertThat(t).isNull(), t -> assertThat(t).isEmpty());
      assertThat(r.containsKey("blocked") || "opaque".equals(r.getString("type"))).as("%s: %s", name, r).isTrue();
    }
    assertThat(state()).isEqualTo(before);
  }

  /** The control: the same change from the console's own session, with its token, does change the contacts. */
  @Test
  void ownSession_withTheToken_changesTheContacts() throws Exception {
    String before = state();
    ConsoleHttp.Answer added = own.post("/api/contacts", new JsonObject().put("name", "carol")
        .put("address", "0x2222222222222222222222222222222222222222222222222222222222222222"));
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(state()).isNotEqualTo(before).contains("carol");
    assertThat(own.delete("/api/contacts/carol").status()).isEqualTo(200);
    assertThat(state()).doesNotContain("carol");
  }

  @Test
  void link_inTheBrowser_leavesNoTokenInTheAddress_andWorksOnce() throws Exception {
    assertThat(addressAfterLink).as("neither the link's token nor the CSRF token stays in the address")
        .isEqualTo(console.origin() + "/#files");
    browser.driver().get(console.link().toString());
    WebElement refusal = browser.waitFor(By.id("refusal"), HeadlessChromium.PAGE_WAIT);
    assertThat(refusal.getDomAttribute("data-reason")).isEqualTo("BAD_TOKEN");
    // the session the first use opened is still this browser's
    browser.driver().get(console.origin() + "/");
    browser.waitReady();
  }

  /**
   * DNS rebinding: another site's name now resolves to 127.0.0.1, so its page is same-origin with
   * whatever answers at that port and could read it; the console answers it nothing but a refusal.
   */
  @Test
  void reboundName_isRefusedForeignHost_andReadsNothing() throws Exception {
    String rebound = "http://" + REBOUND + ":" + console.port();
    browser.driver().get(rebound + "/");
    WebElement refusal = browser.waitFor(By.id("refusal"), HeadlessChromium.PAGE_WAIT);
    assertThat(refusal.getDomAttribute("data-reason")).isEqualTo("FOREIGN_HOST");
    browser.driver().get(rebound + "/api/session");
    String answer = browser.waitFor(By.tagName("body"), HeadlessChromium.PAGE_WAIT).getText();
    assertThat(answer).contains("FOREIGN_HOST").doesNotContain("csrf").doesNotContain(own.csrf());
    // the page's own scripts are not served there either
    browser.driver().get(rebound + "/api.js");
    assertThat(browser.waitFor(By.tagName("body"), HeadlessChromium.PAGE_WAIT).getText()).doesNotContain("export");
  }

  @Test
  void consolePage_loads_withNoCspViolationOrScriptError() throws Exception {
    browser.driver().get(console.origin() + "/");
    browser.waitReady();
    assertThat(browser.driver().findElement(By.id("page")).getText()).isNotBlank();
    assertThat(browser.problems()).isEmpty();
  }
}
