package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;

/**
 * Refusals shown with their reason: a reader not on the allow-list, a window that ended, a time lock
 * before its time. Each is opened through the viewer's UI from a share token, and the page must say
 * which key servers refused and why (one line each: server, kind, reason code, message), the policy
 * id, what the reason means in words, and the reader's window as the ledger records it, and show
 * no byte of the file. The devnet and the browser are the ones every viewer class shares
 * ({@link SharedViewer}); each refusal is on a policy made here.
 */
@ExtendWith(SharedViewer.class)
class ViewerRefusalsTest {
  /** The devnet's threshold: this many key servers must refuse for a refusal. */
  static final int THRESHOLD = 2;

  static ViewerDevnet devnet;
  static ViewerPage page;
  static String address;

  @BeforeAll
  static void start() throws Exception {
    devnet = SharedViewer.devnet();
    page = SharedViewer.page();
    address = page.address();
  }

  @AfterAll
  static void stop() {
    if (page != null) {
      assertThat(page.problems()).as("scripts that failed or content the CSP blocked").isEmpty();
    }
  }

  private static String tokenUnder(String policy) throws Exception {
    byte[] data = new byte[4321];
    new Random(1).nextBytes(data);
    return devnet.share(devnet.put(data, policy));
  }

  @Test
  void notOnTheAllowList_refused_NOT_A_MEMBER() throws Exception {
    String policy = devnet.allowList();
    devnet.grant(policy, ViewerDevnet.OWNER);
    assertRefused(tokenUnder(policy), policy, "NOT_A_MEMBER", "not-member");
    assertThat(page.text("refusal-meaning")).contains("not on this policy's allow-list");
  }

  @Test
  void aWindowThatEnded_refused_EXPIRED() throws Exception {
    String policy = devnet.allowList();
    devnet.grant(policy, address, "--from", "2020-01-01T00:00:00Z", "--until", "2020-01-02T00:00:00Z",
        "--allow-ended");
    assertRefused(tokenUnder(policy), policy, "EXPIRED", "ended");
    assertThat(page.text("ledger-window")).contains("2020-01-02 00:00:00 UTC");
  }

  @Test
  void aTimeLockBeforeItsTime_refused_LOCKED() throws Exception {
    String policy = devnet.timeLock("1h");
    assertRefused(tokenUnder(policy), policy, "LOCKED", "locked");
    assertThat(page.text("refusal-meaning")).contains("time lock");
  }

  private static void assertRefused(String token, String policy, String reason, String window) {
    String state = page.openThroughUi(token, false);
    assertThat(state).as(page.pageText()).isEqualTo("refused");
    assertThat(page.main("data-reason")).isEqualTo("ACCESS_REFUSED");
    List<ViewerPage.Outcome> outcomes = page.outcomes();
    assertThat(outcomes.stream().filter(o -> "denied".equals(o.kind()) && reason.equals(o.reason())))
        .as("each key server's line: %s", outcomes).hasSizeGreaterThanOrEqualTo(THRESHOLD)
        .allSatisfy(o -> assertThat(o.line()).startsWith(o.server() + ": refused (" + reason + ")"));
    assertThat(outcomes).extracting(ViewerPage.Outcome::server).allMatch(s -> s.startsWith("ks-"));
    assertThat(page.text("refusal-policy")).isEqualTo(policy);
    assertThat(page.browser().driver().findElements(By.cssSelector("#refusal-meaning p[data-reason='" + reason + "']")))
        .hasSize(1);
    String windowState = page.browser().driver().findElement(By.id("ledger-window")).getDomAttribute("data-state");
    assertThat(windowState).as("the ledger's record of the reader: %s", page.text("ledger-window")).isEqualTo(window);
    assertThat(page.main("data-bytes")).isEqualTo("0");
    assertThat(page.browser().driver().findElements(By.cssSelector("#content > *"))).isEmpty();
    assertThat(page.browser().driver().findElement(By.id("download")).isDisplayed()).isFalse();
  }
}
