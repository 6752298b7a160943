package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.PolicyId;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * Tampering refused before a byte of plaintext reaches the page. A real envelope, sealed by the CLI
 * on a devnet, is altered byte by byte and served from a stand-in aggregator
 * ({@link TamperingAggregator}); the SDK in the page opens it on a copy of the devnet's descriptor
 * that names that aggregator, with the real key servers and ledger. A flipped header bit, a flipped
 * body bit in the first segment, a swapped policy id (to one the reader is granted on) and a share
 * moved to another slot each end in an error with a code, and not one plaintext byte is handed to
 * the page. A flipped bit in the last segment, opened through the viewer's UI (the token's network
 * trusted by ticking the box), shows nothing and offers nothing to save.
 *
 * <p>The devnet serves its page with a Content-Security-Policy whose {@code connect-src} names only
 * the devnet's own servers, so this class lifts it for its browser session
 * ({@link ViewerPage#bypassContentSecurityPolicy}) to let the page reach the stand-in; the stand-in
 * answers CORS for the viewer's origin as the real aggregator does. The lifted policy would hide
 * what the CSP blocks from the classes that check it, so the browser is this class's own; the
 * devnet is the one every viewer class shares ({@link SharedViewer}).
 */
@ExtendWith(SharedViewer.class)
class ViewerTamperingTest {
  /** Plaintext bytes in the body's first segment (docs/FORMAT.md, "Body"). */
  static final int FIRST = 1_048_520;
  /** Tink's stream header at the start of the body. */
  static final int STREAM_HEADER = 40;
  static final Duration OPEN_WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  static ViewerDevnet devnet;
  static ViewerPage page;
  static TamperingAggregator aggregator;
  static String blob;
  static byte[] plaintext;
  static byte[] envelope;
  static EnvelopeHeader header;
  static String otherPolicy;

  @BeforeAll
  static void start() throws Exception {
    devnet = SharedViewer.devnet();
    page = SharedViewer.startPage(dir.resolve("browser"));
    page.bypassContentSecurityPolicy();
    aggregator = new TamperingAggregator(devnet.viewerOrigin());
    String policy = devnet.allowList();
    otherPolicy = devnet.allowList();
    devnet.grant(policy, page.address());
    devnet.grant(otherPolicy, page.address());
    plaintext = new byte[FIRST + 4321];
    new Random(3).nextBytes(plaintext);
    blob = devnet.put(plaintext, policy);
    envelope = fetchEnvelope(devnet.descriptor().path("storage").path("aggregator").asText(), blob);
    header = EnvelopeHeader.read(new ByteArrayInputStream(envelope));
  }

  @AfterAll
  static void stop() throws Exception {
    try (AutoCloseable a = aggregator; AutoCloseable p = page) {
      if (page != null) {
        assertThat(page.problems()).as("scripts that failed or content the CSP blocked").isEmpty();
      }
    }
  }

  private static byte[] fetchEnvelope(String aggregatorUrl, String blobId) throws Exception {
    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        aggregatorUrl.replaceAll("/$", "") + "/v1/blobs/" + blobId)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The devnet's descriptor with its aggregator replaced by the stand-in serving {@code altered}. */
  private static ObjectNode networkServing(String variant, byte[] altered) throws Exception {
    ObjectNode network = devnet.descriptor();
    ((ObjectNode) network.path("storage")).put("aggregator", aggregator.serve(variant, altered));
    return network;
  }

  private static ViewerPage.InPage openAltered(String variant, byte[] altered) throws Exception {
    return page.openInPage(networkServing(variant, altered).toString(), blob, null, OPEN_WAIT);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from, int to) {
    outer:
    for (int i = from; i + needle.length <= to; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not in the header");
  }

  /** Where {@code field}'s bytes start in the envelope's header. */
  private static int inHeader(byte[] field) {
    return indexOf(envelope, field, 0, header.encodedLength());
  }

  private static void assertNoPlaintext(ViewerPage.InPage r) {
    System.out.println("tampered open: " + r);
    assertThat(r.ok()).as("%s", r).isFalse();
    assertThat(r.code()).as("the error has a code: %s", r).isNotBlank();
    assertThat(r.bytes()).as("plaintext bytes that reached the page before the refusal").isZero();
  }

  private static List<String> reasons(ViewerPage.InPage r) {
    List<String> out = new ArrayList<>();
    for (JsonNode o : r.outcomes()) {
      out.add(o.path("reason").asText());
    }
    return out;
  }

  @Test
  void untouchedEnvelope_fromTheStandIn_opensByteForByte() throws Exception {
    ViewerPage.InPage r = openAltered("untouched", envelope);
    assertThat(r.ok()).as("%s", r).isTrue();
    assertThat(r.digests()).isEqualTo(ViewerPage.sliceDigests(plaintext, 0, plaintext.length));
  }

  @Test
  void flippedHeaderBit_refused_noPlaintext() throws Exception {
    byte[] altered = envelope.clone();
    int at = inHeader(header.dekCommitment()) + 31;
    altered[at] ^= 0x01;
    ViewerPage.InPage r = openAltered("header-bit", altered);
    assertNoPlaintext(r);
    assertThat(r.code()).as("%s", r).isNotEqualTo("ACCESS_REFUSED");
  }

  @Test
  void flippedBodyBit_inTheFirstSegment_refused_noPlaintext() throws Exception {
    byte[] altered = envelope.clone();
    altered[header.encodedLength() + STREAM_HEADER + 1000] ^= 0x20;
    ViewerPage.InPage r = openAltered("body-bit", altered);
    assertNoPlaintext(r);
    assertThat(r.code()).as("%s", r).isEqualTo("BODY_TAMPERED");
  }

  @Test
  void swappedPolicyId_toOneTheReaderIsGrantedOn_refused_CONTEXT_MISMATCH() throws Exception {
    byte[] altered = envelope.clone();
    byte[] other = PolicyId.parse(otherPolicy).bytes();
    System.arraycopy(other, 0, altered, inHeader(header.policyId().bytes()), other.length);
    ViewerPage.InPage r = openAltered("policy-swap", altered);
    assertNoPlaintext(r);
    assertThat(r.code()).isEqualTo("ACCESS_REFUSED");
    assertThat(reasons(r)).as("%s", r).contains("CONTEXT_MISMATCH").doesNotContain("NOT_A_MEMBER");
  }

  @Test
  void shareMovedToAnotherSlot_refused_noPlaintext() throws Exception {
    byte[] altered = envelope.clone();
    byte[] first = header.slot(1).sealedShare();
    byte[] second = header.slot(2).sealedShare();
    int a = inHeader(first);
    int b = inHeader(second);
    System.arraycopy(second, 0, altered, a, second.length);
    System.arraycopy(first, 0, altered, b, first.length);
    ViewerPage.InPage r = openAltered("share-moved", altered);
    assertNoPlaintext(r);
    assertThat(r.code()).isEqualTo("ACCESS_REFUSED");
    assertThat(reasons(r)).as("%s", r).contains("CONTEXT_MISMATCH");
  }

  @Test
  void flippedBitInTheLastSegment_throughTheViewer_showsAndSavesNothing() throws Exception {
    byte[] altered = envelope.clone();
    altered[altered.length - 20] ^= 0x01;
    String token = ViewerDevnet.token(blob, networkServing("last-segment", altered));

    assertThat(page.openThroughUi(token, false)).isEqualTo("failed");
    assertThat(page.main("data-reason")).as("the token names the stand-in aggregator").isEqualTo("UNTRUSTED_NETWORK");

    assertThat(page.openThroughUi(token, true)).as(page.pageText()).isEqualTo("failed");
    assertThat(page.main("data-reason")).as(page.pageText()).isEqualTo("BODY_TAMPERED");
    assertThat(page.browser().driver().findElements(By.cssSelector("#content > *"))).isEmpty();
    assertThat(page.browser().driver().findElement(By.id("download")).isDisplayed()).isFalse();
    assertThat(page.browser().driver().findElement(By.id("download")).getDomAttribute("href")).isNull();
  }
}
