package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever a server answers, the client ends in a valid result or a {@link StorageException}:
 * never a NullPointerException, a Jackson exception or a number format error escaping the parser.
 * Bodies that do not name an error are PROTOCOL failures; only the {@code error} and
 * {@code markedInvalid} shapes may carry another reason.
 */
class WalrusAnswerProperties {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> FIXTURES = List.of("store-newly-created.json",
      "store-newly-created-snake-case.json", "store-newly-created-extra-fields.json",
      "store-already-certified-event.json", "store-already-certified-object.json", "store-marked-invalid.json",
      "store-error.json", "error-404.json", "error-413.json");
  private static final List<String> KEYS = List.of("newlyCreated", "newly_created", "alreadyCertified",
      "already_certified", "markedInvalid", "error", "blobObject", "blob_object", "blobId", "blob_id", "storage",
      "endEpoch", "end_epoch", "size", "cost", "id", "object", "event", "failurePhase", "errorMsg", "code",
      "status", "message", "details", "reason", "@type");

  private static ScriptedServer server;
  private static WalrusBlobStore store;

  @BeforeContainer
  static void start() throws IOException {
    server = new ScriptedServer();
    store = new WalrusBlobStore(WalrusConfig.builder().publisher(server.url()).aggregator(server.url())
        .retry(RetryPolicy.none()).build(), d -> { }, InstantSource.system());
  }

  @AfterContainer
  static void stop() {
    store.close();
    server.close();
  }

  @Property(tries = 300)
  void garbageBytes_areProtocolFailuresOrResults(@ForAll byte[] body,
      @ForAll @IntRange(min = 200, max = 299) int status) {
    checkStore(status, body);
  }

  @Property(tries = 300)
  void randomJsonObjects_areProtocolFailuresOrResults(@ForAll("walrusLikeObjects") String json) {
    checkStore(200, json.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 400)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void mutatedFixtures_areProtocolFailuresOrResults(@ForAll("fixtureNames") String fixture, @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
    JsonNode root = JSON.readTree(ScriptedServer.resource(fixture));
    Random random = new Random(seed);
    for (int i = 0; i < mutations; i++) {
      mutate(root, random);
    }
    String outcome = checkStore(200, JSON.writeValueAsBytes(root));
    // The mutations must reach both sides of the parser, or the property proves little.
    Statistics.collect(outcome);
    Statistics.coverage(c -> {
      c.check("result").count(n -> n > 0);
      c.check("PROTOCOL").count(n -> n > 0);
    });
  }

  @Property(tries = 300)
  void errorBodies_alwaysGiveAStorageExceptionWithTheStatus(@ForAll("errorBodies") byte[] body,
      @ForAll @IntRange(min = 300, max = 599) int status, @ForAll boolean truncated) {
    StorageException e = WalrusAnswers.failure(status, body, truncated, "read");

    assertThat(e).isNotNull();
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e.reason()).isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n", "\r");
  }

  /** The same garbage through a real HTTP exchange: still only a result or a StorageException. */
  @Property(tries = 25)
  void garbageOverHttp_isAProtocolFailureOrAResult(@ForAll("walrusLikeObjects") String json) {
    server.then("PUT", ScriptedServer.status(200, json, "Content-Type", "application/json"));
    try {
      StoreResult r = store.store(BlobSource.ofBytes(new byte[17]), StoreOptions.epochs(1));
      assertValid(r);
    } catch (StorageException e) {
      assertReasonFits(e, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  // ---------------------------------------------------------------- checks

  /** "result" or the failure's reason. */
  private static String checkStore(int status, byte[] body) {
    try {
      assertValid(WalrusAnswers.storeResult(status, body, -1));
      return "result";
    } catch (StorageException e) {
      assertReasonFits(e, body);
      return e.reason().name();
    }
  }

  private static void assertValid(StoreResult r) {
    assertThat(r.blobId()).isNotNull();
    assertThat(r.endEpoch()).isNotNegative();
    assertThat(r.size()).isGreaterThanOrEqualTo(-1);
    assertThat(r.cost()).isGreaterThanOrEqualTo(-1);
  }

  private static void assertReasonFits(StorageException e, byte[] body) {
    if (e.reason() == Reason.PROTOCOL) {
      return;
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException notJson) {
      throw new AssertionError("a non-JSON body gave " + e.reason(), e);
    }
    assertThat(root.has("error") || root.has("markedInvalid") || root.has("marked_invalid"))
        .as("only error answers carry reason %s: %s", e.reason(), e.getMessage()).isTrue();
  }

  // ---------------------------------------------------------------- generators

  @Provide
  Arbitrary<String> fixtureNames() {
    return Arbitraries.of(FIXTURES);
  }

  @Provide
  Arbitrary<String> walrusLikeObjects() {
    return Arbitraries.longs().map(seed -> {
      Random random = new Random(seed);
      ObjectNode root = NODES.objectNode();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        root.set(KEYS.get(random.nextInt(6)), randomValue(random, 4));
      }
      try {
        return JSON.writeValueAsString(root);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Provide
  Arbitrary<byte[]> errorBodies() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
        walrusLikeObjects().map(s -> s.getBytes(StandardCharsets.UTF_8)),
        Arbitraries.of(FIXTURES).map(ScriptedServer::resource),
        Arbitraries.strings().ofMaxLength(500).map(s -> s.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonNode randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 14 : 11);
    return switch (kind) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.numberNode(random.nextInt(400) - 2);
      case 2 -> NODES.numberNode(random.nextLong());
      case 3 -> NODES.numberNode(new BigInteger(90, random));
      case 4 -> NODES.numberNode(random.nextDouble() * 1e6);
      case 5 -> NODES.textNode("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");
      case 6 -> NODES.textNode("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUl");
      case 7 -> NODES.textNode(Long.toString(random.nextInt(1000)));
      case 8 -> NODES.textNode(randomText(random));
      case 9 -> NODES.booleanNode(random.nextBoolean());
      case 10 -> NODES.textNode(KEYS.get(random.nextInt(KEYS.size())));
      case 11 -> {
        ArrayNode a = NODES.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          a.add(randomValue(random, depth - 1));
        }
        yield a;
      }
      default -> {
        ObjectNode o = NODES.objectNode();
        for (int i = random.nextInt(5); i > 0; i--) {
          o.set(KEYS.get(random.nextInt(KEYS.size())), randomValue(random, depth - 1));
        }
        yield o;
      }
    };
  }

  private static String randomText(Random random) {
    StringBuilder s = new StringBuilder();
    for (int i = random.nextInt(20); i > 0; i--) {
      s.append((char) random.nextInt(0x3000));
    }
    return s.toString();
  }

  /** Removes, replaces or renames one field somewhere in the tree, or adds a stray one. */
  private static void mutate(JsonNode root, Random random) {
    List<ObjectNode> objects = new ArrayList<>();
    collect(root, objects);
    ObjectNode target = objects.get(random.nextInt(objects.size()));
    List<String> names = new ArrayList<>();
    Iterator<String> it = target.fieldNames();
    it.forEachRemaining(names::add);
    if (names.isEmpty() || random.nextInt(5) == 0) {
      target.set(KEYS.get(random.nextInt(KEYS.size())), randomValue(random, 2));
      return;
    }
    String name = names.get(random.nextInt(names.size()));
    switch (random.nextInt(3)) {
      case 0 -> target.remove(name);
      case 1 -> target.set(name, randomValue(random, 2));
      default -> {
        JsonNode v = target.remove(name);
        target.set(WalrusAnswers.snake(name), v);
      }
    }
  }

  private static void collect(JsonNode node, List<ObjectNode> out) {
    if (node instanceof ObjectNode o) {
      out.add(o);
      for (Map.Entry<String, JsonNode> e : o.properties()) {
        collect(e.getValue(), out);
      }
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, out));
    }
  }

}
