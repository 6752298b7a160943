package io.cachet.cli.console;

import io.cachet.cli.FailureDocuments;
import io.cachet.cli.blob.BlobEntry;
import io.cachet.cli.blob.BlobIndex;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The console's files routes: the local index ({@code ls}), a blob's details ({@code info}), its
 * share token ({@code share}), an upload streamed into {@code put -} and a download streamed out
 * of {@code get -o -}. Every one runs the {@code cachet} command in this process, so the page and
 * the terminal check, record and fail alike.
 *
 * <ul>
 *   <li>{@code GET /api/files}: {@code ls --json}.</li>
 *   <li>{@code GET /api/files/{blob}}: {@code info BLOB --json}.</li>
 *   <li>{@code GET /api/files/{blob}/share}: {@code share BLOB --json}.</li>
 *   <li>{@code POST /api/files?policy=&as=&name=&epochs=}: the raw file as the body, with its
 *       Content-Length, as {@code put - --size LENGTH --name NAME} reading the body as it arrives.
 *       A body that ends early (the browser went away) fails the put: nothing is stored or
 *       recorded, and the worker is freed.</li>
 *   <li>{@code GET /api/files/{blob}/content?as=&csrf=} and {@code GET /api/tokens/content?token=&as=&csrf=}:
 *       {@code get BLOB -o -}. The key servers are asked before the first plaintext byte, so a refusal is
 *       answered in the one error shape with each key server's outcome (the document {@code get --json}
 *       gives); a success is an attachment named as the index names the blob. The plaintext goes only
 *       from memory to the connection.</li>
 * </ul>
 */
final class FilesRoutes {
  /** How long an upload may send nothing, or a download take nothing, before it is given up. */
  static final Duration STALL = Duration.ofSeconds(120);

  private FilesRoutes() {}

  static void mount(Router router, ConsoleContext c) {
    router.get("/api/files").handler(ctx -> c.answer(ctx, with(c, "ls")));
    router.post("/api/files").handler(ctx -> upload(ctx, c));
    router.get("/api/files/:blob").handler(ctx -> blobArgument(ctx).ifPresent(b -> c.answer(ctx, with(c, "info", b))));
    router.get("/api/files/:blob/share").handler(ctx -> blobArgument(ctx)
        .ifPresent(b -> c.answer(ctx, with(c, "share", b))));
    router.get("/api/files/:blob/content")
        .handler(ctx -> blobArgument(ctx).ifPresent(b -> download(ctx, c, b)));
    router.get("/api/tokens/content").handler(ctx -> {
      String token = RouteInputs.token(ctx, ctx.request().getParam("token"));
      if (token != null) {
        download(ctx, c, token);
      }
    });
  }

  /** {@code cachet WORDS… [--network FILE]}. */
  private static List<String> with(ConsoleContext c, String... words) {
    List<String> args = new ArrayList<>(List.of(words));
    args.addAll(c.runs().networkArgs());
    return args;
  }

  private static Optional<String> blobArgument(RoutingContext ctx) {
    return Optional.ofNullable(RouteInputs.blobId(ctx, ctx.pathParam("blob")));
  }

  // ---------------------------------------------------------------- upload

  private static void upload(RoutingContext ctx, ConsoleContext c) {
    // a refusal leaves the body unread: the connection ends with it (removed again once the upload is accepted)
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    String as = c.acting(ctx, ctx.request().getParam("as"));
    if (as == null) {
      return;
    }
    String policyText = ctx.request().getParam("policy");
    if (policyText == null || policyText.isBlank()) {
      refuseUpload(ctx, 400, "NO_POLICY", "choose the policy that decides who may open the file");
      return;
    }
    String policy = RouteInputs.hexId(ctx, policyText.strip(), "the policy id");
    if (policy == null) {
      return;
    }
    String epochs = RouteInputs.epochs(ctx, ctx.request().getParam("epochs"));
    if (epochs == null) {
      return;
    }
    long size = contentLength(ctx);
    if (size < 0) {
      refuseUpload(ctx, 411, "LENGTH_REQUIRED", "an upload carries its Content-Length: the file's size is sealed"
          + " into its envelope before the first byte");
      return;
    }
    String name = RouteInputs.fileName(ctx, ctx.request().getParam("name"));
    if (name == null) {
      return;
    }
    // OPTION=VALUE keeps a value that starts with '-' a value; one that is exactly an option's name
    // ("--json") is still refused by the parser, as in a terminal (400 MISSING_ARGUMENT)
    List<String> args = with(c, "put", "-", "--size=" + size, "--name=" + name, "--policy=" + policy,
        "--as=" + as, "--json");
    if (!epochs.isEmpty()) {
      args.add("--epochs=" + epochs);
    }
    ctx.response().headers().remove(HttpHeaders.CONNECTION);
    RequestBodyStream body = RequestBodyStream.attach(ctx.request(), STALL);
    c.offLoop(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringWriter err = new StringWriter();
      try {
        int exit = c.runs().stream(args, body, out, err);
        return new ConsoleRuns.Result(exit, out.toString(StandardCharsets.UTF_8), err.toString());
      } finally {
        body.close();
      }
    }).onComplete(r -> {
      if (r.succeeded()) {
        ConsoleAnswers.send(ctx, r.result());
      } else {
        // the body may be unread (the work never ran): the connection ends with the answer
        body.close();
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ConsoleAnswers.failed(ctx, r.cause());
      }
    });
  }

  /** The request's Content-Length, or -1 when it has none (or a chunked body). */
  private static long contentLength(RoutingContext ctx) {
    String text = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (text == null || ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
      return -1;
    }
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Refuses an upload before its body is read (the connection ends with the answer). */
  private static void refuseUpload(RoutingContext ctx, int code, String reason, String message) {
    ConsoleAnswers.error(ctx, code, reason, message);
  }

  // ---------------------------------------------------------------- download

  private static void download(RoutingContext ctx, ConsoleContext c, String blobOrToken) {
    String as = c.acting(ctx, ctx.request().getParam("as"));
    if (as == null) {
      return;
    }
    Context context = Vertx.currentContext();
    List<String> args = with(c, "get", blobOrToken, "-o", "-", "--as", as);
    c.offLoop(() -> {
      String name = downloadName(c, blobOrToken);
      ResponseSink sink = new ResponseSink(ctx.response(), context, r -> r.setStatusCode(200)
          .setChunked(true)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
          .putHeader("Content-Disposition", contentDisposition(name)), STALL);
      StringWriter err = new StringWriter();
      FailureDocuments.Captured<Integer> run = FailureDocuments.capture(() -> {
        int exit = c.runs().stream(args, InputStream.nullInputStream(), sink, err);
        if (exit == 0) {
          sink.flush();
        }
        return exit;
      });
      return new Download(sink, new ConsoleRuns.Result(run.value(), run.document() == null ? "" : run.document(),
          err.toString()));
    }).onComplete(r -> {
      if (r.failed()) {
        ConsoleAnswers.failed(ctx, r.cause());
        return;
      }
      Download d = r.result();
      HttpServerResponse res = ctx.response();
      if (!d.run().ok()) {
        // before the first byte: the error, in the one shape; after it: a cut answer the browser sees as failed
        ConsoleAnswers.send(ctx, d.run());
        return;
      }
      if (!d.sink().started() && !res.ended()) {
        res.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
            .putHeader("Content-Disposition", contentDisposition(downloadName(c, blobOrToken)));
      }
      if (!res.ended() && !res.closed()) {
        res.end();
      }
    });
  }

  private record Download(ResponseSink sink, ConsoleRuns.Result run) {}

  /** The name the local index has for the blob, else the blob id (a token's blob may be another's). */
  private static String downloadName(ConsoleContext c, String blobOrToken) {
    Optional<String> id = BlobIndex.blobIdOf(blobOrToken);
    if (id.isEmpty()) {
      return "blob";
    }
    try {
      return new BlobIndex(c.runs().home()).find(id.get()).map(BlobEntry::name).filter(n -> !n.isBlank())
          .orElse(id.get());
    } catch (Exception e) {
      return id.get();
    }
  }

  /**
   * {@code attachment} with the name twice: an ASCII fallback with nothing a header or a path could
   * misread, and the exact name in RFC 5987 form, which browsers prefer (and clean of path parts).
   */
  static String contentDisposition(String name) {
    String ascii = name.replaceAll("[^A-Za-z0-9._ -]", "_");
    String encoded = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }
}
