package io.cachet.crypto.codec;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapping of Cachet's protocol messages. Strict on purpose: unknown, duplicate,
 * missing and null fields are errors, byte strings are URL-safe base64 without padding, and input
 * is bounded before it is parsed. (The Walrus client, which must be tolerant, has its own.)
 *
 * <p>Every field is written, nulls included, and every field must be present when read; whether
 * a field may be null is the message record's own check, made in its constructor.
 */
public final class Json {
  /** Largest JSON document any protocol message may be: a full fetch batch fits with room. */
  public static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /** Deepest nesting any protocol message uses, with margin; deeper input is refused. */
  private static final int MAX_NESTING = 16;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfig(LogicalType.Textual, c -> c
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .defaultBase64Variant(Base64Variants.MODIFIED_FOR_URL)
      .addModule(new SimpleModule("cachet-strict-bytes").addDeserializer(byte[].class, new StrictBytes()))
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_NESTING)
        .maxStringLength(MAX_DOCUMENT_BYTES)
        .maxNumberLength(24)
        .build());
  }

  private Json() {}

  /**
   * Byte strings only as a JSON string holding canonical URL-safe base64 ({@link Base64Url}):
   * Jackson's own decoder also takes arrays of numbers, skips whitespace inside the text and
   * ignores the unused low bits of the last character, so one value would have many spellings.
   */
  private static final class StrictBytes extends StdScalarDeserializer<byte[]> {
    StrictBytes() {
      super(byte[].class);
    }

    @Override
    public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.hasToken(JsonToken.VALUE_STRING)) {
        return (byte[]) ctxt.handleUnexpectedToken(byte[].class, p);
      }
      try {
        return Base64Url.decode(p.getText(), "byte string");
      } catch (FormatException e) {
        throw JsonMappingException.from(p, e.getMessage(), e);
      }
    }
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  public static byte[] writeBytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  public static <T> T read(String json, Class<T> type) throws FormatException {
    return read(json.getBytes(StandardCharsets.UTF_8), type);
  }

  /** Parses and validates; every failure, including a value a record refuses, is a {@link FormatException}. */
  public static <T> T read(byte[] json, Class<T> type) throws FormatException {
    if (json.length > MAX_DOCUMENT_BYTES) {
      throw new FormatException(type.getSimpleName() + ": document of " + json.length
          + " bytes exceeds the limit of " + MAX_DOCUMENT_BYTES);
    }
    try {
      T value = MAPPER.readValue(json, type);
      if (value == null) {
        throw new FormatException(type.getSimpleName() + ": null document");
      }
      return value;
    } catch (JsonProcessingException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String detail = root instanceof IllegalArgumentException || root instanceof NullPointerException
          ? String.valueOf(root.getMessage()) : e.getOriginalMessage();
      throw new FormatException(type.getSimpleName() + ": " + detail, e);
    } catch (java.io.IOException e) {
      throw new FormatException(type.getSimpleName() + ": unreadable JSON", e);
    } catch (RuntimeException e) {
      throw new FormatException(type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
