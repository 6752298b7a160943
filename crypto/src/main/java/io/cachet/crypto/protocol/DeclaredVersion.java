package io.cachet.crypto.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.cachet.crypto.codec.Json;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The format version a protocol document declares, found by a plain streaming parse, so that a
 * document the strict mapping refused can be refused with a message naming its version rather
 * than a field-level complaint.
 */
final class DeclaredVersion {
  /** What {@link #of} answers for a document whose version cannot be told. */
  static final int UNREADABLE = -1;

  private static final JsonFactory PEEK = new JsonFactory();

  private DeclaredVersion() {}

  /**
   * The document's top-level {@code version} when that is an integer; 1 for an object without one
   * that has every field of {@code v1Fields} (version 1 documents of Cachet carried no version);
   * else {@link #UNREADABLE}. Never throws.
   */
  static int of(byte[] json, Set<String> v1Fields) {
    if (json == null || json.length > Json.MAX_DOCUMENT_BYTES) {
      return UNREADABLE;
    }
    try (JsonParser p = PEEK.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return UNREADABLE;
      }
      Set<String> seen = new HashSet<>();
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if ("version".equals(name)) {
          return value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
              ? p.getIntValue() : UNREADABLE;
        }
        if (v1Fields.contains(name)) {
          seen.add(name);
        }
        p.skipChildren();
      }
      return seen.size() == v1Fields.size() ? 1 : UNREADABLE;
    } catch (IOException | RuntimeException e) {
      return UNREADABLE;
    }
  }
}
