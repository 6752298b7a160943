package io.cachet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    try {
      out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree failed to print", e);
    }
  }
}
