package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.quilt.QuiltPatchId;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Whatever a publisher or aggregator answers to a quilt call, the store ends in a result that
 * matches what was sent or in a {@link StorageException}: never a NullPointerException, a Jackson
 * or a number format error escaping the parser. Mutations of valid answers, seeded, so a failure
 * is replayed by its seed.
 */
class QuiltAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final BlobId QUILT = BlobId.parse("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");
  private static final List<QuiltFile> FILES = List.of(QuiltFile.of("a", BlobSource.ofBytes(new byte[1])),
      new QuiltFile("b", Map.of("k", "v"), BlobSource.ofBytes(new byte[2])));

  private static ObjectNode validStore() throws Exception {
    ObjectNode root = NODES.objectNode();
    root.set("blobStoreResult", JSON.readTree(ScriptedServer.resource("store-newly-created.json")));
    ArrayNode stored = root.putArray("storedQuiltBlobs");
    stored.addObject().put("identifier", "b").put("quiltPatchId", QuiltPatchId.ofPatch(QUILT, 1).toString());
    stored.addObject().put("identifier", "a").put("quiltPatchId", QuiltPatchId.ofPatch(QUILT, 0).toString());
    return root;
  }

  private static ArrayNode validList() {
    ArrayNode list = NODES.arrayNode();
    list.addObject().put("identifier", "a").put("patch_id", QuiltPatchId.ofPatch(QUILT, 0).toString())
        .putObject("tags");
    list.addObject().put("identifier", "b").put("patch_id", QuiltPatchId.ofPatch(QUILT, 1).toString())
        .putObject("tags").put("k", "v");
    return list;
  }

  @Test
  void valid_answers_readAsSent() throws Exception {
    QuiltStoreResult r = QuiltAnswers.storeResult(200, validStore().toString().getBytes(StandardCharsets.UTF_8),
        FILES);
    assertThat(r.patches()).containsExactly(new QuiltPatch("a", QuiltPatchId.ofPatch(QUILT, 0), Map.of()),
        new QuiltPatch("b", QuiltPatchId.ofPatch(QUILT, 1), Map.of("k", "v")));
    List<QuiltPatch> listed = QuiltAnswers.patches(200,
        new ByteArrayInputStream(validList().toString().getBytes(StandardCharsets.UTF_8)), QUILT);
    assertThat(listed).isEqualTo(r.patches());
  }

  @Test
  void pathSegment_keepsUnreservedCharacters_andEncodesTheRestAsUtf8() {
    assertThat(QuiltAnswers.pathSegment("Az09-._~")).isEqualTo("Az09-._~");
    assertThat(QuiltAnswers.pathSegment("a/b c?d#e%f")).isEqualTo("a%2Fb%20c%3Fd%23e%25f");
    assertThat(QuiltAnswers.pathSegment("日本")).isEqualTo("%E6%97%A5%E6%9C%AC");
  }

  @Property(tries = 500)
  void storeAnswer_mutated_isAResultOrAStorageException(@ForAll @IntRange(min = 1, max = 6) int mutations,
      @ForAll long seed) throws Exception {
    Random random = new Random(seed);
    JsonNode answer = validStore();
    for (int i = 0; i < mutations; i++) {
      answer = mutate(answer, random);
    }
    byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
    try {
      QuiltStoreResult r = QuiltAnswers.storeResult(200, body, FILES);
      assertThat(r.patches()).extracting(QuiltPatch::identifier).containsExactly("a", "b");
      assertThat(r.patches()).allMatch(p -> p.quiltId().equals(r.blob().blobId()));
    } catch (StorageException e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(e.reason()).isIn(Reason.PROTOCOL, Reason.INTEGRITY, Reason.INTERNAL, Reason.BLOB_NOT_FOUND,
          Reason.INVALID_ARGUMENT, Reason.UNAUTHENTICATED, Reason.SIZE_EXCEEDED, Reason.TOO_LARGE,
          Reason.INVALID_BYTE_RANGE, Reason.RATE_LIMITED, Reason.FORBIDDEN_BLOB, Reason.UNAVAILABLE,
          Reason.INSUFFICIENT_CONFIRMATIONS);
    }
  }

  @Property(tries = 500)
  void patchList_mutated_isAListOfThisQuiltOrAProtocolFailure(@ForAll @IntRange(min = 1, max = 6) int mutations,
      @ForAll long seed) throws Exception {
    Random random = new Random(seed);
    JsonNode answer = validList();
    for (int i = 0; i < mutations; i++) {
      answer = mutate(answer, random);
    }
    byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
    try {
      List<QuiltPatch> list = QuiltAnswers.patches(200, new ByteArrayInputStream(body), QUILT);
      assertThat(list).allMatch(p -> p.quiltId().equals(QUILT));
    } catch (StorageException e) {
      assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  /** One random change somewhere in the tree: a node removed, replaced by a random value, or renamed. */
  private static JsonNode mutate(JsonNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode o && o.size() > 0) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      String name = names.get(random.nextInt(names.size()));
      switch (random.nextInt(3)) {
        case 0 -> o.remove(name);
        case 1 -> o.set(name, randomValue(random));
        default -> o.set(name.toUpperCase() + "_", o.remove(name));
      }
    } else if (target instanceof ArrayNode a && a.size() > 0) {
      int i = random.nextInt(a.size());
      switch (random.nextInt(3)) {
        case 0 -> a.remove(i);
        case 1 -> a.set(i, randomValue(random));
        default -> a.add(a.get(i).deepCopy());
      }
    } else if (target instanceof ArrayNode a) {
      a.add(randomValue(random));
    }
    return root;
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      Iterator<JsonNode> it = node.elements();
      while (it.hasNext()) {
        collect(it.next(), out);
      }
    }
  }

  private static JsonNode randomValue(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.numberNode(random.nextLong());
      case 2 -> NODES.textNode(QuiltPatchId.ofPatch(BlobId.of(new byte[32]), random.nextInt(5)).toString());
      case 3 -> NODES.textNode("6XUOE-Q5-nAXHRifN6n9nomVDtHZQbGuAkW3PjlBuKoBAQDQAA");
      case 4 -> NODES.booleanNode(random.nextBoolean());
      case 5 -> NODES.arrayNode().add(1);
      case 6 -> NODES.objectNode().put("x", "y");
      default -> NODES.textNode("a");
    };
  }
}
