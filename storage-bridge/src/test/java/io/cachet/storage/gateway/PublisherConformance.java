package io.cachet.storage.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.local.LocalNetwork;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the publisher's conformance tests share: a real local network (4 nodes on loopback, small
 * shards), raw HTTP exchanges with it, multipart forms written byte by byte, and the checks of
 * Walrus's answer shapes by JSON type: the facts issue 19 lists, not the OpenAPI file.
 */
final class PublisherConformance implements AutoCloseable {
  static final int SHARD = 4096;

  final Vertx vertx = Vertx.vertx();
  final LocalNetwork net;
  final int port;

  PublisherConformance(Path root, long maxBlobSize) throws Exception {
    net = LocalNetwork.start(vertx, root, LocalNetwork.Options.defaults().withNodes(4, SHARD).withIntervals(0, 0)
        .withMaxBlobSize(maxBlobSize)).await(120, TimeUnit.SECONDS);
    port = URI.create(net.gatewayUrl()).getPort();
  }

  @Override
  public void close() throws Exception {
    net.close().await(60, TimeUnit.SECONDS);
    vertx.close().await(60, TimeUnit.SECONDS);
  }

  RawHttp.Answer put(String pathAndQuery, byte[] body, String... headers) throws Exception {
    return RawHttp.exchange(port, "PUT", pathAndQuery, List.of(headers), body);
  }

  RawHttp.Answer putQuilt(String query, Form form) throws Exception {
    return put("/v1/quilts" + query, form.bytes(), "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY);
  }

  // ---------------------------------------------------------------- answer shapes

  /** A 200 JSON answer, its Content-Type checked. */
  static JsonObject ok(RawHttp.Answer a) {
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    assertThat(a.header("Content-Type")).startsWith("application/json");
    return new JsonObject(a.body());
  }

  /**
   * The one error shape with {@code status} and {@code reason}: {@code error.code} an int, {@code
   * status} and {@code message} strings, {@code details[0]} an ErrorInfo with the reason. Returns
   * the message.
   */
  static String error(RawHttp.Answer a, int status, String reason) {
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(a.header("Content-Type")).startsWith("application/json");
    JsonObject error = new JsonObject(a.body()).getJsonObject("error");
    assertThat(error.getValue("code")).matches(PublisherConformance::integral, "a JSON integer").isEqualTo(status);
    assertThat(error.getValue("status")).isInstanceOf(String.class);
    assertThat(error.getValue("message")).isInstanceOf(String.class);
    JsonArray details = error.getJsonArray("details");
    assertThat(details).hasSize(1);
    assertThat(details.getJsonObject(0).getString("@type")).endsWith("ErrorInfo");
    assertThat(details.getJsonObject(0).getString("reason")).isEqualTo(reason);
    return error.getString("message");
  }

  /** {@code newlyCreated}, every field its type; returns the blob id. */
  static String assertNewlyCreated(JsonObject answer, long size, int epochs, boolean deletable) {
    assertThat(answer.fieldNames()).containsExactly("newlyCreated");
    JsonObject created = answer.getJsonObject("newlyCreated");
    JsonObject blob = created.getJsonObject("blobObject");
    assertThat(blob.getValue("id")).isInstanceOf(String.class);
    assertThat(blob.getString("id")).matches("0x[0-9a-f]{64}");
    assertThat(blob.getValue("registeredEpoch")).matches(PublisherConformance::integral, "a JSON integer");
    assertThat(blob.getValue("blobId")).isInstanceOf(String.class);
    assertThat(blob.getString("blobId")).matches("[A-Za-z0-9_-]{43}");
    assertThat(blob.getValue("size")).matches(PublisherConformance::integral, "a JSON integer");
    assertThat(blob.getLong("size")).isEqualTo(size);
    assertThat(blob.getValue("encodingType")).isEqualTo("RS2");
    assertThat(blob.getValue("cachetEncoding")).isEqualTo("RS-GF256");
    assertThat(blob.getValue("certifiedEpoch")).satisfiesAnyOf(v -> assertThat(v).isNull(),
        v -> assertThat(v).matches(PublisherConformance::integral, "a JSON integer"));
    assertThat(blob.getValue("deletable")).isEqualTo(deletable);
    JsonObject storage = blob.getJsonObject("storage");
    assertThat(storage.getValue("id")).isInstanceOf(String.class);
    assertThat(storage.getString("id")).matches("0x[0-9a-f]{64}").isNotEqualTo(blob.getString("id"));
    assertThat(storage.getValue("startEpoch")).matches(PublisherConformance::integral, "a JSON integer").isEqualTo(blob.getValue("registeredEpoch"));
    assertThat(storage.getValue("endEpoch")).matches(PublisherConformance::integral, "a JSON integer");
    assertThat(storage.getLong("endEpoch") - storage.getLong("startEpoch")).isEqualTo(epochs);
    assertThat(storage.getValue("storageSize")).matches(PublisherConformance::integral, "a JSON integer");
    assertThat(storage.getLong("storageSize")).isGreaterThan(size);
    JsonObject scratch = created.getJsonObject("resourceOperation").getJsonObject("registerFromScratch");
    assertThat(scratch.getValue("encodedLength")).matches(PublisherConformance::integral, "a JSON integer");
    assertThat(scratch.getValue("epochsAhead")).isEqualTo(epochs);
    assertThat(created.getValue("cost")).matches(PublisherConformance::integral, "a JSON integer");
    return blob.getString("blobId");
  }

  /** A JSON integer as Vert.x's Jackson reads it: Integer or Long, never a fraction or a string. */
  static boolean integral(Object v) {
    return v instanceof Integer || v instanceof Long;
  }

  // ---------------------------------------------------------------- multipart forms

  /** A multipart/form-data body written byte by byte, parts in the order added. */
  static final class Form {
    static final String BOUNDARY = "cachet-conformance-7f3a";
    private final List<byte[]> parts = new ArrayList<>();

    /** A file part: {@code name} is the field name (the patch identifier). */
    Form file(String name, byte[] content) {
      return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name + ".bin\"\r\n"
          + "Content-Type: application/octet-stream\r\n", content);
    }

    /** A plain field (no filename), as {@code curl -F 'name=value'} sends. */
    Form field(String name, String value) {
      return part("Content-Disposition: form-data; name=\"" + name + "\"\r\n", value.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code _metadata} for the given identifiers' tags. */
    Form metadata(Map<String, Map<String, String>> tags) {
      JsonArray array = new JsonArray();
      tags.forEach((id, t) -> array.add(new JsonObject().put("identifier", id).put("tags", new JsonObject(
          new java.util.LinkedHashMap<>(t)))));
      return field("_metadata", array.encode());
    }

    private Form part(String head, byte[] content) {
      ByteArrayOutputStream p = new ByteArrayOutputStream();
      p.writeBytes(("--" + BOUNDARY + "\r\n" + head + "\r\n").getBytes(StandardCharsets.UTF_8));
      p.writeBytes(content);
      p.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      parts.add(p.toByteArray());
      return this;
    }

    byte[] bytes() {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      parts.forEach(all::writeBytes);
      all.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
      return all.toByteArray();
    }
  }
}
