package io.cachet.storage.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code _metadata} field of {@code PUT /v1/quilts}, as Walrus defines it: a JSON array of
 * {@code {"identifier": "...", "tags": {"key": "value", ...}}}, {@code tags} optional.
 *
 * <p>Stricter than Walrus where Walrus would store something the sender did not mean: an entry
 * naming an identifier that no file part has is refused (Walrus drops it silently), as is an
 * identifier named twice (Walrus refuses that too). Like Walrus, a tag value that is not a JSON
 * string is kept as its JSON text ({@code 1}, {@code true}, {@code {"a":1}}), and fields other than
 * {@code identifier} and {@code tags} are ignored.
 */
final class QuiltMetadata {
  private QuiltMetadata() {}

  /**
   * The tags of each identifier {@code text} names.
   *
   * @param files the identifiers of the form's file parts
   * @throws IllegalArgumentException naming what is wrong, for the 400 answer
   */
  static Map<String, Map<String, String>> parse(String text, Set<String> files) {
    JsonArray array;
    try {
      array = new JsonArray(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " is not a JSON array; send"
          + " [{\"identifier\":\"name\",\"tags\":{\"key\":\"value\"}}, ...]");
    }
    Map<String, Map<String, String>> tags = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " entry " + i
            + " is not a JSON object with an identifier and tags");
      }
      if (!(entry.getValue("identifier") instanceof String identifier)) {
        throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " entry " + i
            + " has no identifier string");
      }
      if (!files.contains(identifier)) {
        throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " names " + identifier
            + ", but no file part has that name; name each file part by its identifier");
      }
      Object given = entry.getValue("tags");
      if (given != null && !(given instanceof JsonObject)) {
        throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " entry " + identifier
            + ": tags must be a JSON object of strings");
      }
      Map<String, String> these = new TreeMap<>();
      if (given instanceof JsonObject object) {
        for (Map.Entry<String, Object> tag : object) {
          Object value = tag.getValue();
          these.put(tag.getKey(), value instanceof String s ? s : encode(value));
        }
      }
      if (tags.put(identifier, these) != null) {
        throw new IllegalArgumentException(QuiltPublisher.METADATA_FIELD + " names " + identifier
            + " twice; give each identifier's tags once");
      }
    }
    return tags;
  }

  /** A non-string tag value's JSON text, as Walrus's {@code serde_json::Value::to_string} writes it. */
  private static String encode(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof JsonObject o) {
      return o.encode();
    }
    if (value instanceof JsonArray a) {
      return a.encode();
    }
    return value.toString();
  }
}
