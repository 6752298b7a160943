package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.common.browser.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The story, clicked through in two real browsers with no terminal step a person would
 * need: a devnet ({@code cachet devnet up}, its daemon a process of its own), Alice's console on
 * her home and Bob's on his, pointed at Alice's devnet. Both make their identities on the
 * Identities page; Alice adds Bob as a contact, makes an allow-list, grants herself and Bob a
 * window, uploads a file, and shares it; Bob opens the token and gets the same bytes; Alice revokes
 * him and his next try shows the refusal, with its reason and each key server's line, and saves
 * nothing; Alice stops a storage node and a key server from the Network page and still downloads
 * her file, then starts them again. Every wait is on the page's {@code data-*} attributes (see the
 * console's id contract); nothing sleeps a fixed time.
 *
 * <p>Screenshots of each page are saved to {@code docs/console/} when the system property
 * {@value #SCREENSHOTS} is {@code docs}, else to {@code cli/target/console-screenshots/}.
 */
class ConsoleStoryTest {
  /** The system property that sends the screenshots to docs/console/ (value "docs"). */
  static final String SCREENSHOTS = "cachet.screenshots";
  /** The size of the file the story uploads: a few hundred KiB, several stripes of the devnet's shards. */
  static final int FILE_BYTES = 300 * 1024 + 17;

  @TempDir static Path dir;
  static Path aliceHome;
  static Path bobHome;
  static boolean devnetUp;
  static ConsoleServer aliceConsole;
  static ConsoleServer bobConsole;
  static HeadlessChromium alice;
  static HeadlessChromium bob;

  @BeforeAll
  static void start() throws Exception {
    HeadlessChromium.assumeAvailable();
    aliceHome = dir.resolve("alice-home");
    bobHome = dir.resolve("bob-home");
    Files.createDirectories(aliceHome);
    Files.createDirectories(bobHome);
    CommandRun up = CommandRun.of("devnet", "up", "--home", aliceHome.toString(), "--json");
    devnetUp = true;
    assertThat(up.exit()).as(up.err()).isEqualTo(ExitCodes.OK);
    Path descriptor = aliceHome.resolve("devnet").resolve("cachet-network.json");
    assertThat(descriptor).exists();
    Map<String, String> env = Map.copyOf(System.getenv());
    aliceConsole = ConsoleServer.start(new ConsoleServer.Options(aliceHome, null, 0, env));
    bobConsole = ConsoleServer.start(new ConsoleServer.Options(bobHome, descriptor, 0, env));
    alice = HeadlessChromium.start(dir.resolve("alice-profile"), dir.resolve("alice-downloads"));
    bob = HeadlessChromium.start(dir.resolve("bob-profile"), dir.resolve("bob-downloads"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {alice, bob, aliceConsole, bobConsole}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the next one is closed anyway
      }
    }
    if (devnetUp) {
      CommandRun down = CommandRun.of("devnet", "down", "--home", aliceHome.toString());
      assertThat(down.exit()).as(down.err()).isEqualTo(ExitCodes.OK);
    }
  }

  @Test
  void theWholeStory_clickedThrough_inTwoBrowsers() throws Exception {
    try {
      story();
    } catch (Exception | AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n--- what Alice's page said:\n" + evidence(alice, "alice")
          + "\n--- what Bob's page said:\n" + evidence(bob, "bob"), e);
    }
  }

  /** The page's text, its log, and a screenshot in target/console-screenshots/failed-WHO.png. */
  private static String evidence(HeadlessChromium b, String who) {
    try {
      b.screenshot(Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("console-screenshots")
          .resolve("failed-" + who + ".png"));
      return b.driver().getCurrentUrl() + "\n" + pageText(b) + "\n--- log:\n" + String.join("\n",
          b.log().stream().map(Object::toString).toList());
    } catch (Exception e) {
      return "(could not read the page: " + e + ")";
    }
  }

  private void story() throws Exception {
    byte[] original = new byte[FILE_BYTES];
    new SecureRandom().nextBytes(original);
    Path report = dir.resolve("report.bin");
    Files.write(report, original);

    // identities: each person makes their own in their own console
    alice.openConsole(aliceConsole.link());
    bob.openConsole(bobConsole.link());
    createIdentity(alice, "alice");
    createIdentity(bob, "bob");
    String bobAddress = bob.waitFor(By.cssSelector("#id-list tr[data-name='bob'] td.address"),
        HeadlessChromium.PAGE_WAIT).getText().trim();
    assertThat(bobAddress).startsWith("0x");

    // Alice: Bob as a contact
    alice.type(By.id("contact-name"), "bob");
    alice.type(By.id("contact-address"), bobAddress);
    alice.click(By.id("contact-add-submit"));
    alice.waitFor(By.cssSelector("#contact-list tr[data-name='bob']"), HeadlessChromium.PAGE_WAIT);
    screenshot(alice, "identities.png");

    // Alice: an allow-list, with herself and with Bob for an hour from now
    alice.go("policies");
    alice.click(By.id("policy-create-allow-list"));
    String policy = new WebDriverWait(alice.driver(), HeadlessChromium.NETWORK_WAIT).until(d -> {
      List<WebElement> id = d.findElements(By.id("policy-id"));
      String text = id.isEmpty() ? "" : id.get(0).getText().trim();
      return text.startsWith("0x") ? text : null;
    });
    alice.waitReady();
    grant(alice, "alice", null, false);
    grant(alice, "bob", bobAddress, true);
    alice.waitPresent(member("#policy-timeline .member", "bob", bobAddress, "[data-state='active']"),
        HeadlessChromium.PAGE_WAIT);
    alice.waitPresent(By.cssSelector("#policy-timeline .now-line"), HeadlessChromium.PAGE_WAIT);
    screenshot(alice, "policy.png");

    // Alice: the upload, under that policy
    alice.go("files");
    choosePolicy(alice, policy);
    alice.driver().findElement(By.id("upload-input")).sendKeys(report.toAbsolutePath().toString());
    alice.click(By.id("upload-submit"));
    String uploaded = alice.waitAttributeIn(By.id("upload-status"), "data-state", List.of("done", "failed"),
        HeadlessChromium.NETWORK_WAIT);
    assertThat(uploaded).as(pageText(alice)).isEqualTo("done");
    String blob = alice.driver().findElement(By.id("upload-status")).getDomAttribute("data-blob");
    assertThat(blob).isNotBlank();
    By row = By.cssSelector("#file-list tr[data-blob='" + blob + "']");
    alice.waitFor(row, HeadlessChromium.PAGE_WAIT);
    assertThat(alice.driver().findElement(row).findElement(By.cssSelector("td.name")).getText())
        .isEqualTo("report.bin");
    screenshot(alice, "files.png");

    // Alice: the share token
    alice.driver().findElement(row).findElement(By.cssSelector("button.file-share")).click();
    WebElement tokenField = alice.waitFor(By.cssSelector("#file-list tr[data-blob='" + blob + "'] input.share-token,"
        + " input.share-token"), HeadlessChromium.NETWORK_WAIT);
    String token = new WebDriverWait(alice.driver(), HeadlessChromium.NETWORK_WAIT).until(d -> {
      String v = tokenField.getDomProperty("value");
      return v != null && !v.isBlank() ? v.trim() : null;
    });
    assertThat(token).startsWith("cachet1.");

    // the details page
    alice.driver().findElement(row).findElement(By.cssSelector("a.file-details")).click();
    alice.waitReady();
    WebElement details = alice.waitFor(By.id("file-details"), HeadlessChromium.NETWORK_WAIT);
    assertThat(details.getText()).contains(policy);
    screenshot(alice, "file.png");

    // Bob: the token opens, and the bytes are Alice's
    bob.go("files");
    Path got = openToken(bob, token, "done");
    assertThat(bob.driver().findElement(By.id("download-status")).getDomAttribute("data-bytes"))
        .isEqualTo(String.valueOf(FILE_BYTES));
    assertThat(Files.readAllBytes(got)).isEqualTo(original);

    // Alice revokes Bob
    alice.go("policy/" + policy);
    By bobMember = member("#member-list tr", "bob", bobAddress, "");
    alice.waitFor(bobMember, HeadlessChromium.PAGE_WAIT).findElement(By.cssSelector("button.member-revoke")).click();
    acceptConfirmation(alice);
    new WebDriverWait(alice.driver(), HeadlessChromium.NETWORK_WAIT).until(d -> d.findElements(bobMember).isEmpty());

    // Bob: refused, with the reason and one line per key server, and nothing saved; the key servers
    // follow the ledger, so the revocation reaches them within a block or two: ask until refused
    List<Path> before = bob.downloaded();
    long deadline = System.nanoTime() + HeadlessChromium.NETWORK_WAIT.toNanos();
    String state;
    do {
      state = openTokenState(bob, token);
    } while (!"failed".equals(state) && System.nanoTime() < deadline);
    assertThat(state).isEqualTo("failed");
    WebElement failure = bob.waitFor(By.id("download-failure"), HeadlessChromium.PAGE_WAIT);
    assertThat(failure.getDomAttribute("data-reason")).isEqualTo("NOT_A_MEMBER");
    List<WebElement> servers = failure.findElements(By.cssSelector(".failure-servers li"));
    assertThat(servers).hasSizeGreaterThanOrEqualTo(2);
    assertThat(failure.getText()).contains("ks-1").contains("ks-2");
    assertThat(bob.downloaded()).as("a refused download saves nothing").hasSameElementsAs(before);

    // Alice: a storage node and a key server stopped from the Network page; her file still opens
    alice.go("network");
    for (String part : List.of("node-1", "ks-2")) {
      By partRow = By.cssSelector("#part-list tr[data-part='" + part + "']");
      alice.waitFor(partRow, HeadlessChromium.NETWORK_WAIT).findElement(By.cssSelector("button.part-stop")).click();
    }
    for (String part : List.of("node-1", "ks-2")) {
      alice.waitAttribute(By.cssSelector("#part-list tr[data-part='" + part + "'] td.state"), "data-state", "stopped",
          HeadlessChromium.NETWORK_WAIT);
    }
    screenshot(alice, "network.png");
    alice.go("files");
    List<Path> aliceBefore = alice.downloaded();
    alice.waitFor(row, HeadlessChromium.PAGE_WAIT).findElement(By.cssSelector("button.file-download")).click();
    String again = alice.waitAttributeIn(By.id("download-status"), "data-state", List.of("done", "failed"),
        HeadlessChromium.NETWORK_WAIT);
    assertThat(again).as(pageText(alice)).isEqualTo("done");
    assertThat(Files.readAllBytes(alice.waitDownload(aliceBefore, HeadlessChromium.NETWORK_WAIT))).isEqualTo(original);

    alice.go("network");
    for (String part : List.of("node-1", "ks-2")) {
      By partRow = By.cssSelector("#part-list tr[data-part='" + part + "']");
      alice.waitFor(partRow, HeadlessChromium.NETWORK_WAIT).findElement(By.cssSelector("button.part-start")).click();
    }
    for (String part : List.of("node-1", "ks-2")) {
      alice.waitAttribute(By.cssSelector("#part-list tr[data-part='" + part + "'] td.state"), "data-state", "up",
          HeadlessChromium.NETWORK_WAIT);
    }

    assertThat(alice.problems()).as("Alice's page log").isEmpty();
    assertThat(bob.problems()).as("Bob's page log").isEmpty();
  }

  /** Makes an identity on the Identities page; it is unlocked at once and becomes the acting one. */
  private static void createIdentity(HeadlessChromium b, String name) {
    b.go("identities");
    b.type(By.id("id-new-name"), name);
    // the passphrase, and its repetition where the page asks for it twice
    for (WebElement field : b.driver().findElements(By.cssSelector("input[type='password'][id^='id-new']"))) {
      field.clear();
      field.sendKeys("a passphrase for " + name + " in the browser");
    }
    b.click(By.id("id-new-submit"));
    b.waitAttribute(By.cssSelector("#id-list tr[data-name='" + name + "'] td.state"), "data-state", "unlocked",
        HeadlessChromium.NETWORK_WAIT);
    new WebDriverWait(b.driver(), HeadlessChromium.PAGE_WAIT).until(d ->
        name.equals(new Select(d.findElement(By.id("acting-as"))).getFirstSelectedOption().getDomAttribute("value")));
  }

  /**
   * A member's row or band: {@code data-member} is the member's local name, else its address; a
   * contact's name may carry the command line's " (contact)" mark.
   */
  private static By member(String prefix, String name, String address, String suffix) {
    StringBuilder css = new StringBuilder();
    for (String key : address == null ? List.of(name) : List.of(name, name + " (contact)", address)) {
      css.append(css.length() == 0 ? "" : ", ").append(prefix).append("[data-member='").append(key).append("']")
          .append(suffix);
    }
    return By.cssSelector(css.toString());
  }

  /** Grants {@code who} on the open policy page: for ever, or from now until an hour from now. */
  private static void grant(HeadlessChromium b, String who, String address, boolean anHour) {
    b.type(By.id("grant-who"), who);
    b.setDateTime(By.id("grant-from"), "");
    if (anHour) {
      // the browser's own local time, as a person picks it in the datetime-local field
      b.script("const d = new Date(Date.now() + 3600 * 1000); const p = (n) => String(n).padStart(2, '0');"
          + "const f = document.getElementById('grant-until');"
          + "f.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`"
          + " + `T${p(d.getHours())}:${p(d.getMinutes())}`;"
          + "f.dispatchEvent(new Event('input', {bubbles: true}));"
          + "f.dispatchEvent(new Event('change', {bubbles: true}));");
    } else {
      b.setDateTime(By.id("grant-until"), "");
    }
    b.click(By.id("grant-submit"));
    b.waitFor(member("#member-list tr", who, address, ""), HeadlessChromium.NETWORK_WAIT);
  }

  /** Picks the policy for the upload: from the list of the acting identity's policies, else by typing its id. */
  private static void choosePolicy(HeadlessChromium b, String policy) {
    WebElement select = b.waitFor(By.id("upload-policy"), HeadlessChromium.PAGE_WAIT);
    new WebDriverWait(b.driver(), HeadlessChromium.PAGE_WAIT).until(d -> !new Select(select).getOptions().isEmpty());
    Select s = new Select(select);
    boolean listed = s.getOptions().stream().anyMatch(o -> policy.equals(o.getDomAttribute("value")));
    if (listed) {
      s.selectByValue(policy);
      return;
    }
    List<WebElement> typed = b.driver().findElements(By.id("upload-policy-id"));
    if (typed.isEmpty() || !typed.get(0).isDisplayed()) {
      for (WebElement o : s.getOptions()) {
        String v = o.getDomAttribute("value");
        if (v == null || !v.startsWith("0x")) {
          s.selectByValue(v == null ? "" : v);
          if (b.driver().findElement(By.id("upload-policy-id")).isDisplayed()) {
            break;
          }
        }
      }
    }
    b.type(By.id("upload-policy-id"), policy);
  }

  /** Opens a share token on the Files page, expects {@code state}, and returns the file saved. */
  private static Path openToken(HeadlessChromium b, String token, String state) throws Exception {
    List<Path> before = b.downloaded();
    assertThat(openTokenState(b, token)).as(pageText(b)).isEqualTo(state);
    return b.waitDownload(before, HeadlessChromium.NETWORK_WAIT);
  }

  /** Submits a share token once and returns the download's end state, "done" or "failed". */
  private static String openTokenState(HeadlessChromium b, String token) {
    b.script("const s = document.getElementById('download-status'); if (s) { s.dataset.state = ''; }");
    b.type(By.id("open-token"), token);
    b.click(By.id("open-token-submit"));
    return b.waitAttributeIn(By.id("download-status"), "data-state", List.of("done", "failed"),
        HeadlessChromium.NETWORK_WAIT);
  }

  /** Accepts a confirmation dialog if the page asked for one. */
  private static void acceptConfirmation(HeadlessChromium b) {
    try {
      Alert a = b.driver().switchTo().alert();
      a.accept();
    } catch (NoAlertPresentException e) {
      // the page did not ask
    }
  }

  /** What the page says, for a failed assertion's message. */
  private static String pageText(HeadlessChromium b) {
    return b.driver().findElement(By.tagName("body")).getText();
  }

  /** Saves a screenshot of what {@code b} shows, to docs/console/ or target/console-screenshots/. */
  private static void screenshot(HeadlessChromium b, String name) throws Exception {
    Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    Path to = "docs".equals(System.getProperty(SCREENSHOTS))
        ? module.getParent().resolve("docs").resolve("console")
        : module.resolve("target").resolve("console-screenshots");
    b.pageScreenshot(to.resolve(name));
  }
}
