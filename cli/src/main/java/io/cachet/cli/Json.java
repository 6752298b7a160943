package io.cachet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/** The {@code --json} form of every command: one pretty-printed JSON document on stdout. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static void print(PrintWriter out, ObjectNode doc) {
    print(out, (JsonNode) doc);
  }

  /** An array, for the commands whose answer is a list ({@code cachet ls}). */
  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  public static void print(PrintWriter out, JsonNode doc) {
    try {
      out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree failed to print", e);
    }
  }
}
