package io.cachet.bench.chaos.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak's record files: one JSON object per line, each naming its format ({@code "format":
 * "cachet-check-put/1"}), appended by the soak as operations are acknowledged. A reader may find
 * the last line cut short (the soak was killed while writing it); such a line, with no newline
 * after it, is left out and counted. Any other line that does not parse fails the whole read,
 * naming the file and the line: a record file the checker cannot read must not pass as empty.
 */
public final class JsonLines {
  static final ObjectMapper JSON = new ObjectMapper();

  private JsonLines() {}

  /** Reads one record from one line. */
  @FunctionalInterface
  interface LineReader<T> {
    T read(String line) throws FormatException;
  }

  /** The records of a file, in order, and whether a torn last line was left out. */
  public record Read<T>(List<T> records, boolean tornLastLine) {
    public Read {
      records = List.copyOf(records);
    }
  }

  static <T> Read<T> read(Path file, LineReader<T> reader) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    List<T> out = new ArrayList<>();
    boolean torn = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      boolean last = i == lines.length - 1; // no newline after it
      try {
        out.add(reader.read(line));
      } catch (FormatException e) {
        if (last) {
          torn = true;
          continue;
        }
        throw new IOException(file.getFileName() + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return new Read<>(out, torn);
  }

  /** The object of a line whose {@code format} is {@code expected}; another format is refused naming it. */
  static JsonNode object(String line, String expected) throws FormatException {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new FormatException("not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new FormatException("not a JSON object");
    }
    String format = node.path("format").asText("");
    if (!expected.equals(format)) {
      throw new FormatException("record format '" + format + "'; this checker reads " + expected);
    }
    return node;
  }

  static String text(JsonNode node, String field) throws FormatException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new FormatException("field '" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  static long number(JsonNode node, String field) throws FormatException {
    JsonNode v = node.get(field);
    if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
      throw new FormatException("field '" + field + "' is missing or not an integer");
    }
    return v.asLong();
  }

  static ObjectNode newObject(String format) {
    return JSON.createObjectNode().put("format", format);
  }

  static String line(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a record always serialises", e);
    }
  }
}
