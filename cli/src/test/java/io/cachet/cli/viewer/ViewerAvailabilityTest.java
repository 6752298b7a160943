package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Availability through the viewer's UI on the devnet (2 of 3 key servers): with one key server
 * stopped ({@code cachet devnet stop ks-1}) the file still opens, byte for byte; with two stopped
 * it does not, and the page names the two it could not reach. The servers are started again after
 * each test, and the class ends only once every part of the devnet runs and each key server serves
 * again: the devnet and the browser are the ones every viewer class shares ({@link SharedViewer}).
 */
@ExtendWith(SharedViewer.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ViewerAvailabilityTest {
  static ViewerDevnet devnet;
  static ViewerPage page;
  static byte[] data;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    devnet = SharedViewer.devnet();
    page = SharedViewer.page();
    String policy = devnet.allowList();
    devnet.grant(policy, page.address());
    data = new byte[300_000];
    new Random(5).nextBytes(data);
    token = devnet.share(devnet.put(data, policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (devnet != null) {
      devnet.awaitAllServing();
    }
    if (page != null) {
      assertThat(page.problems()).as("scripts that failed or content the CSP blocked").isEmpty();
    }
  }

  @Test
  @Order(1)
  void oneKeyServerStopped_theFileStillOpens() throws Exception {
    devnet.stop("ks-1");
    try {
      assertThat(page.openThroughUi(token, false)).as(page.pageText()).isEqualTo("opened");
      assertThat(Files.readAllBytes(page.download())).isEqualTo(data);
    } finally {
      devnet.start("ks-1");
    }
  }

  @Test
  @Order(2)
  void twoKeyServersStopped_itFails_namingBoth() {
    devnet.stop("ks-1");
    devnet.stop("ks-2");
    try {
      assertThat(page.openThroughUi(token, false)).as(page.pageText()).isEqualTo("failed");
      assertThat(page.main("data-reason")).isEqualTo("KEY_SERVERS_UNAVAILABLE");
      List<ViewerPage.Outcome> outcomes = page.outcomes();
      assertThat(outcomes.stream().filter(o -> "unavailable".equals(o.kind())).map(ViewerPage.Outcome::server))
          .as("%s", outcomes).containsExactlyInAnyOrder("ks-1", "ks-2");
      assertThat(page.text("refusal-summary")).contains("ks-1").contains("ks-2");
      assertThat(page.main("data-bytes")).isEqualTo("0");
    } finally {
      devnet.start("ks-1");
      devnet.start("ks-2");
    }
  }
}
