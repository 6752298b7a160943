package io.cachet.storage.node;

import io.cachet.storage.codec.BlobMetadata;
import io.cachet.storage.network.AvailabilityCertificate;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Parsing of the node API's request bodies; anything malformed is a typed {@link NodeException}. */
final class RequestBodies {
  /** Longest certificate JSON in a repair install (a certificate of 32 nodes is about 10 KiB). */
  static final int MAX_CERTIFICATE_BYTES = 64 * 1024;
  /** Longest repair install body: the length prefix, a certificate, metadata of the largest size. */
  static final long MAX_INSTALL_BYTES = 4L + MAX_CERTIFICATE_BYTES + BlobMetadata.MAX_BYTES;

  private RequestBodies() {}

  /** Reads the rest of a body and drops it (the request may be paused: this resumes it). */
  static void discard(HttpServerRequest req) {
    Handler<Buffer> drop = b -> { };
    req.handler(drop);
    req.resume();
  }

  /** A repair install: the availability certificate and the metadata it came with. */
  record Install(AvailabilityCertificate certificate, MetadataFile metadata) {}

  /**
   * A repair install body (node API v2), streamed to {@code file}: u32 big-endian length L of the
   * certificate's JSON (1..{@link #MAX_CERTIFICATE_BYTES}), L bytes of that JSON, then the metadata
   * bytes to the end, verified where they lie ({@link MetadataFile#verify}).
   */
  static Install install(Path file) throws NodeException, IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long length = ch.size();
      ByteBuffer prefix = ByteBuffer.allocate(4);
      if (length < 4 || Durability.readFully(ch, prefix, 0) != 4) {
        throw new NodeException(Reason.INVALID_ARGUMENT, "an install body starts with the certificate's length (u32)");
      }
      long certificateLength = Integer.toUnsignedLong(prefix.getInt(0));
      if (certificateLength < 1 || certificateLength > MAX_CERTIFICATE_BYTES || 4 + certificateLength > length) {
        throw new NodeException(Reason.INVALID_ARGUMENT, "the install body's certificate length " + certificateLength
            + " is outside 1.." + Math.min(MAX_CERTIFICATE_BYTES, length - 4L));
      }
      ByteBuffer json = ByteBuffer.allocate((int) certificateLength);
      Durability.readFully(ch, json, 4);
      AvailabilityCertificate certificate;
      try {
        certificate = AvailabilityCertificate.fromJson(object(Buffer.buffer(json.array())));
      } catch (NodeException | RuntimeException e) {
        throw new NodeException(Reason.BAD_CERTIFICATE, "malformed certificate: " + e.getMessage());
      }
      return new Install(certificate, MetadataFile.verify(file, 4 + certificateLength));
    }
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
}
