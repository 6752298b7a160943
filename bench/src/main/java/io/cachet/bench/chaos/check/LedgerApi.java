package io.cachet.bench.chaos.check;

import io.cachet.common.http.BoundedBody;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's API as the checker reads it: {@code GET /v1/head} (unsigned, so only ever where to
 * stop reading) and pages of {@code GET /v1/blocks}, each answer read within a cap ({@link
 * BoundedBody#send}).
 *
 * <p>Guarantee: the one failure reported as "unreachable" ({@link LedgerUnreachableException}) is
 * the first request failing to connect (refused, or no connection within {@link #TIMEOUT}); only
 * then may a caller read the journal instead. Anything the ledger serves that does not hold (an
 * error status, an answer that is not its head or blocks, another ledger id, a read failing after
 * the ledger was reached) is a {@link ChainRefusedException} with its own reason code, because
 * swapping such a chain for the journal's would hide exactly the fault the checker looks for.
 */
final class LedgerApi {
  /** Most bytes of a head answer read: it is a few hundred. */
  private static final int MAX_HEAD_BYTES = 64 << 10;
  /** Most bytes of a block page read: a full page of the largest blocks the ledger signs (as LedgerRecovery allows). */
  private static final long MAX_PAGE_BYTES = 3 * (16L << 20);
  /** How long the ledger may take to connect and to answer. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Reason: the ledger answered with an error status. */
  static final String LEDGER_ERROR = "LEDGER_ERROR";
  /** Reason: the head answer is not a head. */
  static final String MALFORMED_HEAD = "MALFORMED_HEAD";
  /** Reason: a block page does not decode (not JSON, not base64url, no blocks array). */
  static final String MALFORMED_BLOCK = "MALFORMED_BLOCK";
  /** Reason: the ledger serves another ledger id than the pinned one. */
  static final String FOREIGN_LEDGER = "FOREIGN_LEDGER";
  /** Reason: a read failed after the ledger had been reached (reset, timeout, an answer past its cap). */
  static final String LEDGER_READ_FAILED = "LEDGER_READ_FAILED";

  private final String base;
  private final String ledgerId;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private boolean reached;

  LedgerApi(String ledgerUrl, String ledgerId) {
    this.base = ledgerUrl.endsWith("/") ? ledgerUrl.substring(0, ledgerUrl.length() - 1) : ledgerUrl;
    this.ledgerId = ledgerId;
  }

  /** The ledger's host:port (never the path, which may hold a token), for messages. */
  String where() {
    URI u = URI.create(base);
    return u.getHost() + ":" + u.getPort();
  }

  /** The height the ledger names as its head. */
  long head() throws IOException, ChainRefusedException {
    byte[] body = get("/v1/head", "the ledger's head", MAX_HEAD_BYTES, -1);
    try {
      Long height = new JsonObject(new String(body, StandardCharsets.UTF_8)).getLong("height");
      if (height == null || height < 0) {
        throw new ChainRefusedException(MALFORMED_HEAD, -1, "the ledger's head answer names no height", null);
      }
      return height;
    } catch (DecodeException | ClassCastException e) {
      throw new ChainRefusedException(MALFORMED_HEAD, -1, "the ledger's head answer is not a head", e);
    }
  }

  /** Up to {@code max} encoded blocks from height {@code from}; an empty list when the ledger serves none. */
  List<byte[]> blocks(long from, int max) throws IOException, ChainRefusedException {
    byte[] body = get("/v1/blocks?from=" + from + "&limit=" + max, "a page of blocks", MAX_PAGE_BYTES, from);
    JsonObject page;
    try {
      page = new JsonObject(new String(body, StandardCharsets.UTF_8));
    } catch (DecodeException e) {
      throw new ChainRefusedException(MALFORMED_BLOCK, from, "the page of blocks from " + from + " is not JSON", e);
    }
    Object served = page.getValue("ledgerId");
    if (!ledgerId.equals(served)) {
      throw new ChainRefusedException(FOREIGN_LEDGER, from, "the ledger at " + where() + " serves ledger " + served
          + ", not " + ledgerId, null);
    }
    List<byte[]> out = new ArrayList<>();
    try {
      JsonArray blocks = page.getJsonArray("blocks");
      if (blocks == null) {
        throw new ChainRefusedException(MALFORMED_BLOCK, from, "the page of blocks from " + from + " has no blocks",
            null);
      }
      for (int i = 0; i < blocks.size(); i++) {
        if (!(blocks.getValue(i) instanceof String text)) {
          throw new FormatException("not a string");
        }
        out.add(Base64Url.decode(text, "block"));
      }
    } catch (FormatException | ClassCastException e) {
      throw new ChainRefusedException(MALFORMED_BLOCK, from + out.size(), "block " + (from + out.size())
          + " as served does not decode: " + e.getMessage(), e);
    }
    return out;
  }

  private byte[] get(String path, String kind, long cap, long height) throws IOException, ChainRefusedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET().build();
    HttpResponse<byte[]> response;
    try {
      response = BoundedBody.send(client, request, kind, cap);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading " + kind, e);
    } catch (IOException e) {
      if (!reached && cannotConnect(e)) {
        throw new LedgerUnreachableException("the ledger at " + where() + " cannot be reached ("
            + e.getClass().getSimpleName() + ")", e);
      }
      throw new ChainRefusedException(LEDGER_READ_FAILED, height, "reading " + kind + " from " + where()
          + " failed after the ledger was reached: " + e.getClass().getSimpleName(), e);
    }
    reached = true;
    if (response.statusCode() != 200) {
      throw new ChainRefusedException(LEDGER_ERROR, height, "the ledger answered HTTP " + response.statusCode()
          + " for " + kind, null);
    }
    return response.body();
  }

  /** No connection was made: refused, or none within the connect timeout. */
  private static boolean cannotConnect(IOException e) {
    return e instanceof ConnectException || e instanceof HttpConnectTimeoutException
        || e.getCause() instanceof ConnectException;
  }
}
