package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.PublisherConformance.error;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.gateway.PublisherConformance.Form;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quilt upload's own limits, over raw HTTP to gateways over one real local network: the quilt
 * size limit apart from the blob limit (the same measure at admission and at the end), the
 * temporary disk's reserve (503 with Retry-After), and the sweep of directories that dead gateways
 * left behind.
 */
class QuiltStoreLimitsTest {
  private static final long MAX_BLOB = 256 * 1024;

  @TempDir static Path root;
  private static PublisherConformance gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new PublisherConformance(root, MAX_BLOB);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static GatewayConfig config(long maxQuilt, long diskReserve) {
    return gw.net.gatewayConfig().withMaxBlobSize(MAX_BLOB).withQuiltLimits(maxQuilt, diskReserve);
  }

  private static Gateway deploy(long maxQuilt, long diskReserve) throws Exception {
    Gateway g = new Gateway(config(maxQuilt, diskReserve), CertificateSink.NONE);
    gw.vertx.deployVerticle(g).await(60, TimeUnit.SECONDS);
    return g;
  }

  private static RawHttp.Answer putQuilt(Gateway g, byte[] form, String... more) throws Exception {
    List<String> headers = new java.util.ArrayList<>(List.of("Content-Type: multipart/form-data; boundary="
        + Form.BOUNDARY));
    headers.addAll(List.of(more));
    return RawHttp.exchange(g.actualPort(), "PUT", "/v1/quilts", headers, form);
  }

  @Test
  void theQuiltLimit_isItsOwn_belowTheBlobLimit() throws Exception {
    Gateway g = deploy(4096, 0);
    try {
      // files within the limit, but the index makes the quilt larger: the final check, same measure
      byte[] justUnder = new Form().file("a", new byte[4090]).bytes();
      assertThat(error(putQuilt(g, justUnder), 413, "TOO_LARGE")).contains("quilt exceeds the publisher's limit of 4096");
      // files past the limit: refused while they arrive
      byte[] over = new Form().file("a", new byte[3000]).file("b", new byte[3000]).bytes();
      assertThat(error(putQuilt(g, over), 413, "TOO_LARGE")).contains("4096");
      // a small quilt is stored, and a blob past the quilt limit is still a blob
      assertThat(putQuilt(g, new Form().file("small", new byte[1000]).bytes()).status()).isEqualTo(200);
      assertThat(RawHttp.exchange(g.actualPort(), "PUT", "/v1/blobs", List.of(), new byte[8000]).status())
          .isEqualTo(200);
      // a declared length no quilt within the limit could need is refused before the body
      RawHttp.Answer declared = RawHttp.exchange(g.actualPort(), "PUT", "/v1/quilts", List.of(
          "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY, "Expect: 100-continue",
          "Content-Length: " + (QuiltPublisher.maxFormLength(config(4096, 0)) + 1)), null);
      assertThat(error(declared, 413, "TOO_LARGE")).contains("4096");
    } finally {
      gw.vertx.undeploy(g.deploymentID()).await(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTemporaryDiskBelowItsReserve_is503_withRetryAfter() throws Exception {
    Gateway g = deploy(GatewayConfig.DEFAULT_MAX_QUILT_SIZE, Long.MAX_VALUE / 4);
    try {
      RawHttp.Answer a = putQuilt(g, new Form().file("a", new byte[10]).bytes());
      assertThat(error(a, 503, "INSUFFICIENT_STORAGE")).contains("no room for this quilt's parts");
      assertThat(a.header("Retry-After")).isNotBlank();
    } finally {
      gw.vertx.undeploy(g.deploymentID()).await(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void theSweep_deletesOnlyDirectoriesOfGatewaysThatAreGone(@TempDir Path tmp) throws Exception {
    Process done = new ProcessBuilder("true").start();
    done.waitFor();
    long dead = done.pid();
    long me = ProcessHandle.current().pid();
    Instant started = ProcessHandle.current().info().startInstant().orElseThrow();
    Path deadOwner = dir(tmp, dead + "-1", Instant.now());
    Path mine = dir(tmp, me + "-2", Instant.now());
    Path reusedPid = dir(tmp, me + "-3", started.minus(Duration.ofHours(1)));
    Path oldUnowned = dir(tmp, "4", Instant.now().minus(Duration.ofDays(2)));
    Path freshUnowned = dir(tmp, "5", Instant.now());
    Path unrelated = Files.createDirectory(tmp.resolve("something-else"));

    assertThat(QuiltTempSweep.sweep(tmp, Instant.now())).isEqualTo(ProcessHandle.of(dead).isPresent() ? 2 : 3);
    assertThat(reusedPid).doesNotExist();
    assertThat(oldUnowned).doesNotExist();
    assertThat(mine).exists();
    assertThat(freshUnowned).exists();
    assertThat(unrelated).exists();
    if (ProcessHandle.of(dead).isEmpty()) {
      assertThat(deadOwner).doesNotExist();
    }
  }

  private static Path dir(Path tmp, String suffix, Instant changed) throws Exception {
    Path d = Files.createDirectory(tmp.resolve(QuiltPublisher.TEMP_PREFIX + suffix));
    Files.writeString(d.resolve("part-0"), "left");
    Files.setLastModifiedTime(d, FileTime.from(changed));
    return d;
  }
}
