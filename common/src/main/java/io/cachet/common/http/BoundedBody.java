package io.cachet.common.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a peer's answer into memory only up to a cap, for the Vert.x core {@code HttpClient} and the
 * JDK {@code HttpClient}. (Not for the Vert.x {@code WebClient}: its body codecs cannot stop the
 * connection, so a failed codec still drains the whole answer; peers are read with the core client.)
 *
 * <p>Guarantees: at most {@code cap} bytes of an answer are ever held; an answer that announces a
 * larger {@code Content-Length} fails before a byte of its body is read; one that sends more than
 * {@code cap} bytes fails with {@link AnswerTooLargeException} as soon as the first byte past the cap
 * arrives, and its connection is dropped (reset), not drained, so a peer streaming a gigabyte
 * costs the reader about {@code cap} bytes of memory and the time to read them. The cap belongs
 * to the kind of answer (a policy, a block page, a node's metadata), chosen by the caller.
 */
public final class BoundedBody {
  private BoundedBody() {}

  // ---------------------------------------------------------------- Vert.x core HttpClient

  /** An answer read in full within its cap: status, headers and body. */
  public record Answer(int status, MultiMap headers, Buffer body) {
    public String header(String name) {
      return headers.get(name);
    }

    /** The body as a JSON object; {@link DecodeException} if it is not one. */
    public JsonObject json() {
      Object v = Json.decodeValue(body);
      if (v instanceof JsonObject o) {
        return o;
      }
      throw new DecodeException("the answer is not a JSON object");
    }
  }

  /**
   * Sends {@code request} (with {@code body}, or none when null) and reads the answer: a 2xx body
   * within {@code cap}, any other within {@link ApiError#MAX_BODY_BYTES} (an error body longer than
   * that is not one of ours, whatever the kind). Fails with {@link AnswerTooLargeException} past
   * the cap, or with the client's own failure.
   */
  public static Future<Answer> exchange(HttpClient client, RequestOptions request, Buffer body, String kind,
      long cap) {
    requireCap(kind, cap);
    return client.request(request).compose(req -> {
      // the answer's reader is attached before the request goes out: with send(), a small answer
      // could arrive and end before a later continuation attached its handlers (Vert.x 5)
      Future<Answer> answer = req.response().compose(resp -> {
        boolean success = resp.statusCode() / 100 == 2;
        return read(resp, success ? kind : "an error answer to " + kind, success ? cap : ApiError.MAX_BODY_BYTES)
            .map(b -> new Answer(resp.statusCode(), resp.headers(), b));
      });
      // a failed send fails the answer too (the connection is gone); an answer that came before the
      // body was all sent (an early 413, say) is still the answer
      if (body == null) {
        req.end();
      } else {
        req.end(body);
      }
      return answer;
    });
  }

  /**
   * Reads a core client's response body up to the cap. A larger {@code Content-Length} fails at
   * once; more bytes than the cap fail as they arrive. Either way the request is reset, which
   * closes the connection instead of reading the rest.
   */
  public static Future<Buffer> read(HttpClientResponse response, String kind, long cap) {
    requireCap(kind, cap);
    OptionalLong announced = contentLength(response.getHeader("content-length"));
    if (announced.isPresent() && announced.getAsLong() > cap) {
      response.exceptionHandler(ignored -> { });
      response.request().reset();
      return Future.failedFuture(new AnswerTooLargeException(kind, cap));
    }
    Promise<Buffer> done = Promise.promise();
    Buffer collected = Buffer.buffer();
    try {
      response.exceptionHandler(done::tryFail);
    } catch (IllegalStateException e) {
      // the answer ended before it could be read: say so rather than fail obscurely
      return Future.failedFuture(new IOException(kind + " ended before it could be read", e));
    }
    response.handler(data -> {
      if (done.future().isComplete()) {
        return;
      }
      if (collected.length() + (long) data.length() > cap) {
        done.tryFail(new AnswerTooLargeException(kind, cap));
        response.handler(null);
        response.request().reset();
        return;
      }
      collected.appendBuffer(data);
    });
    response.endHandler(v -> done.tryComplete(collected));
    response.resume();
    return done.future();
  }

  // ---------------------------------------------------------------- JDK HttpClient

  /**
   * Sends {@code request} on a JDK client and reads the answer's bytes within {@code cap}: past it,
   * or on a {@code Content-Length} announcing more, throws {@link AnswerTooLargeException} (the
   * client's own report of the cancelled exchange is replaced by it, whichever came first).
   */
  public static java.net.http.HttpResponse<byte[]> send(java.net.http.HttpClient client, HttpRequest request,
      String kind, long cap) throws IOException, InterruptedException {
    requireCap(kind, cap);
    AtomicReference<AnswerTooLargeException> refused = new AtomicReference<>();
    BodyHandler<byte[]> handler = info -> {
      OptionalLong announced = contentLength(info.headers().firstValue("content-length").orElse(null));
      return new CappedSubscriber(kind, cap, announced.isPresent() && announced.getAsLong() > cap, refused);
    };
    try {
      return client.send(request, handler);
    } catch (IOException e) {
      AnswerTooLargeException tooLarge = refused.get();
      if (tooLarge != null) {
        throw tooLarge;
      }
      throw e;
    }
  }

  /** Collects up to the cap; past it (or on a too-large announcement) cancels, which closes the connection. */
  private static final class CappedSubscriber implements BodySubscriber<byte[]> {
    private final String kind;
    private final long cap;
    private final boolean refuseAtOnce;
    private final AtomicReference<AnswerTooLargeException> refused;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final List<ByteBuffer> parts = new ArrayList<>();
    private long received;
    private Flow.Subscription subscription;

    CappedSubscriber(String kind, long cap, boolean refuseAtOnce, AtomicReference<AnswerTooLargeException> refused) {
      this.kind = kind;
      this.cap = cap;
      this.refuseAtOnce = refuseAtOnce;
      this.refused = refused;
    }

    private void refuse() {
      AnswerTooLargeException tooLarge = new AnswerTooLargeException(kind, cap);
      refused.set(tooLarge);
      parts.clear();
      body.completeExceptionally(tooLarge);
      subscription.cancel();
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (refuseAtOnce) {
        refuse();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        received += b.remaining();
        if (received > cap) {
          refuse();
          return;
        }
        parts.add(b);
      }
    }

    @Override
    public void onError(Throwable failure) {
      parts.clear();
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      if (body.isDone()) {
        return;
      }
      byte[] out = new byte[(int) received];
      int at = 0;
      for (ByteBuffer b : parts) {
        int n = b.remaining();
        b.get(out, at, n);
        at += n;
      }
      parts.clear();
      body.complete(out);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** An unreadable or absent Content-Length is no announcement; the bytes themselves are still capped. */
  private static OptionalLong contentLength(String header) {
    if (header == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(header.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static void requireCap(String kind, long cap) {
    Objects.requireNonNull(kind, "kind");
    if (cap < 0 || cap > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a cap is 0.." + (Integer.MAX_VALUE - 8) + " bytes, not " + cap);
    }
  }
}
