package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.common.browser.HeadlessChromium;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Java seals, the browser opens, byte for byte: the CLI puts files of every size that matters to
 * the body's layout (empty, one byte, each segment boundary and one either side, several MiB) on a
 * devnet, and the SDK the viewer is served with opens them in a real Chromium, hashing the stream
 * slice by slice against Java's digests; ranges across each boundary likewise. A few files go
 * through the viewer's own UI: an image shown inline, a PDF from a link's fragment, other bytes
 * saved by its download link, and a token naming another network refused with its differences.
 * The devnet and the browser are the ones every viewer class shares ({@link SharedViewer}).
 */
@ExtendWith(SharedViewer.class)
class ViewerOpensTest {
  /** Plaintext bytes in the body's first segment (docs/FORMAT.md, "Body"). */
  static final int FIRST = 1_048_520;
  /** Plaintext bytes in every later segment. */
  static final int NEXT = 1_048_560;
  /** How long one open of a few MiB may take on a loaded two-core machine. */
  static final Duration OPEN_WAIT = Duration.ofSeconds(60);

  static ViewerDevnet devnet;
  static ViewerPage page;
  static String policy;

  @BeforeAll
  static void start() throws Exception {
    devnet = SharedViewer.devnet();
    page = SharedViewer.page();
    policy = devnet.allowList();
    devnet.grant(policy, page.address());
  }

  @AfterAll
  static void stop() {
    if (page != null) {
      assertThat(page.problems()).as("scripts that failed or content the CSP blocked").isEmpty();
    }
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  @Test
  void javaSeals_browserOpens_everySizeAtTheSegmentBoundaries_byteForByte() throws Exception {
    List<Integer> sizes = List.of(0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + NEXT - 1, FIRST + NEXT, FIRST + NEXT + 1,
        5 * 1024 * 1024 + 123);
    SoftAssertions soft = new SoftAssertions();
    for (int size : sizes) {
      byte[] data = random(size);
      String blob = devnet.put(data, policy);
      ViewerPage.InPage r = page.openInPage(null, blob, null, OPEN_WAIT);
      soft.assertThat(r.ok()).as("%d bytes: %s", size, r).isTrue();
      soft.assertThat(r.plaintextLength()).as("%d bytes: plaintextLength", size).isEqualTo(size);
      soft.assertThat(r.bytes()).as("%d bytes: bytes read", size).isEqualTo(size);
      soft.assertThat(r.digests()).as("%d bytes: slice digests", size).isEqualTo(ViewerPage.sliceDigests(data, 0, size));
    }
    soft.assertAll();
  }

  @Test
  void ranges_acrossEachSegmentBoundary_openByteForByte() throws Exception {
    int size = FIRST + 2 * NEXT + 777;
    byte[] data = random(size);
    String blob = devnet.put(data, policy);
    int second = FIRST + NEXT;
    int[][] ranges = {
        {0, 1}, {0, FIRST}, {FIRST - 1, FIRST}, {FIRST, FIRST + 1}, {FIRST - 1, FIRST + 1},
        {FIRST, second}, {second - 1, second + 1}, {second, size}, {FIRST - 100, second + 100},
        {size - 1, size}, {12_345, 12_345 + 3 * ViewerPage.SLICE_BYTES / 2}, {0, size},
    };
    SoftAssertions soft = new SoftAssertions();
    for (int[] range : ranges) {
      ViewerPage.InPage r = page.openInPage(null, blob, new long[] {range[0], range[1]}, OPEN_WAIT);
      String at = Arrays.toString(range);
      soft.assertThat(r.ok()).as("range %s: %s", at, r).isTrue();
      soft.assertThat(r.bytes()).as("range %s: bytes read", at).isEqualTo(range[1] - range[0]);
      soft.assertThat(r.digests()).as("range %s: slice digests", at)
          .isEqualTo(ViewerPage.sliceDigests(data, range[0], range[1]));
    }
    soft.assertAll();
  }

  @Test
  void viewerUi_showsAnImageInline_andSavesItByteForByte() throws Exception {
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(7);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    byte[] data = png.toByteArray();
    String token = devnet.share(devnet.put(data, policy));

    assertThat(page.openThroughUi(token, false)).as(page.pageText()).isEqualTo("opened");
    assertThat(page.main("data-show")).isEqualTo("image");
    assertThat(page.main("data-type")).isEqualTo("image/png");
    assertThat(page.main("data-bytes")).isEqualTo(String.valueOf(data.length));
    WebElement img = page.browser().waitFor(By.cssSelector("#content img#content-image"), HeadlessChromium.PAGE_WAIT);
    assertThat(img.getDomAttribute("src")).startsWith("blob:");
    Object width = page.browser().script("const i = arguments[0];"
        + " return i.decode().then(() => i.naturalWidth, () => -1);", img);
    assertThat(((Number) width).intValue()).as("the image decoded in the page").isEqualTo(64);
    assertThat(Files.readAllBytes(page.download())).isEqualTo(data);
  }

  @Test
  void viewerUi_offersOtherBytesAsADownload_byteForByte() throws Exception {
    byte[] data = random(FIRST + NEXT + 1);
    String token = devnet.share(devnet.put(data, policy));

    assertThat(page.openThroughUi(token, false)).as(page.pageText()).isEqualTo("opened");
    assertThat(page.main("data-show")).isEqualTo("download");
    assertThat(page.main("data-bytes")).isEqualTo(String.valueOf(data.length));
    assertThat(page.main("data-total")).isEqualTo(String.valueOf(data.length));
    assertThat(page.browser().driver().findElements(By.cssSelector("#content > *"))).isEmpty();
    Path saved = page.download();
    assertThat(Files.size(saved)).isEqualTo(data.length);
    assertThat(Files.readAllBytes(saved)).isEqualTo(data);
  }

  @Test
  void viewerUi_opensTheTokenInTheLinksFragment_aPdfInline() throws Exception {
    byte[] data = ("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        + "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .getBytes(StandardCharsets.US_ASCII);
    String token = devnet.share(devnet.put(data, policy));

    page.browser().driver().get("about:blank");
    page.browser().driver().get(devnet.viewer() + "#token=" + token);
    String state = page.browser().waitAttributeIn(By.id("viewer"), "data-state", ViewerPage.ENDED,
        HeadlessChromium.NETWORK_WAIT);
    assertThat(state).as(page.pageText()).isEqualTo("opened");
    assertThat(page.main("data-show")).isEqualTo("pdf");
    assertThat(page.browser().driver().findElement(By.id("content-pdf")).getDomAttribute("src")).startsWith("blob:");
    assertThat(page.browser().driver().getCurrentUrl()).as("the token never goes in the query").doesNotContain("?");
  }

  @Test
  void viewerUi_refusesATokenNamingAnotherNetwork_namingEachDifference() throws Exception {
    byte[] data = random(1000);
    String blob = devnet.put(data, policy);
    ObjectNode other = devnet.descriptor();
    ObjectNode ks2 = (ObjectNode) other.path("keyServers").path("servers").get(1);
    String theirKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    ks2.put("signingKey", theirKey);
    ((ObjectNode) other.path("storage")).put("aggregator", "http://127.0.0.1:9/elsewhere");

    assertThat(page.openThroughUi(ViewerDevnet.token(blob, other), false)).isEqualTo("failed");
    assertThat(page.main("data-reason")).isEqualTo("UNTRUSTED_NETWORK");
    List<String> differences = page.browser().driver().findElements(By.cssSelector("#differences li.difference"))
        .stream().map(WebElement::getText).toList();
    assertThat(differences).anySatisfy(d -> assertThat(d).startsWith("key server " + ks2.path("id").asText()
        + " signingKey: yours is ").endsWith("the token's AAAAAAAAAAAA…"));
    assertThat(differences).anySatisfy(d -> assertThat(d).startsWith("storage.aggregator: yours is ")
        .endsWith("the token's http://127.0.0.1:9/elsewhere"));
    assertThat(differences).hasSize(2);
    assertThat(page.main("data-bytes")).isEqualTo("0");
    assertThat(page.browser().driver().findElement(By.id("download")).isDisplayed()).isFalse();
  }
}
