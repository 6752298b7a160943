package io.cachet.bench.chaos.check;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The height a ledger's {@code GET /v1/head} names: unsigned, so only ever used as where to stop reading. */
final class LedgerHead {
  /** Most bytes of a head answer read: it is a few hundred. */
  private static final int MAX_ANSWER_BYTES = 64 << 10;
  /** How long the ledger may take to answer. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private LedgerHead() {}

  static long height(String ledgerUrl) throws IOException {
    String base = ledgerUrl.endsWith("/") ? ledgerUrl.substring(0, ledgerUrl.length() - 1) : ledgerUrl;
    HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/head")).timeout(TIMEOUT).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking the ledger for its head", e);
    }
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(MAX_ANSWER_BYTES + 1);
    }
    if (response.statusCode() != 200) {
      throw new IOException("the ledger answered HTTP " + response.statusCode() + " for its head");
    }
    if (body.length > MAX_ANSWER_BYTES) {
      throw new IOException("the ledger's head answer is larger than " + MAX_ANSWER_BYTES + " bytes");
    }
    try {
      Long height = new JsonObject(new String(body, StandardCharsets.UTF_8)).getLong("height");
      if (height == null || height < 0) {
        throw new IOException("the ledger's head answer names no height");
      }
      return height;
    } catch (DecodeException | ClassCastException e) {
      throw new IOException("the ledger's head answer is not its head: " + e.getMessage(), e);
    }
  }
}
