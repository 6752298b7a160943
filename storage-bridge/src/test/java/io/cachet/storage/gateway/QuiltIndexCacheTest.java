package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.ReadConformance.assertError;
import static io.cachet.storage.gateway.ReadConformance.assertHeadMatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quilt index cache ({@link QuiltIndexes}) on a running gateway, in raw HTTP: what it keeps is
 * answered with every node stopped (a list from the bytes built once, a refusal remembered, so a
 * hostile blob is not read again from the nodes on each request), and what it charges for an
 * index is its heap, not its prefix's length.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiltIndexCacheTest {
  private static final int NODES = 4;

  @TempDir static Path root;
  private ReadConformance gw;

  @BeforeAll
  void start() throws Exception {
    gw = ReadConformance.start(root);
  }

  @AfterAll
  void stop() throws Exception {
    gw.close();
  }

  @Test
  void listsAndRefusals_onceRead_areAnsweredWithEveryNodeStopped() throws Exception {
    List<QuiltEntry> entries = List.of(new QuiltEntry("a.txt", Map.of("content-type", "text/plain"), 2),
        new QuiltEntry("b", 1));
    BlobId quilt = gw.store(withData(QuiltIndex.of(entries).prefix(), "abc"));
    BlobId plain = gw.store("a plain blob, long enough to hold a quilt's head".getBytes(StandardCharsets.US_ASCII));
    // a well-formed index whose patches do not add up to the blob
    BlobId broken = gw.store(withData(QuiltIndex.of(entries).prefix(), "abcd"));

    RawHttp.Answer list = gw.exchange("GET", "/v1/quilts/" + quilt + "/patches");
    assertThat(list.status()).isEqualTo(200);
    assertError(gw.exchange("GET", "/v1/quilts/" + plain + "/patches"), 400, "NOT_A_QUILT");
    assertError(gw.exchange("GET", "/v1/quilts/" + broken + "/patches"), 400, "INVALID_QUILT");

    for (int i = 0; i < NODES; i++) {
      gw.net.stopNode(i).await(30, TimeUnit.SECONDS);
    }
    try {
      for (int round = 0; round < 2; round++) {
        RawHttp.Answer again = gw.exchange("GET", "/v1/quilts/" + quilt + "/patches");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(list.body());
        assertHeadMatches(gw.exchange("HEAD", "/v1/quilts/" + quilt + "/patches"), again);
        assertError(gw.exchange("GET", "/v1/quilts/" + plain + "/patches"), 400, "NOT_A_QUILT");
        assertError(gw.exchange("GET", "/v1/blobs/by-quilt-id/" + plain + "/a.txt"), 400, "NOT_A_QUILT");
        assertError(gw.exchange("GET", "/v1/quilts/" + broken + "/patches"), 400, "INVALID_QUILT");
      }
    } finally {
      for (int i = 0; i < NODES; i++) {
        gw.net.startNode(i).await(60, TimeUnit.SECONDS);
      }
    }
    JsonArray items = new JsonArray(list.body());
    assertThat(items.getJsonObject(0).getString("identifier")).isEqualTo("a.txt");
    assertThat(items.getJsonObject(0).getJsonObject("tags").getString("content-type")).isEqualTo("text/plain");
  }

  @Test
  void theCharge_ofATagHeavyIndex_isItsHeap_manyTimesItsPrefix_andTheParseBoundCoversIt() {
    List<QuiltEntry> entries = new ArrayList<>();
    for (int p = 0; p < 512; p++) {
      Map<String, String> tags = new TreeMap<>();
      for (int t = 0; t < QuiltEntry.MAX_TAGS; t++) {
        tags.put("k" + t, "\u0001");
      }
      entries.add(new QuiltEntry("patch-" + p, tags, 1));
    }
    QuiltIndex index = QuiltIndex.of(entries);
    BlobId quilt = BlobId.of(new byte[32]);
    Buffer list = QuiltIndexes.patchList(quilt, index);
    long cost = QuiltIndexes.heapCost(index, list);
    // 32,768 tags of a few index bytes each: the heap, not the prefix, is what the cache holds
    assertThat(cost).isGreaterThan(10L * index.prefixLength())
        .isGreaterThan(32_768L * QuiltIndexes.TAG_HEAP);
    assertThat(QuiltIndexes.parseBound(index.prefixLength())).isGreaterThanOrEqualTo(cost);
    // the largest index the codec accepts parses within a bounded draw: 3 at once in the default budget
    assertThat(QuiltIndexes.parseBound(QuiltIndex.HEAD_BYTES + QuiltIndex.MAX_INDEX_BYTES) * 3)
        .isLessThan(GatewayConfig.DEFAULT_READ_AHEAD_BUDGET_BYTES);
    JsonArray items = new JsonArray(list);
    assertThat(items.size()).isEqualTo(512);
    assertThat(items.getJsonObject(7).getString("patch_id")).hasSize(50);
    assertThat(items.getJsonObject(7).getJsonObject("tags").getString("k3")).isEqualTo("\u0001");
  }

  private static byte[] withData(byte[] prefix, String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(prefix);
    out.writeBytes(data.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }
}
