package io.cachet.client;

import io.cachet.crypto.Identity;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A hostile key server on loopback: it passes requests to a real key server and replaces every
 * {@code fetch_key} answer with what its {@link Tamper} makes of it, typically re-signing the
 * receipt with its own identity. Pinned as the server's key, its receipts verify: only the
 * client's checks of what they say can catch the change.
 */
final class ResigningKeyServerProxy implements AutoCloseable {
  private final HttpServer server;

  /** What the proxy answers instead of a real key server's 200 answer to a fetch. */
  @FunctionalInterface
  interface Tamper {
    /**
     * The answer to send for {@code request}, whose real answer is {@code response};
     * {@code previous} is the real answer this proxy passed before (null at first). Null sends
     * the real answer unchanged.
     */
    FetchKeyResponse apply(FetchKeyRequest request, FetchKeyResponse response, FetchKeyResponse previous)
        throws Exception;
  }

  private ResigningKeyServerProxy(HttpServer server) {
    this.server = server;
  }

  /**
   * Re-signs every receipt with {@code signer}, each entry naming the ledger id
   * {@code claimedLedgerId} (or its real one, if null).
   */
  static ResigningKeyServerProxy start(Vertx vertx, int keyServerPort, Identity signer, String claimedLedgerId)
      throws Exception {
    return start(vertx, keyServerPort, (request, response, previous) -> resigned(signer, response, response.items(),
        claimedLedgerId == null ? response.receipt().entries() : response.receipt().entries().stream()
            .map(e -> new ReceiptEntry(e.item(), e.decision(), e.reason(), e.itemDigest(), claimedLedgerId,
                e.policyId(), e.objectId(), e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis(),
                e.decisionBlockHash()))
            .toList(), response.sealedShares()));
  }

  static ResigningKeyServerProxy start(Vertx vertx, int keyServerPort, Tamper tamper) throws Exception {
    HttpClient client = vertx.createHttpClient();
    AtomicReference<FetchKeyResponse> previous = new AtomicReference<>();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body()
        .compose(body -> client.request(req.method(), keyServerPort, "127.0.0.1", req.uri())
            .compose(out -> out.send(body))
            .compose(in -> in.body().map(b -> {
              Buffer answer = in.statusCode() == 200 && req.path().equals("/v1/fetch_key")
                  ? tampered(tamper, body, b, previous) : b;
              req.response().setStatusCode(in.statusCode());
              String type = in.getHeader("content-type");
              if (type != null) {
                req.response().putHeader("content-type", type);
              }
              return answer;
            })))
        .onComplete(ar -> {
          if (ar.failed()) {
            req.response().setStatusCode(502).end();
          } else {
            req.response().end(ar.result());
          }
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return new ResigningKeyServerProxy(server);
  }

  private static Buffer tampered(Tamper tamper, Buffer requestBody, Buffer answer,
      AtomicReference<FetchKeyResponse> previous) {
    try {
      FetchKeyRequest request = FetchKeyRequest.fromJson(requestBody.getBytes());
      FetchKeyResponse response = FetchKeyResponse.fromJson(answer.getBytes());
      FetchKeyResponse sent = tamper.apply(request, response, previous.getAndSet(response));
      return sent == null ? answer : Buffer.buffer(sent.toJson());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code response} with these items, entries and sealed shares, under a receipt {@code signer} signs. */
  static FetchKeyResponse resigned(Identity signer, FetchKeyResponse response, List<ItemResult> items,
      List<ReceiptEntry> entries, byte[] sealedShares) {
    Receipt r = response.receipt();
    Receipt forged = Receipt.sign(signer, r.keyServerId(), r.requestId(), r.requestDigest(), r.requester(),
        r.decidedAtMillis(), entries, sealedShares);
    return FetchKeyResponse.of(response.requestId(), response.keyServerId(), response.ledgerHeight(), items,
        sealedShares, forged);
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
