package io.cachet.cli.viewer;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the aggregator that serves envelopes a test altered: {@code GET
 * /VARIANT/v1/blobs/{id}} answers the bytes registered under that variant, whole (200) or a single
 * range ({@code Range: bytes=a-b} or {@code a-}, 206 with {@code Content-Range}), as the gateway
 * does, with CORS for the viewer's origin only. A network descriptor whose aggregator is
 * {@code ORIGIN/VARIANT} then reads the altered envelope wherever the SDK asks for the real one.
 */
final class TamperingAggregator implements AutoCloseable {
  private static final Pattern BLOB = Pattern.compile("^/([a-z0-9-]+)/v1/blobs/([A-Za-z0-9_-]+)$");
  private static final Pattern RANGE = Pattern.compile("^bytes=(\\d+)-(\\d*)$");

  private final Vertx vertx = Vertx.vertx();
  private final Map<String, byte[]> envelopes = new ConcurrentHashMap<>();
  private final String allowedOrigin;
  private final HttpServer server;

  TamperingAggregator(String allowedOrigin) throws TimeoutException {
    this.allowedOrigin = allowedOrigin;
    this.server = vertx.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1")
        .await(30, TimeUnit.SECONDS);
  }

  /** The aggregator URL under which {@code variant}'s envelope is served. */
  String serve(String variant, byte[] envelope) {
    envelopes.put(variant, envelope.clone());
    return "http://127.0.0.1:" + server.actualPort() + "/" + variant;
  }

  private void answer(HttpServerRequest req) {
    HttpServerResponse res = req.response();
    String origin = req.getHeader("Origin");
    if (allowedOrigin.equals(origin)) {
      res.putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin")
          .putHeader("Access-Control-Expose-Headers", "Content-Range, Content-Length, Accept-Ranges");
    }
    if (req.method() == HttpMethod.OPTIONS) {
      res.putHeader("Access-Control-Allow-Methods", "GET, HEAD")
          .putHeader("Access-Control-Allow-Headers", "Range").putHeader("Access-Control-Max-Age", "600")
          .setStatusCode(204).end();
      return;
    }
    Matcher m = BLOB.matcher(req.path());
    byte[] body = m.matches() ? envelopes.get(m.group(1)) : null;
    if (body == null || (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD)) {
      res.setStatusCode(404).putHeader("Content-Type", "application/json")
          .end("{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"message\":\"no such blob\"}}");
      return;
    }
    res.putHeader("Accept-Ranges", "bytes").putHeader("Content-Type", "application/octet-stream");
    int from = 0;
    int to = body.length;
    String range = req.getHeader("Range");
    if (range != null) {
      Matcher r = RANGE.matcher(range.trim());
      long a = r.matches() ? Long.parseLong(r.group(1)) : -1;
      long b = r.matches() && !r.group(2).isEmpty() ? Long.parseLong(r.group(2)) : body.length - 1L;
      if (a < 0 || a >= body.length || b < a) {
        res.setStatusCode(416).putHeader("Content-Range", "bytes */" + body.length).end();
        return;
      }
      from = (int) a;
      to = (int) Math.min(b + 1, body.length);
      res.setStatusCode(206).putHeader("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + body.length);
    }
    if (req.method() == HttpMethod.HEAD) {
      res.putHeader("Content-Length", String.valueOf(to - from)).end();
      return;
    }
    res.end(Buffer.buffer(body).slice(from, to));
  }

  @Override
  public void close() throws TimeoutException {
    vertx.close().await(30, TimeUnit.SECONDS);
  }
}
