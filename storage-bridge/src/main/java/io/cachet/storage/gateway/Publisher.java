package io.cachet.storage.gateway;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.ApiErrors;
import io.cachet.storage.codec.Encoding;
import io.cachet.storage.erasure.ReedSolomon;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code PUT /v1/blobs}: the Walrus publisher over the local nodes, and the admission every upload
 * ({@link QuiltPublisher} too) goes through.
 *
 * <p>Admission, in this order, each refusal the final answer and sent before any body byte is
 * read: the query parameters ({@link PublishRequest}, 400), the declared {@code Content-Length}
 * (413), a free upload slot (429 with {@code Retry-After}). Only then does a request that sent
 * {@code Expect: 100-continue} get {@code 100 Continue} (Vert.x does not answer it by itself:
 * {@code handle100ContinueAutomatically} is off, and the server-limits guard and the per-client
 * upload slots before this route refuse without one), so a client like curl sends its body only to
 * an upload that will take it, and at once instead of after its one-second wait.
 *
 * <p>The body then goes through one {@link StripeUpload}; the answer is {@link PublishAnswers}' or
 * the failure's, in the one error shape. All state is on the gateway's event loop.
 */
final class Publisher {
  /** How long, and how many more body bytes, a refused upload is drained before its connection closes. */
  static final long LINGER_MILLIS = 2_000;
  static final long LINGER_BYTES = 16L << 20;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final NodeClient nodes;
  private final CertificateSink sink;
  private final GatewayMetrics metrics;
  private final ReedSolomon codec;
  private int activeUploads;

  Publisher(Vertx vertx, GatewayConfig config, NodeClient nodes, CertificateSink sink, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.nodes = nodes;
    this.sink = sink;
    this.metrics = metrics;
    Encoding e = config.network().encoding();
    this.codec = ReedSolomon.of(e.n(), e.k());
  }

  /** {@code PUT /v1/blobs}: the body is the blob. */
  void handle(RoutingContext ctx) {
    PublishRequest request = admit(ctx, PublishRequest.Route.BLOBS);
    if (request == null) {
      return;
    }
    HttpServerRequest req = ctx.request();
    Upload upload = begin(request);
    ctx.response().closeHandler(v -> upload.abandon("the client went away"));
    upload.store(req).onComplete(ar -> {
      upload.release();
      if (ar.succeeded()) {
        answerOk(ctx, upload.json(ar.result()));
      } else {
        answerFailure(ctx, ar.cause());
      }
    });
  }

  // ---------------------------------------------------------------- admission

  /**
   * Checks what can be checked before the body: the parameters for {@code route}, the declared
   * size, a free slot; then sends {@code 100 Continue} if asked. Null when the request was refused
   * (and answered). The request stays paused.
   */
  PublishRequest admit(RoutingContext ctx, PublishRequest.Route route) {
    HttpServerRequest req = ctx.request();
    req.pause();
    PublishRequest request;
    try {
      request = PublishRequest.parse(req.params(), route, config.network().epochs().maxEpochsAhead());
    } catch (IllegalArgumentException e) {
      String reason = e instanceof PublishRequest.PersistenceConflict ? PublishRequest.PersistenceConflict.REASON
          : "INVALID_ARGUMENT";
      ApiErrors.refuseAndLinger(ctx, ApiError.of(400, reason, e.getMessage()), LINGER_MILLIS, LINGER_BYTES);
      return null;
    }
    String declared = req.getHeader("content-length");
    if (declared != null) {
      long length = declaredLength(declared);
      if (length < 0) {
        ApiErrors.refuseAndLinger(ctx, ApiError.of(400, "INVALID_ARGUMENT", "Content-Length " + declared
            + " is not a byte count; send the body's length in bytes"), LINGER_MILLIS, LINGER_BYTES);
        return null;
      }
      // a quilt's form carries framing, part headers and _metadata beside its files: its own bound
      long limit = route == PublishRequest.Route.QUILTS ? QuiltPublisher.maxFormLength(config) : config.maxBlobSize();
      if (length > limit) {
        if (route == PublishRequest.Route.QUILTS) {
          QuiltPublisher.tooLarge(ctx, config);
        } else {
          tooLarge(ctx);
        }
        return null;
      }
    }
    if (activeUploads >= config.maxConcurrentUploads()) {
      ctx.response().putHeader("Retry-After", "1");
      ApiErrors.refuseAndLinger(ctx, ApiError.of(429, "RESOURCE_EXHAUSTED", "the publisher is busy with "
          + activeUploads + " uploads; retry shortly"), LINGER_MILLIS, LINGER_BYTES);
      return null;
    }
    if ("100-continue".equalsIgnoreCase(req.getHeader("expect"))) {
      ctx.response().writeContinue();
    }
    return request;
  }

  /**
   * A {@code Content-Length} value as a byte count, or -1 when it is not one: decimal digits only (no
   * sign, no spaces, as RFC 9110 writes it), at most 18 of them.
   */
  static long declaredLength(String value) {
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(value);
  }

  /** Takes an upload slot for one admitted request; {@link Upload#release} gives it back. */
  Upload begin(PublishRequest request) {
    activeUploads++;
    long currentEpoch = config.currentEpoch();
    return new Upload(request, currentEpoch);
  }

  /** An admitted upload: its slot, its epochs and, once its bytes flow, its pipeline. */
  final class Upload {
    final PublishRequest request;
    final long currentEpoch;
    final long endEpoch;
    private StripeUpload pipeline;
    private boolean released;
    private String abandoned;

    private Upload(PublishRequest request, long currentEpoch) {
      this.request = request;
      this.currentEpoch = currentEpoch;
      this.endEpoch = currentEpoch + request.epochs();
    }

    /** Stores what {@code body} gives (paused; resumed here), at most the publisher's max blob size. */
    Future<StripeUpload.Outcome> store(ReadStream<Buffer> body) {
      if (abandoned != null) {
        return Future.failedFuture(new UploadFailure(400, UploadFailure.ABANDONED, abandoned));
      }
      pipeline = new StripeUpload(vertx, config, nodes, sink, metrics, codec, endEpoch, request.force(),
          config.maxBlobSize());
      return pipeline.run(body);
    }

    /** Gives the upload up; before {@link #store}, makes it fail at once. */
    void abandon(String why) {
      if (pipeline != null) {
        pipeline.abandon(why);
      } else if (abandoned == null) {
        abandoned = why;
      }
    }

    void release() {
      if (!released) {
        released = true;
        activeUploads--;
      }
    }

    /** The JSON answer for {@code outcome}: {@code newlyCreated} or {@code alreadyCertified}. */
    JsonObject json(StripeUpload.Outcome outcome) {
      if (outcome instanceof StripeUpload.Created created) {
        return PublishAnswers.newlyCreated(created, config.network().encoding(), request, currentEpoch, endEpoch);
      }
      return PublishAnswers.alreadyCertified((StripeUpload.AlreadyCertified) outcome);
    }
  }

  // ---------------------------------------------------------------- answers

  /** Sends 200 and {@code body}, unless the client is gone. */
  static void answerOk(RoutingContext ctx, JsonObject body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(body.encode());
    }
  }

  /** The failure's answer: 413 lingers (a client streaming a large blob has more in flight); 503/504 say when to retry. */
  void answerFailure(RoutingContext ctx, Throwable cause) {
    UploadFailure f = cause instanceof UploadFailure u ? u
        : new UploadFailure(500, "INTERNAL", "the upload failed: " + cause.getMessage());
    if (f.status == 413) {
      tooLarge(ctx);
      return;
    }
    if (f.status == 504 || f.status == 503) {
      ctx.response().putHeader("Retry-After", "1");
    }
    ApiErrors.send(ctx, f.status, f.reason, f.getMessage());
  }

  /**
   * 413, then a lingering close ({@link ApiErrors#refuseAndLinger}): closing at once lost the
   * answer to a reset ("no bytes received"). Uploads linger longer than other refusals, since a
   * client streaming a large blob has more in flight.
   */
  void tooLarge(RoutingContext ctx) {
    ApiErrors.refuseAndLinger(ctx, ApiError.of(413, "TOO_LARGE", "blob exceeds the publisher's limit of "
        + config.maxBlobSize() + " bytes"), LINGER_MILLIS, LINGER_BYTES);
  }
}
