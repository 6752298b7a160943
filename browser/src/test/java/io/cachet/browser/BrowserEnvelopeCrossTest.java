package io.cachet.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.DekCommitment;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Shamir;
import io.cachet.crypto.Share;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java seals, the browser SDK's envelope code opens: the same bytes either way. Java makes
 * envelopes of every size around the segment boundaries, with several thresholds, some damaged,
 * and Shamir splits of fresh keys; one node run (test/cross/openEnvelopes.js, node from PATH,
 * working directory the browser folder) opens them all through header, HPKE, Shamir, commitment
 * and body, and this class compares what it wrote byte for byte.
 */
class BrowserEnvelopeCrossTest {
  /** Plaintext in the first segment: 1 MiB less the 40-byte stream header and the 16-byte tag. */
  private static final int FIRST = 1_048_520;

  /** Plaintext in every later full segment. */
  private static final int FULL = 1_048_560;

  private static final int SEGMENT = 1 << 20;
  private static final int THREE_MIB = 3 << 20;
  private static final long NODE_TIMEOUT_SECONDS = 120;
  private static final String LEDGER = "cachet-cross";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;

  private static final List<HpkeKeyPair> servers = new ArrayList<>();
  private static final Map<String, byte[]> plaintexts = new HashMap<>();
  private static final Map<String, JsonNode> opened = new HashMap<>();
  private static final Map<String, JsonNode> combined = new HashMap<>();
  private static byte[] big;

  @BeforeAll
  static void sealEverythingAndOpenInNode() throws Exception {
    Path browser = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    if (!Files.isDirectory(browser.resolve("node_modules"))) {
      throw new IllegalStateException(browser.resolve("node_modules") + " is missing: run `cd browser && npm ci "
          + "--ignore-scripts --no-audit --no-fund` (a Maven build from a fresh clone does it in the npm-install profile)");
    }
    for (int i = 0; i < 32; i++) {
      servers.add(HpkeKeyPair.generate());
    }
    big = new byte[THREE_MIB];
    new SplittableRandom(18).nextBytes(big);

    ArrayNode envelopes = JSON.createArrayNode();
    int[] sizes = {0, 1, FIRST - 1, FIRST, FIRST + 1, FIRST + FULL - 1, FIRST + FULL, FIRST + FULL + 1,
        FIRST + 2 * FULL - 1, FIRST + 2 * FULL, FIRST + 2 * FULL + 1, THREE_MIB};
    int[][] keySets = {{1, 2}, {2, 3}, {3, 1}, {1, 2, 3}};
    for (int k = 0; k < sizes.length; k++) {
      String name = "size-" + sizes[k];
      byte[] sealed = seal(name, Arrays.copyOf(big, sizes[k]), 2, 3);
      envelopes.add(envelope(name, write(name, sealed), keySets[k % keySets.length], true));
    }
    for (int[] tn : new int[][] {{1, 1}, {3, 5}, {32, 32}}) {
      String name = "threshold-" + tn[0] + "-of-" + tn[1];
      byte[] plain = Arrays.copyOfRange(big, 1000, 71_000);
      int[] all = new int[tn[1]];
      Arrays.setAll(all, i -> i + 1);
      envelopes.add(envelope(name, write(name, seal(name, plain, tn[0], tn[1])), all, true));
    }

    byte[] threeMib = seal("ranges", big, 2, 3);
    ObjectNode ranged = envelope("ranges", write("ranges", threeMib), new int[] {1, 3}, false);
    ArrayNode ranges = ranged.putArray("ranges");
    for (int start : rangePoints()) {
      for (int end : rangePoints()) {
        if (start <= end) {
          ranges.addArray().add(start).add(end);
        }
      }
    }
    envelopes.add(ranged);
    addHostile(envelopes, threeMib);

    ObjectNode job = JSON.createObjectNode();
    job.set("envelopes", envelopes);
    job.set("shamir", shamirSplits());
    Path jobFile = dir.resolve("job.json");
    Files.writeString(jobFile, JSON.writeValueAsString(job));
    runNode(browser, jobFile);

    JsonNode results = JSON.readTree(dir.resolve("results.json").toFile());
    results.get("envelopes").forEach(r -> opened.put(r.get("name").asText(), r));
    results.get("shamir").forEach(r -> combined.put(r.get("name").asText(), r));
  }

  // ---------------------------------------------------------------- what node opened

  @Test
  void everySizeAroundTheSegmentBoundaries_opensToTheSamePlaintext() throws IOException {
    for (String name : plaintexts.keySet()) {
      if (name.startsWith("size-")) {
        assertOpenedTo(name, plaintexts.get(name));
      }
    }
    assertThat(plaintexts.keySet().stream().filter(n -> n.startsWith("size-"))).hasSize(12);
  }

  @Test
  void thresholdsOneOfOne_threeOfFive_andAHeaderOf32Slots_open() throws IOException {
    for (String name : List.of("threshold-1-of-1", "threshold-3-of-5", "threshold-32-of-32")) {
      assertOpenedTo(name, plaintexts.get(name));
    }
  }

  @Test
  void rangesStartingAndEndingAtEachBoundary_giveExactlyTheirBytes() {
    JsonNode result = opened.get("ranges");
    assertThat(result.get("error")).as("ranges: %s", result.get("error")).isNull();
    int checked = 0;
    for (JsonNode r : result.get("ranges")) {
      int start = r.get("start").asInt();
      int end = r.get("end").asInt();
      assertThat(r.get("blake2b").asText()).as("range [%d, %d)", start, end)
          .isEqualTo(HEX.formatHex(Blake2b.hash256(Arrays.copyOfRange(big, start, end))));
      checked++;
    }
    assertThat(checked).isEqualTo(rangePoints().length * (rangePoints().length + 1) / 2);
  }

  @Test
  void aFlippedBitInSegmentTwo_failsHavingReleasedOnlySegmentsZeroAndOne() throws IOException {
    assertFailedAfter("flipped-segment-2", "BODY_TAMPERED", "SEGMENT_AUTH", FIRST + FULL);
  }

  @Test
  void swappedSegmentsOneAndTwo_failHavingReleasedOnlySegmentZero() throws IOException {
    assertFailedAfter("swapped-segments-1-2", "BODY_TAMPERED", "SEGMENT_AUTH", FIRST);
  }

  @Test
  void aBodyOneByteShortOrLong_isRefusedBeforeAnyPlaintext() throws IOException {
    assertFailedAfter("truncated-by-1", "TRUNCATED_BODY", "TRUNCATED", 0);
    assertFailedAfter("extended-by-1", "BODY_TAMPERED", "TRAILING_DATA", 0);
  }

  @Test
  void javaShamirShares_combineInNodeToTheCommittedKey_forEveryThresholdAndSubset() {
    assertThat(combined).isNotEmpty();
    combined.forEach((name, r) -> {
      if (name.contains("/damaged-")) {
        String expected = name.endsWith("-of-all") ? "INCONSISTENT_SHARES" : "COMMITMENT_MISMATCH";
        assertThat(r.get("ok").asBoolean()).as(name).isFalse();
        assertThat(r.at("/error/code").asText()).as(name).isEqualTo(expected);
      } else if (name.endsWith("/too-few")) {
        assertThat(r.at("/error/code").asText()).as(name).isEqualTo("INSUFFICIENT_SHARES");
      } else {
        assertThat(r.get("ok").asBoolean()).as("%s: %s", name, r.get("error")).isTrue();
      }
    });
  }

  private static void assertOpenedTo(String name, byte[] expected) throws IOException {
    JsonNode result = opened.get(name);
    assertThat(result).as(name).isNotNull();
    assertThat(result.get("error")).as("%s: %s", name, result.get("error")).isNull();
    assertThat(result.get("plaintextLength").asLong()).isEqualTo(expected.length);
    byte[] got = Files.readAllBytes(dir.resolve(name + ".out"));
    assertThat(got.length).as(name).isEqualTo(expected.length);
    assertThat(Arrays.mismatch(got, expected)).as("%s: first differing byte", name).isEqualTo(-1);
  }

  private static void assertFailedAfter(String name, String code, String reason, int released) throws IOException {
    JsonNode result = opened.get(name);
    assertThat(result.at("/error/name").asText()).as("%s: %s", name, result).isEqualTo("BodyIntegrityError");
    assertThat(result.at("/error/code").asText()).isEqualTo(code);
    assertThat(result.at("/error/reason").asText()).isEqualTo(reason);
    Path out = dir.resolve(name + ".out");
    byte[] got = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
    assertThat(got.length).as("%s: plaintext bytes released before the failure", name).isEqualTo(released);
    assertThat(Arrays.mismatch(got, Arrays.copyOf(big, released))).isEqualTo(-1);
  }

  // ---------------------------------------------------------------- making the job

  private static int[] rangePoints() {
    return new int[] {0, FIRST - 1, FIRST, FIRST + 1, FIRST + FULL - 1, FIRST + FULL, FIRST + FULL + 1,
        FIRST + 2 * FULL - 1, FIRST + 2 * FULL, FIRST + 2 * FULL + 1, THREE_MIB};
  }

  private static byte[] seal(String name, byte[] plain, int t, int n) throws IOException {
    List<KeyServerKey> keys = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      keys.add(new KeyServerKey("ks-" + i, servers.get(i - 1).publicKey()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + 8192);
    Envelope.seal(new SealParameters(LEDGER, PolicyId.random(RANDOM), t, keys), new ByteArrayInputStream(plain),
        plain.length, out, RANDOM);
    plaintexts.put(name, plain);
    return out.toByteArray();
  }

  private static Path write(String name, byte[] envelope) throws IOException {
    return Files.write(dir.resolve(name + ".cachet"), envelope);
  }

  /** A job entry opening `file` with the shares of the key servers in `slots`. */
  private static ObjectNode envelope(String name, Path file, int[] slots, boolean wholePlaintext) {
    ObjectNode e = JSON.createObjectNode().put("name", name).put("file", file.toString());
    if (wholePlaintext) {
      e.put("out", dir.resolve(name + ".out").toString());
    }
    ArrayNode keys = e.putArray("keys");
    for (int index : slots) {
      byte[] privateKey = servers.get(index - 1).tinkKey().getPrivateKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
      keys.addObject().put("index", index).put("privateKey", HEX.formatHex(privateKey));
    }
    return e;
  }

  /** The 3 MiB envelope damaged four ways, each opened whole with key servers 1 and 2. */
  private static void addHostile(ArrayNode envelopes, byte[] sealed) throws IOException {
    int headerLength = sealed.length - bodyLength(THREE_MIB);
    byte[] flipped = sealed.clone();
    flipped[headerLength + 2 * SEGMENT + 100] ^= 0x20;
    byte[] swapped = sealed.clone();
    System.arraycopy(sealed, headerLength + SEGMENT, swapped, headerLength + 2 * SEGMENT, SEGMENT);
    System.arraycopy(sealed, headerLength + 2 * SEGMENT, swapped, headerLength + SEGMENT, SEGMENT);
    Map<String, byte[]> damaged = Map.of(
        "flipped-segment-2", flipped,
        "swapped-segments-1-2", swapped,
        "truncated-by-1", Arrays.copyOf(sealed, sealed.length - 1),
        "extended-by-1", Arrays.copyOf(sealed, sealed.length + 1));
    for (Map.Entry<String, byte[]> d : damaged.entrySet()) {
      envelopes.add(envelope(d.getKey(), write(d.getKey(), d.getValue()), new int[] {1, 2}, true));
    }
  }

  /** FORMAT.md's body length, for the small envelopes here. */
  private static int bodyLength(int plaintextLength) {
    int covered = plaintextLength + 40;
    return covered / FULL * SEGMENT + (covered % FULL > 0 ? covered % FULL + 16 : 0);
  }

  /**
   * Fresh keys split by Java's Shamir for several (t, n), each given to node as every share, the
   * first t, the last t, a shuffled t, fewer than t, and with one share damaged.
   */
  private static ArrayNode shamirSplits() {
    ArrayNode splits = JSON.createArrayNode();
    int[][] shapes = {{1, 1}, {1, 4}, {2, 2}, {2, 5}, {3, 7}, {16, 32}, {31, 32}, {32, 32}};
    for (int[] tn : shapes) {
      int t = tn[0];
      int n = tn[1];
      DataKey key = DataKey.generate(RANDOM);
      ObjectId objectId = ObjectId.random(RANDOM);
      byte[] commitment = DekCommitment.compute(key, objectId);
      List<Share> shares = Shamir.split(key, t, n, RANDOM);
      key.destroy();
      String shape = t + "-of-" + n;
      List<Share> shuffled = new ArrayList<>(shares);
      Collections.shuffle(shuffled, RANDOM);
      Map<String, List<Share>> subsets = new HashMap<>();
      subsets.put(shape + "/all", shares);
      subsets.put(shape + "/first-t", shares.subList(0, t));
      subsets.put(shape + "/last-t", shares.subList(n - t, n));
      subsets.put(shape + "/shuffled-t", shuffled.subList(0, t));
      if (t > 1) {
        subsets.put(shape + "/too-few", shares.subList(0, t - 1));
      }
      for (Map.Entry<String, List<Share>> s : subsets.entrySet()) {
        splits.add(split(s.getKey(), t, n, objectId, commitment, s.getValue(), -1));
      }
      if (n > t) {
        splits.add(split(shape + "/damaged-of-all", t, n, objectId, commitment, shares, n - 1));
      }
      splits.add(split(shape + "/damaged-of-t", t, n, objectId, commitment, shares.subList(0, t), 0));
    }
    return splits;
  }

  private static ObjectNode split(String name, int t, int n, ObjectId objectId, byte[] commitment, List<Share> shares,
      int damagedAt) {
    ObjectNode s = JSON.createObjectNode().put("name", name).put("threshold", t).put("shareCount", n)
        .put("objectId", HEX.formatHex(objectId.bytes())).put("commitment", HEX.formatHex(commitment));
    ArrayNode list = s.putArray("shares");
    for (int i = 0; i < shares.size(); i++) {
      byte[] value = shares.get(i).value();
      if (i == damagedAt) {
        value[7] ^= 0x01;
      }
      list.addObject().put("index", shares.get(i).index()).put("bytes", HEX.formatHex(value));
      Arrays.fill(value, (byte) 0);
    }
    return s;
  }

  // ---------------------------------------------------------------- running node

  private static void runNode(Path browser, Path jobFile) throws IOException, InterruptedException {
    Path log = dir.resolve("node.log");
    Process node;
    try {
      node = new ProcessBuilder("node", "test/cross/openEnvelopes.js", jobFile.toString())
          .directory(browser.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start `node` from PATH (Node 20 or later is needed for the browser "
          + "module's tests): " + e.getMessage(), e);
    }
    if (!node.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      throw new IllegalStateException("node did not finish within " + NODE_TIMEOUT_SECONDS + " s: "
          + Files.readString(log, StandardCharsets.UTF_8));
    }
    if (node.exitValue() != 0) {
      throw new IllegalStateException("node exited with " + node.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8));
    }
  }
}
