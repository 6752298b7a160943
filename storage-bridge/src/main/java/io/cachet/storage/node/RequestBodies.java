package io.cachet.storage.node;

import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** Parsing of the node API's request bodies; anything malformed is a typed {@link NodeException}. */
final class RequestBodies {
  /** Longest certificate JSON in a repair install (a certificate of 32 nodes is about 10 KiB). */
  static final int MAX_CERTIFICATE_BYTES = 64 * 1024;
  /** Longest repair install body: the length prefix, a certificate, metadata of the largest size. */
  static final long MAX_INSTALL_BYTES = 4L + MAX_CERTIFICATE_BYTES + BlobMetadata.MAX_BYTES;

  private RequestBodies() {}

  /** A repair install: the availability certificate and the metadata it came with. */
  record Install(AvailabilityCertificate certificate, BlobMetadata metadata) {}

  /**
   * A repair install body (node API v2): u32 big-endian length L of the certificate's JSON
   * (1..{@link #MAX_CERTIFICATE_BYTES}), L bytes of that JSON, then the metadata bytes to the end.
   */
  static Install install(Buffer body) throws NodeException {
    int length = body == null ? 0 : body.length();
    if (length < 4) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "an install body starts with the certificate's length (u32)");
    }
    long certificateLength = body.getUnsignedInt(0);
    if (certificateLength < 1 || certificateLength > MAX_CERTIFICATE_BYTES || 4 + certificateLength > length) {
      throw new NodeException(Reason.INVALID_ARGUMENT, "the install body's certificate length " + certificateLength
          + " is outside 1.." + Math.min(MAX_CERTIFICATE_BYTES, length - 4L));
    }
    int end = 4 + (int) certificateLength;
    AvailabilityCertificate certificate;
    try {
      certificate = AvailabilityCertificate.fromJson(object(body.getBuffer(4, end)));
    } catch (NodeException | RuntimeException e) {
      throw new NodeException(Reason.BAD_CERTIFICATE, "malformed certificate: " + e.getMessage());
    }
    return new Install(certificate, metadata(body.getBuffer(end, length)));
  }

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
}
