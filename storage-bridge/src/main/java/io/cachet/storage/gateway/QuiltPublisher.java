package io.cachet.storage.gateway;

import io.cachet.common.http.ApiError;
import io.cachet.common.http.ApiErrors;
import io.cachet.storage.BlobId;
import io.cachet.storage.quilt.QuiltEntry;
import io.cachet.storage.quilt.QuiltIndex;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT /v1/quilts}: many small files stored as one blob in Cachet's quilt layout (see {@link
 * QuiltIndex}), answered as Walrus's publisher answers ({@code blobStoreResult} and {@code
 * storedQuiltBlobs}).
 *
 * <p>Design. The request is admitted as every upload is ({@link Publisher#admit}: parameters,
 * declared size, a slot, then {@code 100 Continue}). Its multipart body is parsed by Vert.x; each
 * file part streams to its own temporary file in a directory private to this upload (0700, files
 * 0600, under {@code java.io.tmpdir}), deleted whatever happens. Only when the whole form is in and
 * checked is the index built; then the quilt's bytes (index, then the parts in form order) go
 * through the same {@link StripeUpload} a plain blob does.
 *
 * <p>What a form must be, each breach a 400 naming it: at least one file part; each file part's
 * field name is its identifier ({@link QuiltEntry#checkIdentifier}), unique in the form, not
 * starting with {@code _}; the one optional {@code _metadata} field is a JSON array of
 * {@code {"identifier":..,"tags":{..}}} naming only identifiers of file parts, each once (a tag
 * value that is not a string is kept as its JSON text, as Walrus does); no other field; at most
 * {@link QuiltIndex#MAX_PATCHES} files. Every such 400 carries Walrus's reason {@code
 * MALFORMED_REQUEST}.
 *
 * <p>Limits, each checked as the bytes arrive, not once the form is over. The files together, and
 * the whole quilt, are held to {@link GatewayConfig#quiltLimit()} (413), one measure for the running
 * count and the final check; the declared Content-Length only to that plus the most a form may add
 * ({@link #maxFormLength}). Everything in the form that is not file data (plain fields, {@code
 * _metadata}, part headers, framing) is held to {@link #MAX_METADATA_BYTES} plus a little per file
 * part ({@link QuiltFormFraming} counts the raw bytes; 413). The temporary disk must keep {@link
 * GatewayConfig#quiltDiskReserve()} free, checked before the directory is made and again as the
 * parts grow (503 {@code INSUFFICIENT_STORAGE} with {@code Retry-After}). A body that ends before
 * the form's closing delimiter, and a form the decoder cannot read (an unknown charset, a part header
 * past {@link #MAX_FORM_BUFFERED_BYTES}), get a 400 at once.
 */
final class QuiltPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(QuiltPublisher.class);

  /** The form field carrying the patches' tags, as Walrus names it. */
  static final String METADATA_FIELD = "_metadata";
  /** Walrus's reason for a quilt form it cannot take ({@code StoreBlobError::MalformedRequest}). */
  static final String MALFORMED = "MALFORMED_REQUEST";
  /**
   * Largest {@code _metadata} field, held in memory while the form is read. The gateway's server
   * takes form attributes this large ({@code HttpServerOptions.setMaxFormAttributeSize}).
   */
  static final int MAX_METADATA_BYTES = 4 << 20;
  /**
   * How an upload's private temporary directory's name begins (under {@code java.io.tmpdir}); the
   * owning process's id follows, so that a sweep at start ({@link QuiltTempSweep}) knows whose it is.
   */
  static final String TEMP_PREFIX = "cachet-quilt-upload-";
  /** Form fields the server's decoder takes: every patch, {@code _metadata}, and one more to refuse by name. */
  static final int MAX_FORM_FIELDS = QuiltIndex.MAX_PATCHES + 2;
  /**
   * Bytes of one part's headers the decoder buffers whole ({@code HttpServerOptions.setMaxFormBufferedBytes}):
   * a Content-Disposition line whose {@code name} and {@code filename} are both a longest identifier.
   */
  static final int MAX_FORM_BUFFERED_BYTES = 2 * QuiltEntry.MAX_IDENTIFIER_BYTES + 8 * 1024;
  /** Non-file bytes allowed for each file part beyond its name and file name: boundary, other headers, CRLFs. */
  static final int PART_HEADER_BYTES = 1024;
  /** Non-file bytes allowed whatever the parts: the preamble, the closing delimiter, what the decoder holds back. */
  static final int FORM_SLACK_BYTES = 1 << 20;
  /** How much the parts may grow between two checks of the temporary disk's free space. */
  static final long DISK_CHECK_EVERY = 16L << 20;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final Publisher publisher;

  QuiltPublisher(Vertx vertx, GatewayConfig config, Publisher publisher) {
    this.vertx = vertx;
    this.config = config;
    this.publisher = publisher;
  }

  /**
   * The longest Content-Length a quilt within the limit can need: its files, plus the most a form may
   * add to them (every identifier twice in its part's headers, {@code _metadata}, framing).
   */
  static long maxFormLength(GatewayConfig config) {
    return config.quiltLimit() + MAX_METADATA_BYTES + FORM_SLACK_BYTES
        + (long) QuiltIndex.MAX_PATCHES * PART_HEADER_BYTES + 2L * QuiltIndex.MAX_INDEX_BYTES;
  }

  /** 413 for a quilt past {@link GatewayConfig#quiltLimit()}, with a lingering close. */
  static void tooLarge(RoutingContext ctx, GatewayConfig config) {
    ApiErrors.refuseAndLinger(ctx, ApiError.of(413, "TOO_LARGE", "quilt exceeds the publisher's limit of "
        + config.quiltLimit() + " bytes; store the rest in another quilt"), Publisher.LINGER_MILLIS,
        Publisher.LINGER_BYTES);
  }

  void handle(RoutingContext ctx) {
    String type = ctx.request().getHeader("content-type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      ctx.request().pause();
      ApiErrors.refuseAndLinger(ctx, ApiError.of(400, MALFORMED, "PUT /v1/quilts takes a"
          + " multipart/form-data body, got " + (type == null ? "no Content-Type" : type)
          + "; send each file as a form part named by its identifier (curl -F 'name=@file')"),
          Publisher.LINGER_MILLIS, Publisher.LINGER_BYTES);
      return;
    }
    PublishRequest request = publisher.admit(ctx, PublishRequest.Route.QUILTS);
    if (request == null) {
      return;
    }
    new QuiltUpload(ctx, publisher.begin(request), type).start();
  }

  /** One quilt upload: all fields touched only on the event loop. */
  private final class QuiltUpload {
    private final RoutingContext ctx;
    private final HttpServerRequest req;
    private final Publisher.Upload upload;
    private final String contentType;
    private final QuiltFormFraming framing;
    private final List<Part> parts = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final List<Future<Void>> written = new ArrayList<>();
    private Path dir;
    private String metadataFile;
    /** File-part bytes delivered so far. */
    private long received;
    /** Non-file bytes the form may hold: {@code _metadata}, the slack, and each file part's headers. */
    private long nonFileAllowed = MAX_METADATA_BYTES + FORM_SLACK_BYTES;
    private long identifierBytes;
    private long nextDiskCheck = DISK_CHECK_EVERY;
    /** The part whose end has not arrived yet, for the message when the body ends inside it. */
    private String lastPart;
    /** Parts' files open for writing; several when the decoder hands over several parts at once. */
    private final Set<AsyncFile> openFiles = new HashSet<>();
    /** One per file open under way, completed once its outcome is handled: cleaning waits for them. */
    private final List<Future<Void>> opens = new ArrayList<>();
    private QuiltBodyStream body;
    private boolean over;

    QuiltUpload(RoutingContext ctx, Publisher.Upload upload, String contentType) {
      this.ctx = ctx;
      this.req = ctx.request();
      this.upload = upload;
      this.contentType = contentType;
      String boundary = QuiltFormFraming.boundary(contentType);
      this.framing = new QuiltFormFraming(boundary == null ? "" : boundary);
    }

    void start() {
      ctx.response().closeHandler(v -> {
        upload.abandon("the client went away");
        if (!over) {
          over = true;
          cleanUp();
        }
      });
      String declared = req.getHeader("content-length");
      long expected = declared == null ? 0 : Math.min(Publisher.declaredLength(declared), config.quiltLimit());
      vertx.executeBlocking(() -> {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            long free = Files.getFileStore(tmp).getUsableSpace();
            if (free - expected < config.quiltDiskReserve()) {
              return null;
            }
            return Files.createTempDirectory(TEMP_PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
          }, false)
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("quilt upload: no temporary directory: {}", ar.cause().toString());
              refuse(500, "INTERNAL", "the gateway could not make room for the quilt's parts");
              return;
            }
            if (ar.result() == null) {
              noRoom();
              return;
            }
            dir = ar.result();
            if (over) {
              cleanUp();
              return;
            }
            try {
              req.setExpectMultipart(true);
            } catch (RuntimeException e) {
              refuse(400, MALFORMED, "the multipart form cannot be read with Content-Type " + contentType + " ("
                  + describe(e) + "); send multipart/form-data; boundary=..., in UTF-8 or without a charset");
              return;
            }
            req.uploadHandler(this::part);
            // Vert.x hands every raw chunk to this handler as well as to the form decoder
            req.handler(chunk -> {
              framing.chunk(chunk);
              if (!over && framing.raw() - received > nonFileAllowed) {
                refuse(413, "TOO_LARGE", "the form's fields and part headers exceed " + nonFileAllowed
                    + " bytes; a quilt's form holds file parts and one " + METADATA_FIELD + " field of at most "
                    + MAX_METADATA_BYTES + " bytes");
              }
            });
            req.exceptionHandler(e -> refuse(400, MALFORMED, "the multipart form could not be read ("
                + describe(e) + "); send files as form parts, " + METADATA_FIELD + " as a field of at most "
                + MAX_METADATA_BYTES + " bytes, at most " + QuiltIndex.MAX_PATCHES + " files"));
            req.endHandler(v -> {
              if (over) {
                return;
              }
              if (!framing.closed()) {
                // the decoder leaves a part cut short neither ended nor failed: nothing else would answer
                refuse(400, MALFORMED, "the form ends " + (lastPart == null ? "" : "in the middle of part "
                    + shortened(lastPart) + ", ") + "before its closing boundary; send the whole form");
                return;
              }
              Future.all(written).onComplete(all -> {
                if (all.succeeded()) {
                  formRead();
                }
              });
            });
            req.resume();
          });
    }

    /** 503: the temporary disk would keep less than its reserve. */
    private void noRoom() {
      if (!over) {
        ctx.response().putHeader("Retry-After", "5");
      }
      refuse(503, "INSUFFICIENT_STORAGE", "the gateway's temporary disk has no room for this quilt's parts;"
          + " retry later or store a smaller quilt");
    }

    /** One file part: checked by its name, then streamed to its own file. */
    private void part(HttpServerFileUpload file) {
      if (over) {
        return;
      }
      String name = file.name();
      lastPart = name;
      if (METADATA_FIELD.equals(name)) {
        readMetadataFile(file);
        return;
      }
      try {
        if (name.startsWith("_")) {
          throw new IllegalArgumentException("form field " + name + " starts with '_', which is reserved;"
              + " only " + METADATA_FIELD + " may");
        }
        QuiltEntry.checkIdentifier(name);
        if (!names.add(name)) {
          throw new IllegalArgumentException("identifier " + name + " names two files; each file's form"
              + " field name must be unique");
        }
        if (parts.size() == QuiltIndex.MAX_PATCHES) {
          throw new IllegalArgumentException("a quilt holds at most " + QuiltIndex.MAX_PATCHES
              + " files; store the rest in another quilt");
        }
        int idBytes = name.getBytes(StandardCharsets.UTF_8).length;
        identifierBytes += idBytes;
        if (identifierBytes > QuiltIndex.MAX_INDEX_BYTES) {
          throw new IllegalArgumentException("the identifiers together exceed the quilt index's limit of "
              + QuiltIndex.MAX_INDEX_BYTES + " bytes; store the rest in another quilt");
        }
        // the part's own headers, so what is left unspent stays small: plain fields are held in memory
        String filename = file.filename();
        nonFileAllowed += idBytes + (filename == null ? 0 : filename.getBytes(StandardCharsets.UTF_8).length)
            + PART_HEADER_BYTES;
      } catch (IllegalArgumentException e) {
        refuse(400, MALFORMED, e.getMessage());
        return;
      }
      Part part = new Part(name, dir.resolve("part-" + parts.size()));
      parts.add(part);
      Promise<Void> done = Promise.promise();
      written.add(done.future());
      file.pause();
      Promise<Void> settled = Promise.promise();
      opens.add(settled.future());
      vertx.fileSystem().open(part.path.toString(), new OpenOptions().setWrite(true).setCreateNew(true)
          .setPerms("rw-------")).onComplete(ar -> {
            try {
              opened(file, part, done, ar);
            } finally {
              settled.complete();
            }
          });
    }

    /** A part's file is open, or could not be: the part streams into it, counted against the limit. */
    private void opened(HttpServerFileUpload file, Part part, Promise<Void> done, AsyncResult<AsyncFile> ar) {
      String name = part.identifier;
      if (over) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        done.tryFail("over");
        return;
      }
      if (ar.failed()) {
        LOG.warn("quilt upload: cannot write a part: {}", ar.cause().toString());
        refuse(500, "INTERNAL", "the gateway could not keep the quilt's part " + name);
        done.tryFail(ar.cause());
        return;
      }
      AsyncFile out = ar.result();
      openFiles.add(out);
      file.handler(chunk -> {
        if (over) {
          return;
        }
        part.length += chunk.length();
        received += chunk.length();
        if (received > config.quiltLimit()) {
          QuiltPublisher.tooLarge(ctx, config);
          finish();
          return;
        }
        if (received >= nextDiskCheck) {
          nextDiskCheck = received + DISK_CHECK_EVERY;
          checkDisk();
        }
        out.write(chunk);
        if (out.writeQueueFull()) {
          file.pause();
          out.drainHandler(d -> file.resume());
        }
      });
      file.exceptionHandler(e -> {
        refuse(400, MALFORMED, "the part " + name + " could not be read: " + describe(e));
        done.tryFail(e);
      });
      file.endHandler(v -> {
        if (over) {
          done.tryFail("the upload is over");   // its files were closed by cleanUp
          return;
        }
        openFiles.remove(out);
        out.close().onComplete(c -> {
          if (c.succeeded()) {
            done.tryComplete();
          } else {
            refuse(500, "INTERNAL", "the gateway could not keep the quilt's part " + name);
            done.tryFail(c.cause());
          }
        });
      });
      file.resume();
    }

    /** {@code _metadata} sent as a file part ({@code curl -F '_metadata=@tags.json'}): read into memory, bounded. */
    private void readMetadataFile(HttpServerFileUpload file) {
      if (metadataFile != null) {
        refuse(400, MALFORMED, METADATA_FIELD + " is given twice; give it once");
        return;
      }
      Buffer text = Buffer.buffer();
      metadataFile = "";
      Promise<Void> done = Promise.promise();
      written.add(done.future());
      file.handler(chunk -> {
        if (text.length() + chunk.length() > MAX_METADATA_BYTES) {
          refuse(400, MALFORMED, METADATA_FIELD + " exceeds " + MAX_METADATA_BYTES + " bytes");
          done.tryFail("over");
          return;
        }
        text.appendBuffer(chunk);
      });
      file.endHandler(v -> {
        metadataFile = text.toString();
        done.tryComplete();
      });
      file.exceptionHandler(e -> {
        refuse(400, MALFORMED, METADATA_FIELD + " could not be read: " + describe(e));
        done.tryFail(e);
      });
    }

    /** The whole form is in: check its fields, build the index (on a worker: up to 4 MiB of JSON), store the quilt. */
    private void formRead() {
      if (over) {
        return;
      }
      String text;
      try {
        text = metadataText();
      } catch (IllegalArgumentException e) {
        refuse(400, MALFORMED, e.getMessage());
        return;
      }
      Set<String> files = Set.copyOf(names);
      List<Part> these = List.copyOf(parts);
      vertx.executeBlocking(() -> {
        QuiltIndex index = QuiltIndex.of(entries(text, files, these));
        return new Built(index, Buffer.buffer(index.prefix()));
      }, false).onComplete(ar -> {
        if (over) {
          return;
        }
        if (ar.failed()) {
          if (ar.cause() instanceof IllegalArgumentException e) {
            refuse(400, MALFORMED, e.getMessage());
          } else {
            LOG.warn("quilt upload: the index could not be built: {}", ar.cause().toString());
            refuse(500, "INTERNAL", "the gateway could not build the quilt's index");
          }
          return;
        }
        store(ar.result());
      });
    }

    private void store(Built built) {
      QuiltIndex index = built.index;
      if (index.quiltLength() > config.quiltLimit()) {
        QuiltPublisher.tooLarge(ctx, config);
        finish();
        return;
      }
      body = new QuiltBodyStream(vertx, built.prefix, parts.stream().map(p -> p.path).toList());
      body.pause();
      upload.store(body).onComplete(ar -> {
        if (ar.succeeded()) {
          StripeUpload.Outcome outcome = ar.result();
          BlobId quiltId = outcome instanceof StripeUpload.Created c ? c.metadata().blobId()
              : ((StripeUpload.AlreadyCertified) outcome).blobId();
          JsonArray stored = new JsonArray();
          for (int i = 0; i < index.size(); i++) {
            stored.add(new JsonObject().put("identifier", index.entry(i).identifier())
                .put("quiltPatchId", QuiltPatchId.ofPatch(quiltId, i).toString()));
          }
          Publisher.answerOk(ctx, new JsonObject().put("blobStoreResult", upload.json(outcome))
              .put("storedQuiltBlobs", stored));
        } else if (ar.cause() instanceof UploadFailure f && UploadFailure.ABANDONED.equals(f.reason)) {
          // the client is gone, or a part could not be read back from its file
          ApiErrors.send(ctx, 500, "INTERNAL", "the quilt's parts could not be read back: " + f.getMessage());
        } else {
          publisher.answerFailure(ctx, ar.cause());
        }
        finish();
      });
    }

    /** The {@code _metadata} text, null when none; refuses any other plain field, and {@code _metadata} twice. */
    private String metadataText() {
      for (String field : req.formAttributes().names()) {
        if (!METADATA_FIELD.equals(field)) {
          throw new IllegalArgumentException("form field " + field + " is not a file: send each file as a file"
              + " part named by its identifier (curl -F '" + field + "=@path')");
        }
        if (req.formAttributes().getAll(field).size() > 1 || metadataFile != null) {
          throw new IllegalArgumentException(METADATA_FIELD + " is given twice; give it once");
        }
      }
      return metadataFile != null ? metadataFile : req.getFormAttribute(METADATA_FIELD);
    }

    /** Checks the temporary disk's free space (on a worker) as the parts grow; 503 below the reserve. */
    private void checkDisk() {
      Path at = dir;
      if (at == null) {
        return;
      }
      vertx.executeBlocking(() -> Files.getFileStore(at).getUsableSpace(), false).onComplete(ar -> {
        if (ar.failed()) {
          LOG.warn("quilt upload: free space unknown: {}", ar.cause().toString());
        } else if (ar.result() < config.quiltDiskReserve()) {
          noRoom();
        }
      });
    }

    private void refuse(int status, String reason, String message) {
      if (over) {
        return;
      }
      ApiErrors.refuseAndLinger(ctx, ApiError.of(status, reason, message), Publisher.LINGER_MILLIS,
          Publisher.LINGER_BYTES);
      finish();
    }

    /** The answer is out (or nobody waits for it): the slot and the temporary files go. */
    private void finish() {
      if (over) {
        return;
      }
      over = true;
      upload.abandon("the quilt upload ended");
      upload.release();
      cleanUp();
    }

    private void cleanUp() {
      upload.release();
      for (AsyncFile f : openFiles) {
        f.close().onFailure(e -> LOG.debug("quilt upload: a part's file did not close: {}", e.toString()));
      }
      openFiles.clear();
      if (body != null) {
        body.close();
      }
      if (dir != null) {
        Path gone = dir;
        dir = null;
        // a file still being opened would be created after the directory was emptied
        Future.join(opens).eventually(() -> vertx.fileSystem().deleteRecursive(gone.toString())).onFailure(e ->
            LOG.warn("quilt upload: temporary files not deleted: {}", e.toString()));
      }
    }
  }

  /** The patches in form order, each with its tags from {@code _metadata} ({@code text}, null when none). */
  private static List<QuiltEntry> entries(String text, Set<String> files, List<Part> parts) {
    Map<String, Map<String, String>> tags = text == null ? Map.of() : QuiltMetadata.parse(text, files);
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("the form holds no file: send each file as a form part named by its"
          + " identifier (curl -F 'name=@file')");
    }
    List<QuiltEntry> entries = new ArrayList<>(parts.size());
    for (Part p : parts) {
      entries.add(new QuiltEntry(p.identifier, tags.getOrDefault(p.identifier, Map.of()), p.length));
    }
    return entries;
  }

  /** A quilt's index, and its first bytes as they go to the nodes. */
  private record Built(QuiltIndex index, Buffer prefix) {}

  /**
   * What went wrong reading the form, in words: Netty's limit exceptions carry no message, and an
   * answer saying "(null)" tells the sender nothing.
   */
  static String describe(Throwable e) {
    if (e instanceof HttpPostRequestDecoder.TooLongFormFieldException) {
      return "a part's headers are longer than " + MAX_FORM_BUFFERED_BYTES + " bytes; an identifier is at most "
          + QuiltEntry.MAX_IDENTIFIER_BYTES + " UTF-8 bytes";
    }
    if (e instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
      return "the form has more than " + MAX_FORM_FIELDS + " fields; a quilt holds at most "
          + QuiltIndex.MAX_PATCHES + " files and one " + METADATA_FIELD;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return "the decoder failed with " + e.getClass().getSimpleName() + " and no message";
  }

  /** A form-given name, cut short for a message (the decoder already replaced its control characters). */
  private static String shortened(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "...(" + name.length() + " characters)";
  }

  /** One file part: its identifier, its temporary file, its length so far. */
  private static final class Part {
    final String identifier;
    final Path path;
    long length;

    Part(String identifier, Path path) {
      this.identifier = identifier;
      this.path = path;
    }
  }
}
