package io.cachet.storage.node;

import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Base64;

/** Parsing of the node API's request bodies; anything malformed is a typed {@link NodeException}. */
final class JsonBodies {
  private JsonBodies() {}

  static JsonObject object(Buffer body) throws NodeException {
    if (body == null || body.length() == 0) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body must be a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body is not JSON");
    }
    if (!(value instanceof JsonObject o)) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the body must be a JSON object");
    }
    return o;
  }

  /** Metadata sent as bytes (a commit body). */
  static BlobMetadata metadata(Buffer body) throws NodeException {
    try {
      return BlobMetadata.parse(body == null ? new byte[0] : body.getBytes());
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_METADATA, e.getMessage());
    }
  }

  static BlobMetadata metadata(JsonObject request) throws NodeException {
    if (!(request.getValue("metadata") instanceof String text)) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "body must carry \"metadata\": URL-safe base64");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "\"metadata\" is not URL-safe base64");
    }
    try {
      return BlobMetadata.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw new NodeException(Reason.BAD_METADATA, e.getMessage());
    }
  }

  static long longField(JsonObject request, String name) throws NodeException {
    Object v = request.getValue(name);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger) {
      throw new NodeException(Reason.BAD_EPOCH, "\"" + name + "\" is out of range");
    }
    throw new NodeException(Reason.INVALID_ARGUMENT, "body must carry \"" + name + "\": an integer");
  }
}
