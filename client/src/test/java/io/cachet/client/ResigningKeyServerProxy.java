package io.cachet.client;

import io.cachet.crypto.Identity;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A hostile key server on loopback: it passes requests to a real key server and, in every
 * {@code fetch_key} answer, replaces each receipt with one it signs itself, naming the ledger id
 * {@code claimedLedgerId} (or the real receipt's, if null). Pinned as the server's key, its
 * receipts verify: only the client's checks of what they name can catch the ledger swap.
 */
final class ResigningKeyServerProxy implements AutoCloseable {
  private final HttpServer server;

  private ResigningKeyServerProxy(HttpServer server) {
    this.server = server;
  }

  static ResigningKeyServerProxy start(Vertx vertx, int keyServerPort, Identity signer, String claimedLedgerId)
      throws Exception {
    HttpClient client = vertx.createHttpClient();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body()
        .compose(body -> client.request(req.method(), keyServerPort, "127.0.0.1", req.uri())
            .compose(out -> out.send(body))
            .compose(in -> in.body().map(b -> {
              Buffer answer = in.statusCode() == 200 && req.path().equals("/v1/fetch_key")
                  ? resign(b, signer, claimedLedgerId) : b;
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

  private static Buffer resign(Buffer body, Identity signer, String claimedLedgerId) {
    try {
      FetchKeyResponse response = FetchKeyResponse.fromJson(body.getBytes());
      List<ItemResult> items = new ArrayList<>();
      for (ItemResult item : response.items()) {
        Receipt r = item.receipt();
        if (r == null) {
          items.add(item);
          continue;
        }
        Receipt forged = Receipt.sign(signer, r.keyServerId(), r.requestId(), r.requester(),
            claimedLedgerId == null ? r.ledgerId() : claimedLedgerId, r.policyId(), r.objectId(), r.shareIndex(),
            r.ledgerHeight(), r.ledgerTimeMillis(), r.decisionBlockHash(), r.decidedAtMillis(), item.releasedShare());
        items.add(ItemResult.released(item.item(), item.releasedShare(), forged));
      }
      return Buffer.buffer(new FetchKeyResponse(response.requestId(), response.keyServerId(), response.ledgerHeight(),
          items).toJson());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
