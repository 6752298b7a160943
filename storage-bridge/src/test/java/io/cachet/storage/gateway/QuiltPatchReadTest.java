package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.ReadConformance.assertError;
import static io.cachet.storage.gateway.ReadConformance.assertHeadMatches;
import static io.cachet.storage.gateway.ReadConformance.assertReadHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quilt read routes against Walrus's specification and Cachet's quilt design, in raw HTTP on a
 * running gateway: a patch by patch id and by identifier (with its headers from its tags), the
 * patch list and its JSON types, HEAD alike, {@code Range} on a patch; and the hostile cases:
 * tampered patch ids, a blob that is no quilt, prefixes that claim a huge or a truncated index.
 * Quilts are stored as plain blobs ({@link QuiltIndex#prefix()} and the patches' bytes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiltPatchReadTest {
  private static final String HELLO = "hello, quilt";
  private static final String ODD_NAME = "dir/with space \u00e9\u4e2d.txt";
  private static final String ODD = "a patch whose identifier needs escaping";
  /** Long enough to cross several stripes of the fixture's network. */
  private static final String LONG = "0123456789ABCDEFGHIJ".repeat(120);

  @TempDir static Path root;
  private ReadConformance gw;
  private BlobId quilt;
  private BlobId plain;
  private List<QuiltEntry> entries;

  @BeforeAll
  void start() throws Exception {
    gw = ReadConformance.start(root);
    entries = List.of(
        new QuiltEntry("hello.txt", Map.of("content-type", "text/plain; charset=utf-8",
            "Content-Disposition", "attachment; filename=\"hello.txt\"", "authorization", "Bearer secret",
            "x-custom", "not a header"), HELLO.length()),
        new QuiltEntry(ODD_NAME, Map.of("kind", "odd"), ODD.length()),
        new QuiltEntry("empty", 0),
        new QuiltEntry("long.txt", LONG.length()));
    quilt = gw.store(quiltBytes(QuiltIndex.of(entries).prefix(), HELLO + ODD + LONG));
    plain = gw.store("a plain blob, not a quilt at all".getBytes(StandardCharsets.US_ASCII));
  }

  @AfterAll
  void stop() throws Exception {
    gw.close();
  }

  private static byte[] quiltBytes(byte[] prefix, String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(prefix);
    out.writeBytes(data.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static String patchId(BlobId quilt, int index) {
    return QuiltPatchId.ofPatch(quilt, index).toString();
  }

  /** A header sent as raw UTF-8 bytes, which the raw reader took as ISO-8859-1. */
  private static String utf8(String header) {
    return new String(header.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- reads

  @Test
  void byPatchId_answersThePatch_withItsIdentifier_andItsAllowedTagsAsHeaders() throws Exception {
    String id = patchId(quilt, 0);
    RawHttp.Answer get = gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + id);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(HELLO);
    assertReadHeaders(get, id, HELLO.length());
    assertThat(get.header(QuiltReads.IDENTIFIER_HEADER)).isEqualTo("hello.txt");
    assertThat(get.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
    assertThat(get.header("Content-Disposition")).isEqualTo("attachment; filename=\"hello.txt\"");
    assertThat(get.header("Authorization")).isNull();
    assertThat(get.header("x-custom")).isNull();
    assertHeadMatches(gw.exchange("HEAD", "/v1/blobs/by-quilt-patch-id/" + id), get);
  }

  @Test
  void byPatchId_everyPatch_untaggedIsOctetStream_emptyIsEmpty() throws Exception {
    String[] bodies = {HELLO, ODD, "", LONG};
    for (int i = 0; i < bodies.length; i++) {
      RawHttp.Answer get = gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(quilt, i));
      assertThat(get.status()).as("patch %d", i).isEqualTo(200);
      assertThat(get.body()).isEqualTo(bodies[i]);
      assertReadHeaders(get, patchId(quilt, i), bodies[i].length());
      assertThat(utf8(get.header(QuiltReads.IDENTIFIER_HEADER))).isEqualTo(entries.get(i).identifier());
      if (i > 0) {
        assertThat(get.header("Content-Type")).isEqualTo("application/octet-stream");
      }
    }
  }

  @Test
  void byIdentifier_urlDecodesIt_andTagsTheQuiltIdAsETag() throws Exception {
    String path = "/v1/blobs/by-quilt-id/" + quilt + "/" + URLEncoder.encode(ODD_NAME, StandardCharsets.UTF_8)
        .replace("+", "%20");
    RawHttp.Answer get = gw.exchange("GET", path);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(ODD);
    assertReadHeaders(get, quilt.toString(), ODD.length());
    assertThat(utf8(get.header(QuiltReads.IDENTIFIER_HEADER))).isEqualTo(ODD_NAME);
    assertHeadMatches(gw.exchange("HEAD", path), get);
    RawHttp.Answer simple = gw.exchange("GET", "/v1/blobs/by-quilt-id/" + quilt + "/long.txt");
    assertThat(simple.body()).isEqualTo(LONG);
  }

  @Test
  void patchList_givesEachPatch_withWalrusFieldsAndTypes() throws Exception {
    RawHttp.Answer get = gw.exchange("GET", "/v1/quilts/" + quilt + "/patches");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.header("Content-Type")).isEqualTo("application/json");
    JsonArray list = new JsonArray(get.body());
    assertThat(list).hasSize(entries.size());
    for (int i = 0; i < list.size(); i++) {
      JsonObject item = list.getJsonObject(i);
      assertThat(item.fieldNames()).containsExactlyInAnyOrder("identifier", "patch_id", "tags");
      assertThat(item.getValue("identifier")).isInstanceOf(String.class).isEqualTo(entries.get(i).identifier());
      assertThat(item.getValue("patch_id")).isInstanceOf(String.class);
      String patchId = item.getString("patch_id");
      assertThat(patchId).hasSize(50).matches("[A-Za-z0-9_-]{50}");
      byte[] raw = Base64.getUrlDecoder().decode(patchId);
      assertThat(raw).hasSize(37);
      assertThat(BlobId.of(java.util.Arrays.copyOf(raw, 32))).isEqualTo(quilt);
      assertThat(raw[32]).isEqualTo((byte) 1);
      ByteBuffer ends = ByteBuffer.wrap(raw, 33, 4).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(new int[] {ends.getShort(), ends.getShort()}).containsExactly(i, i + 1);
      JsonObject tags = item.getJsonObject("tags");
      assertThat(tags.getMap().values()).allMatch(String.class::isInstance);
      assertThat(tags.getMap()).isEqualTo(Map.copyOf(entries.get(i).tags()));
      // in key order, as the index keeps them, so the list's bytes (and length) are the same every time
      assertThat(new ArrayList<>(tags.fieldNames())).containsExactlyElementsOf(entries.get(i).tags().keySet());
    }
    RawHttp.Answer head = gw.exchange("HEAD", "/v1/quilts/" + quilt + "/patches");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo(get.header("Content-Length"));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void aRangeOnAPatch_readsPartOfIt_positionsWithinThePatch() throws Exception {
    String path = "/v1/blobs/by-quilt-patch-id/" + patchId(quilt, 3);
    RawHttp.Answer part = gw.exchange("GET", path, "Range: bytes=100-1299");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(LONG.substring(100, 1300));
    assertThat(part.header("Content-Range")).isEqualTo("bytes 100-1299/" + LONG.length());
    assertThat(part.header("Content-Length")).isEqualTo("1200");
    assertHeadMatches(gw.exchange("HEAD", path, "Range: bytes=100-1299"), part);
    RawHttp.Answer outside = gw.exchange("GET", path, "Range: bytes=5000-5001");
    assertError(outside, 416, "INVALID_BYTE_RANGE");
    assertThat(outside.header("Content-Range")).isEqualTo("bytes */" + LONG.length());
  }

  @Test
  void aPageOfTheAllowedOrigin_readsAPatchByPatchId_andItsIdentifier() throws Exception {
    String path = "/v1/blobs/by-quilt-patch-id/" + patchId(quilt, 0);
    RawHttp.Answer pre = gw.exchange("OPTIONS", path, "Origin: " + ReadConformance.PAGE,
        "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: range");
    assertThat(pre.status()).isEqualTo(204);
    RawHttp.Answer get = gw.exchange("GET", path, "Origin: " + ReadConformance.PAGE);
    assertThat(get.header("Access-Control-Allow-Origin")).isEqualTo(ReadConformance.PAGE);
    assertThat(get.header("Access-Control-Expose-Headers")).contains(QuiltReads.IDENTIFIER_HEADER, "ETag",
        "Content-Disposition");
  }

  @Test
  void aQuiltOfManyPatches_itsIndexAcrossManyStripes_readsEveryPatch() throws Exception {
    List<QuiltEntry> many = new ArrayList<>();
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 600; i++) {
      String body = "patch number " + i;
      many.add(new QuiltEntry("files/" + i + ".txt", Map.of("n", Integer.toString(i)), body.length()));
      data.append(body);
    }
    byte[] prefix = QuiltIndex.of(many).prefix();
    assertThat(prefix.length).as("the index spans many stripes").isGreaterThan(10_000);
    BlobId big = gw.store(quiltBytes(prefix, data.toString()));
    JsonArray list = new JsonArray(gw.exchange("GET", "/v1/quilts/" + big + "/patches").body());
    assertThat(list).hasSize(600);
    for (int i : new int[] {0, 1, 299, 599}) {
      assertThat(list.getJsonObject(i).getString("identifier")).isEqualTo("files/" + i + ".txt");
      RawHttp.Answer patch = gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + list.getJsonObject(i)
          .getString("patch_id"));
      assertThat(patch.body()).isEqualTo("patch number " + i);
      assertThat(gw.exchange("GET", "/v1/blobs/by-quilt-id/" + big + "/files%2F" + i + ".txt").body())
          .isEqualTo("patch number " + i);
    }
  }

  // ---------------------------------------------------------------- not found

  @Test
  void anUnknownQuilt_is404BlobNotFound_onEveryRoute() throws Exception {
    BlobId unknown = AggregatorConformanceTest.unknownBlob();
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(unknown, 0)), 404, "BLOB_NOT_FOUND");
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-id/" + unknown + "/hello.txt"), 404, "BLOB_NOT_FOUND");
    assertError(gw.exchange("GET", "/v1/quilts/" + unknown + "/patches"), 404, "BLOB_NOT_FOUND");
    assertThat(gw.exchange("HEAD", "/v1/quilts/" + unknown + "/patches").status()).isEqualTo(404);
  }

  @Test
  void aPatchTheQuiltDoesNotHold_is404QuiltPatchNotFound() throws Exception {
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(quilt, entries.size())), 404,
        "QUILT_PATCH_NOT_FOUND");
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(quilt, 9_999)), 404,
        "QUILT_PATCH_NOT_FOUND");
    for (String name : new String[] {"nope.txt", "HELLO.TXT", "hello.txt%20", "dir"}) {
      assertError(gw.exchange("GET", "/v1/blobs/by-quilt-id/" + quilt + "/" + name), 404, "QUILT_PATCH_NOT_FOUND");
    }
  }

  // ---------------------------------------------------------------- hostile ids

  @Test
  void tamperedPatchIds_are400() throws Exception {
    byte[] good = QuiltPatchId.ofPatch(quilt, 1).bytes();
    List<String> bad = new ArrayList<>();
    byte[] version = good.clone();
    version[32] = 2;
    bad.add(encode(version));
    byte[] wrongEnd = good.clone();
    wrongEnd[35] = 3; // end = 3 for start = 1
    bad.add(encode(wrongEnd));
    byte[] sameEnd = good.clone();
    sameEnd[35] = 1; // end = start
    bad.add(encode(sameEnd));
    bad.add(encode(java.util.Arrays.copyOf(good, 36)));
    bad.add(encode(java.util.Arrays.copyOf(good, 38)));
    bad.add(patchId(quilt, 1).substring(0, 49) + "*");
    bad.add(quilt.toString());
    for (String id : bad) {
      assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + id), 400, "INVALID_ARGUMENT");
      assertThat(gw.exchange("HEAD", "/v1/blobs/by-quilt-patch-id/" + id).status()).isEqualTo(400);
    }
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-id/not-a-quilt-id/hello.txt"), 400, "INVALID_ARGUMENT");
    assertError(gw.exchange("GET", "/v1/quilts/not-a-quilt-id/patches"), 400, "INVALID_ARGUMENT");
  }

  private static String encode(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  // ---------------------------------------------------------------- hostile blobs

  @Test
  void aBlobThatIsNoQuilt_is400NotAQuilt_onEveryRoute() throws Exception {
    assertThat(assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(plain, 0)), 400,
        "NOT_A_QUILT")).contains("GET /v1/blobs/" + plain);
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-id/" + plain + "/hello.txt"), 400, "NOT_A_QUILT");
    assertError(gw.exchange("GET", "/v1/quilts/" + plain + "/patches"), 400, "NOT_A_QUILT");
    BlobId tiny = gw.store("CQT".getBytes(StandardCharsets.US_ASCII));
    assertError(gw.exchange("GET", "/v1/quilts/" + tiny + "/patches"), 400, "NOT_A_QUILT");
    BlobId version2 = gw.store(head(new byte[] {'C', 'Q', 'T', 2}, 10, 64));
    assertThat(assertError(gw.exchange("GET", "/v1/quilts/" + version2 + "/patches"), 400, "NOT_A_QUILT"))
        .contains("version 2");
  }

  @Test
  void aPrefixClaimingAHugeIndex_isRefused_withoutReadingIt() throws Exception {
    for (long claim : new long[] {0xFFFF_FFFFL, QuiltIndex.MAX_INDEX_BYTES + 1L, QuiltIndex.MAX_INDEX_BYTES}) {
      BlobId hostile = gw.store(head(new byte[] {'C', 'Q', 'T', 1}, claim, 200));
      assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(hostile, 0)), 400, "INVALID_QUILT");
      assertError(gw.exchange("GET", "/v1/quilts/" + hostile + "/patches"), 400, "INVALID_QUILT");
    }
  }

  @Test
  void aTruncatedOrInconsistentQuilt_is400InvalidQuilt() throws Exception {
    byte[] prefix = QuiltIndex.of(entries).prefix();
    // the index cut short inside the blob: the claimed length reaches past the index's last entry
    byte[] cut = java.util.Arrays.copyOf(prefix, prefix.length - 5);
    ByteBuffer.wrap(cut, 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(cut.length - 8 + 5);
    BlobId truncated = gw.store(quiltBytes(java.util.Arrays.copyOf(cut, cut.length), HELLO));
    assertError(gw.exchange("GET", "/v1/quilts/" + truncated + "/patches"), 400, "INVALID_QUILT");
    // the blob ends inside the prefix
    BlobId shortBlob = gw.store(java.util.Arrays.copyOf(prefix, prefix.length / 2));
    assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(shortBlob, 0)), 400, "INVALID_QUILT");
    // a well-formed index whose patches run past the blob's end
    BlobId shortData = gw.store(quiltBytes(prefix, HELLO + ODD));
    assertThat(assertError(gw.exchange("GET", "/v1/blobs/by-quilt-patch-id/" + patchId(shortData, 0)), 400,
        "INVALID_QUILT")).contains("describes");
    // ...or stop before it
    BlobId trailing = gw.store(quiltBytes(prefix, HELLO + ODD + LONG + "trailing"));
    assertError(gw.exchange("GET", "/v1/quilts/" + trailing + "/patches"), 400, "INVALID_QUILT");
  }

  /** The quilt head {@code magic || indexLen} followed by {@code filler} zero bytes. */
  private static byte[] head(byte[] magic, long indexLength, int filler) {
    ByteBuffer b = ByteBuffer.allocate(8 + filler).order(ByteOrder.LITTLE_ENDIAN);
    b.put(magic).putInt((int) indexLength);
    return b.array();
  }
}
