package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * {@link QuiltMetadata}, the {@code _metadata} field of {@code PUT /v1/quilts}: any identifiers'
 * string tags read back as written; non-string values kept as their JSON text; every malformed
 * field refused with a message naming what is wrong.
 */
class QuiltStoreMetadataTest {
  @Property(tries = 200)
  void stringTags_readBackAsWritten(
      @ForAll @Size(max = 5) Map<@StringLength(min = 1, max = 12) String,
          @Size(max = 4) Map<@StringLength(min = 1, max = 8) String, @StringLength(max = 20) String>> tags) {
    JsonArray array = new JsonArray();
    tags.forEach((id, t) -> array.add(new JsonObject().put("identifier", id)
        .put("tags", new JsonObject(new LinkedHashMap<>(t)))));
    Map<String, Map<String, String>> read = QuiltMetadata.parse(array.encode(), tags.keySet());
    assertThat(read).isEqualTo(tags);
  }

  @Example
  void nonStringValues_areKeptAsJsonText_andTagsAreOptional() {
    Map<String, Map<String, String>> read = QuiltMetadata.parse(
        "[{\"identifier\":\"a\",\"tags\":{\"n\":1.5,\"b\":false,\"z\":null,\"l\":[1,\"x\"]},\"extra\":1},"
            + "{\"identifier\":\"b\"}]", Set.of("a", "b"));
    assertThat(read.get("a")).containsExactly(Map.entry("b", "false"), Map.entry("l", "[1,\"x\"]"),
        Map.entry("n", "1.5"), Map.entry("z", "null"));
    assertThat(read.get("b")).isEmpty();
  }

  @Example
  void malformedFields_areRefused_namingTheProblem() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"identifier\":\"a\"}", "_metadata is not a JSON array");
    cases.put("not json", "_metadata is not a JSON array");
    cases.put("[1]", "_metadata entry 0 is not a JSON object");
    cases.put("[{\"identifier\":7}]", "_metadata entry 0 has no identifier string");
    cases.put("[{\"tags\":{}}]", "_metadata entry 0 has no identifier string");
    cases.put("[{\"identifier\":\"a\",\"tags\":[\"x\"]}]", "_metadata entry a: tags must be a JSON object");
    cases.put("[{\"identifier\":\"ghost\"}]", "_metadata names ghost, but no file part has that name");
    cases.put("[{\"identifier\":\"a\"},{\"identifier\":\"a\"}]", "_metadata names a twice");
    cases.forEach((text, message) -> assertThatThrownBy(() -> QuiltMetadata.parse(text, Set.of("a")))
        .as(text).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message));
  }
}
