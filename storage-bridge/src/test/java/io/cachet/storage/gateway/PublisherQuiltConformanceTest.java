package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.PublisherConformance.assertNewlyCreated;
import static io.cachet.storage.gateway.PublisherConformance.error;
import static io.cachet.storage.gateway.PublisherConformance.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.cachet.storage.gateway.PublisherConformance.Form;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code PUT /v1/quilts} against Walrus's publisher API, over raw HTTP to a running gateway: the
 * answer ({@code blobStoreResult} exactly as {@code PUT /v1/blobs} answers, {@code
 * storedQuiltBlobs} in form order), the stored blob read back and parsed as a quilt, every kind of
 * bad form refused with a 400 naming the problem, the size limit, and the temporary files: private
 * while the upload runs, gone after it, whatever its end.
 */
class PublisherQuiltConformanceTest {
  private static final long MAX = 256 * 1024;
  private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

  @TempDir static Path root;
  private static PublisherConformance gw;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    gw = new PublisherConformance(root, MAX);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] blob(String blobId) throws Exception {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.net.gatewayUrl() + "/v1/blobs/" + blobId))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static Set<Path> quiltDirs() throws IOException {
    try (Stream<Path> all = Files.list(TMP)) {
      return all.filter(p -> p.getFileName().toString().startsWith(QuiltPublisher.TEMP_PREFIX)).collect(Collectors.toSet());
    }
  }

  /** The temporary directories of this test's uploads are deleted once the answers are out (asynchronously). */
  private static void assertNoneLeft(Set<Path> before) throws Exception {
    for (int i = 0; i < 200; i++) {
      Set<Path> now = quiltDirs();
      now.removeAll(before);
      if (now.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    }
    Set<Path> now = quiltDirs();
    now.removeAll(before);
    assertThat(now).as("temporary quilt directories left behind").isEmpty();
  }

  @Test
  void quilt_isStoredInFormOrder_answeredAsWalrus_andReadsBackAsAQuilt() throws Exception {
    Set<Path> before = quiltDirs();
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("zeta.txt", bytes("the last letter, stored first"));
    files.put("alpha.json", bytes("{\"a\":1}"));
    files.put("empty", new byte[0]);
    files.put("ünïcode name", bytes("identifiers are UTF-8"));
    Form form = new Form();
    files.forEach(form::file);
    Map<String, Map<String, String>> tags = new LinkedHashMap<>();
    tags.put("alpha.json", Map.of("content-type", "application/json", "creator", "walrus"));
    tags.put("zeta.txt", Map.of("version", "1.0"));
    form.metadata(tags);

    JsonObject answer = ok(gw.putQuilt("?epochs=2&quilt_version=V1", form));
    assertThat(answer.fieldNames()).containsExactlyInAnyOrder("blobStoreResult", "storedQuiltBlobs");
    long total = files.values().stream().mapToLong(b -> b.length).sum();
    String quiltId = assertNewlyCreated(answer.getJsonObject("blobStoreResult"), quiltSize(answer), 2, true);

    JsonArray stored = answer.getJsonArray("storedQuiltBlobs");
    assertThat(stored).hasSize(4);
    List<String> names = List.copyOf(files.keySet());
    for (int i = 0; i < 4; i++) {
      JsonObject s = stored.getJsonObject(i);
      assertThat(s.fieldNames()).containsExactlyInAnyOrder("identifier", "quiltPatchId");
      assertThat(s.getString("identifier")).isEqualTo(names.get(i));
      assertThat(s.getString("quiltPatchId")).hasSize(50).matches("[A-Za-z0-9_-]{50}");
      QuiltPatchId id = QuiltPatchId.parse(s.getString("quiltPatchId"));
      assertThat(id.quiltId()).isEqualTo(BlobId.parse(quiltId));
      assertThat(id.index()).isEqualTo(i);
    }

    byte[] quilt = blob(quiltId);
    int prefix = QuiltIndex.prefixLength(Arrays.copyOf(quilt, QuiltIndex.HEAD_BYTES));
    QuiltIndex index = QuiltIndex.parse(Arrays.copyOf(quilt, prefix));
    assertThat(index.quiltLength()).isEqualTo(quilt.length).isEqualTo(prefix + total).isEqualTo(quiltSize(answer));
    assertThat(index.entries()).extracting(QuiltEntry::identifier).containsExactlyElementsOf(names);
    assertThat(index.entry(1).tags()).containsExactly(Map.entry("content-type", "application/json"),
        Map.entry("creator", "walrus"));
    assertThat(index.entry(0).tags()).containsExactly(Map.entry("version", "1.0"));
    assertThat(index.entry(2).tags()).isEmpty();
    for (int i = 0; i < 4; i++) {
      int from = (int) index.dataOffset(i);
      assertThat(Arrays.copyOfRange(quilt, from, from + (int) index.entry(i).length()))
          .isEqualTo(files.get(names.get(i)));
    }
    assertNoneLeft(before);

    // each stored patch id reads its patch back through the aggregator's quilt routes
    RawHttp.Answer patch = RawHttp.exchange(gw.port, "GET", "/v1/blobs/by-quilt-patch-id/"
        + stored.getJsonObject(1).getString("quiltPatchId"));
    assertThat(patch.status()).isEqualTo(200);
    assertThat(patch.body()).isEqualTo("{\"a\":1}");
    assertThat(patch.header("X-Quilt-Patch-Identifier")).isEqualTo("alpha.json");
    assertThat(patch.header("Content-Type")).isEqualTo("application/json");

    // the same form again: alreadyCertified, and the same patch ids
    JsonObject again = ok(gw.putQuilt("?epochs=1", form));
    JsonObject certified = again.getJsonObject("blobStoreResult").getJsonObject("alreadyCertified");
    assertThat(certified.getString("blobId")).isEqualTo(quiltId);
    assertThat(certified.getJsonObject("event").getValue("txDigest")).isInstanceOf(String.class);
    assertThat(again.getJsonArray("storedQuiltBlobs")).isEqualTo(stored);
  }

  private static long quiltSize(JsonObject answer) {
    return answer.getJsonObject("blobStoreResult").getJsonObject("newlyCreated").getJsonObject("blobObject")
        .getLong("size");
  }

  @Test
  void nonStringTagValues_areKeptAsTheirJsonText_asWalrusDoes() throws Exception {
    byte[] form = new Form().file("numbers", bytes("tagged with numbers"))
        .field("_metadata", "[{\"identifier\":\"numbers\",\"tags\":{\"n\":1,\"ok\":true,\"o\":{\"a\":[1]}}}]")
        .bytes();
    JsonObject answer = ok(gw.put("/v1/quilts", form, "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY));
    String quiltId = answer.getJsonObject("blobStoreResult").getJsonObject("newlyCreated")
        .getJsonObject("blobObject").getString("blobId");
    byte[] quilt = blob(quiltId);
    QuiltIndex index = QuiltIndex.parse(Arrays.copyOf(quilt, QuiltIndex.prefixLength(
        Arrays.copyOf(quilt, QuiltIndex.HEAD_BYTES))));
    assertThat(index.entry(0).tags()).containsExactly(Map.entry("n", "1"), Map.entry("o", "{\"a\":[1]}"),
        Map.entry("ok", "true"));
  }

  @Test
  void badForms_are400_namingTheProblem_andLeaveNoFiles() throws Exception {
    Set<Path> before = quiltDirs();
    Map<String, Form> cases = new LinkedHashMap<>();
    cases.put("form field _secret starts with '_', which is reserved",
        new Form().file("ok", bytes("a")).file("_secret", bytes("b")));
    cases.put("identifier twice names two files", new Form().file("twice", bytes("a")).file("twice", bytes("b")));
    // (control characters and trailing spaces cannot arrive: the form decoder cleans field names, see STORAGE.md)
    cases.put("a quilt patch identifier may not be empty", new Form().file("", bytes("a")));
    cases.put("_metadata names ghost, but no file part has that name",
        new Form().file("real", bytes("a")).metadata(Map.of("ghost", Map.of("k", "v"))));
    cases.put("_metadata names real twice", new Form().file("real", bytes("a"))
        .field("_metadata", "[{\"identifier\":\"real\"},{\"identifier\":\"real\"}]"));
    cases.put("_metadata is not a JSON array", new Form().file("real", bytes("a")).field("_metadata", "{nope"));
    cases.put("the form holds no file", new Form().metadata(Map.of()));
    cases.put("form field note is not a file", new Form().file("real", bytes("a")).field("note", "hello"));
    cases.put("has a tag with an empty key", new Form().file("real", bytes("a"))
        .metadata(Map.of("real", Map.of("", "v"))));
    for (Map.Entry<String, Form> c : cases.entrySet()) {
      String message = error(gw.putQuilt("", c.getValue()), 400, QuiltPublisher.MALFORMED);
      assertThat(message).as(c.getKey()).contains(c.getKey());
    }
    assertNoneLeft(before);
  }

  @Test
  void anEmptyBody_is400() throws Exception {
    RawHttp.Answer a = gw.put("/v1/quilts", bytes("--" + Form.BOUNDARY + "--\r\n"),
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY);
    assertThat(error(a, 400, QuiltPublisher.MALFORMED)).contains("the form holds no file");
  }

  @Test
  void moreThanMaxPatches_is400() throws Exception {
    Set<Path> before = quiltDirs();
    Form form = new Form();
    for (int i = 0; i <= QuiltIndex.MAX_PATCHES; i++) {
      form.file("f" + i, new byte[0]);
    }
    // chunked, so that the form's ~1.5 MB of part headers meets no declared-length check
    assertThat(error(chunkedExchange("/v1/quilts", form.bytes()), 400, QuiltPublisher.MALFORMED))
        .isEqualTo("a quilt holds at most 10000 files; store the rest in another quilt");
    assertNoneLeft(before);
  }

  @Test
  void partsOverTheMaxBlobSize_are413_andLeaveNoFiles() throws Exception {
    Set<Path> before = quiltDirs();
    Form form = new Form().file("big-1", new byte[(int) MAX / 2 + 1]).file("big-2", new byte[(int) MAX / 2 + 1]);
    byte[] body = form.bytes();
    // chunked: no declared length lets the admission catch it; the parts' bytes are counted
    RawHttp.Answer a = chunkedExchange("/v1/quilts", body);
    assertThat(error(a, 413, "TOO_LARGE")).contains(Long.toString(MAX));
    assertNoneLeft(before);
  }

  @Test
  void quiltParameters_areTheBlobsOnes_plusQuiltVersion() throws Exception {
    Form form = new Form().file("p", bytes("parameters"));
    assertThat(error(gw.putQuilt("?epochs=0", form), 400, "INVALID_ARGUMENT"))
        .startsWith("epochs must be between 1 and 53");
    assertThat(error(gw.putQuilt("?send_object_to=0x1", form), 400, "INVALID_ARGUMENT"))
        .startsWith("send_object_to is not supported");
    assertThat(error(gw.putQuilt("?quilt_version=2", form), 400, "INVALID_ARGUMENT"))
        .startsWith("quilt_version 2 is not supported");
    for (String v : List.of("v1", "V1", "1")) {
      assertThat(gw.putQuilt("?quilt_version=" + v, form).status()).isEqualTo(200);
    }
  }

  @Test
  void partsWaitInPrivateFiles_whileTheFormArrives() throws Exception {
    Set<Path> before = quiltDirs();
    byte[] first = ("--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"slow\"; filename=\"s\"\r\n\r\n"
        + "the first part, then a pause").getBytes(StandardCharsets.UTF_8);
    byte[] rest = ("\r\n--" + Form.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gw.port), 10_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v1/quilts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: multipart/form-data;"
          + " boundary=" + Form.BOUNDARY + "\r\nContent-Length: " + (first.length + rest.length) + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(first);
      out.flush();
      Path part = null;
      for (int i = 0; i < 200 && part == null; i++) {
        Set<Path> now = quiltDirs();
        now.removeAll(before);
        for (Path dir : now) {
          Path candidate = dir.resolve("part-0");
          if (Files.exists(candidate)) {
            part = candidate;
          }
        }
        if (part == null) {
          Thread.sleep(50);
        }
      }
      assertThat(part).as("a part's temporary file while the form arrives").isNotNull();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(part.getParent()))).isEqualTo("rwx------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(part))).isEqualTo("rw-------");
      out.write(rest);
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 200").contains("\"identifier\":\"slow\"");
    }
    assertNoneLeft(before);
  }

  @Test
  void aClientThatLeavesMidForm_leavesNoFiles() throws Exception {
    Set<Path> before = quiltDirs();
    byte[] first = ("--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"gone\"; filename=\"g\"\r\n\r\n"
        + "half a part").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gw.port), 10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v1/quilts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
          + Form.BOUNDARY + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(first);
      out.flush();
      for (int i = 0; i < 200 && quiltDirs().size() == before.size(); i++) {
        Thread.sleep(50);
      }
    }
    assertNoneLeft(before);
    // and the slot it held is free again
    assertThat(gw.putQuilt("", new Form().file("after", bytes("the next upload"))).status()).isEqualTo(200);
  }

  @Test
  void metadataPastItsLimit_is400() throws Exception {
    byte[] big = new byte[QuiltPublisher.MAX_METADATA_BYTES + 1];
    Arrays.fill(big, (byte) ' ');
    Form form = new Form().file("m", bytes("a")).field("_metadata", new String(big, StandardCharsets.UTF_8));
    RawHttp.Answer a = chunkedExchange("/v1/quilts", form.bytes());
    assertThat(error(a, 400, QuiltPublisher.MALFORMED)).contains("_metadata");
  }

  @Test
  void plainFieldsPastTheFormsAllowance_are413_beforeTheBodyEnds() throws Exception {
    // two plain fields just under the per-field limit already pass the allowance; then 14 more
    int field = QuiltPublisher.MAX_METADATA_BYTES - 1024;
    Form form = new Form().file("f", bytes("a"));
    for (int i = 0; i < 16; i++) {
      form.field("x" + i, "y".repeat(field));
    }
    byte[] body = chunked(form.bytes());
    Set<Path> before = quiltDirs();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gw.port), 10_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT /v1/quilts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
          + Form.BOUNDARY + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      Thread writer = new Thread(() -> {
        try {
          for (int at = 0; at < body.length; at += 64 * 1024) {
            int n = Math.min(64 * 1024, body.length - at);
            out.write(body, at, n);
            sent.addAndGet(n);
          }
          out.flush();
        } catch (IOException closedByTheGateway) {
          // expected: the gateway stops reading once it has refused
        }
      });
      writer.start();
      InputStream in = s.getInputStream();
      byte[] status = in.readNBytes(12);
      long sentWhenAnswered = sent.get();
      assertThat(new String(status, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 413");
      assertThat(sentWhenAnswered).as("bytes sent when the 413 arrived, of " + body.length)
          .isLessThan(body.length / 2);
      String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(rest).contains("TOO_LARGE").contains("the form's fields and part headers exceed");
      writer.join(10_000);
    }
    assertNoneLeft(before);
  }

  @Test
  void aBodyEndingInsideAPart_is400_atOnce_andFreesItsSlotAndFiles() throws Exception {
    Set<Path> before = quiltDirs();
    byte[] cut = ("--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a\"\r\n\r\nhello")
        .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 3; i++) {   // more than the two upload slots one address has: each is freed
      RawHttp.Answer a = gw.put("/v1/quilts", cut, "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY);
      assertThat(error(a, 400, QuiltPublisher.MALFORMED)).contains("the form ends in the middle of part a");
    }
    byte[] metadataCut = ("--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n"
        + "x\r\n--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"_metadata\"; filename=\"m.json\"\r\n\r\n[")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(error(gw.put("/v1/quilts", metadataCut, "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY),
        400, QuiltPublisher.MALFORMED)).contains("in the middle of part _metadata");
    assertNoneLeft(before);
    assertThat(gw.putQuilt("", new Form().file("after-cut", bytes("whole"))).status()).isEqualTo(200);
  }

  @Test
  void aCharsetTheDecoderRefuses_is400_atOnce() throws Exception {
    Set<Path> before = quiltDirs();
    Form form = new Form().file("c", bytes("charset"));
    for (String charset : List.of("nope", "not a name")) {
      RawHttp.Answer a = gw.put("/v1/quilts", form.bytes(), "Content-Type: multipart/form-data; boundary="
          + Form.BOUNDARY + "; charset=" + charset);
      String message = error(a, 400, QuiltPublisher.MALFORMED);
      assertThat(message).contains("cannot be read with Content-Type").contains("charset=" + charset)
          .doesNotContain("(null)");
    }
    assertNoneLeft(before);
  }

  @Test
  void anIdentifierOfTheLongestLength_isStored_andALongerHeaderIsRefusedInWords() throws Exception {
    String longest = "i".repeat(QuiltEntry.MAX_IDENTIFIER_BYTES);
    JsonObject answer = ok(gw.put("/v1/quilts", namedPart(longest, "f.bin", "longest"),
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY));
    assertThat(answer.getJsonArray("storedQuiltBlobs").getJsonObject(0).getString("identifier")).isEqualTo(longest);

    String tooLong = longest + "i";
    assertThat(error(gw.put("/v1/quilts", namedPart(tooLong, "f.bin", "too long"),
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY), 400, QuiltPublisher.MALFORMED))
        .contains("at most " + QuiltEntry.MAX_IDENTIFIER_BYTES);

    String huge = "h".repeat(QuiltPublisher.MAX_FORM_BUFFERED_BYTES);
    String message = error(gw.put("/v1/quilts", namedPart(huge, huge, "past the decoder"),
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY), 400, QuiltPublisher.MALFORMED);
    assertThat(message).contains("a part's headers are longer than " + QuiltPublisher.MAX_FORM_BUFFERED_BYTES)
        .doesNotContain("(null)");
  }

  /** A whole form of one file part with the given field name and file name. */
  private static byte[] namedPart(String name, String filename, String content) {
    return ("--" + Form.BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + Form.BOUNDARY + "--\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A PUT whose body is sent chunked (RawHttp always declares a length), and its answer. */
  private static RawHttp.Answer chunkedExchange(String target, byte[] body) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gw.port), 10_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(("PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type:"
          + " multipart/form-data; boundary=" + Form.BOUNDARY + "\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      try {
        out.write(chunked(body));
        out.flush();
      } catch (IOException refusedMidway) {
        // the answer may come, and the connection close, before all of the body is sent
      }
      String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      List<String> lines = List.of(text.substring(0, end).split("\r\n"));
      return new RawHttp.Answer(Integer.parseInt(lines.get(0).split(" ")[1]), lines.subList(1, lines.size()),
          text.substring(end + 4));
    }
  }

  private static byte[] chunked(byte[] body) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int at = 0; at < body.length; at += 8192) {
      int n = Math.min(8192, body.length - at);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }
}
