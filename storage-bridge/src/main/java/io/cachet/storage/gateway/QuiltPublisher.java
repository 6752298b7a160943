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
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * {@link QuiltIndex#MAX_PATCHES} files. The files together, and the whole quilt, are held to the
 * publisher's max blob size (413).
 */
final class QuiltPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(QuiltPublisher.class);

  /** The form field carrying the patches' tags, as Walrus names it. */
  static final String METADATA_FIELD = "_metadata";
  /**
   * Largest {@code _metadata} field, held in memory while the form is read. The gateway's server
   * takes form attributes this large ({@code HttpServerOptions.setMaxFormAttributeSize}).
   */
  static final int MAX_METADATA_BYTES = 4 << 20;
  /** How this upload's private temporary directory's name begins (under {@code java.io.tmpdir}). */
  static final String TEMP_PREFIX = "cachet-quilt-upload-";
  /** Form fields the server's decoder takes: every patch, {@code _metadata}, and one more to refuse by name. */
  static final int MAX_FORM_FIELDS = QuiltIndex.MAX_PATCHES + 2;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final Publisher publisher;

  QuiltPublisher(Vertx vertx, GatewayConfig config, Publisher publisher) {
    this.vertx = vertx;
    this.config = config;
    this.publisher = publisher;
  }

  void handle(RoutingContext ctx) {
    String type = ctx.request().getHeader("content-type");
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      ctx.request().pause();
      ApiErrors.refuseAndLinger(ctx, ApiError.of(400, "INVALID_ARGUMENT", "PUT /v1/quilts takes a"
          + " multipart/form-data body, got " + (type == null ? "no Content-Type" : type)
          + "; send each file as a form part named by its identifier (curl -F 'name=@file')"),
          Publisher.LINGER_MILLIS, Publisher.LINGER_BYTES);
      return;
    }
    PublishRequest request = publisher.admit(ctx, PublishRequest.Route.QUILTS);
    if (request == null) {
      return;
    }
    new QuiltUpload(ctx, publisher.begin(request)).start();
  }

  /** One quilt upload: all fields touched only on the event loop. */
  private final class QuiltUpload {
    private final RoutingContext ctx;
    private final HttpServerRequest req;
    private final Publisher.Upload upload;
    private final List<Part> parts = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final List<Future<Void>> written = new ArrayList<>();
    private Path dir;
    private String metadataFile;
    private long received;
    /** Parts' files open for writing; several when the decoder hands over several parts at once. */
    private final Set<AsyncFile> openFiles = new HashSet<>();
    /** One per file open under way, completed once its outcome is handled: cleaning waits for them. */
    private final List<Future<Void>> opens = new ArrayList<>();
    private QuiltBodyStream body;
    private boolean over;

    QuiltUpload(RoutingContext ctx, Publisher.Upload upload) {
      this.ctx = ctx;
      this.req = ctx.request();
      this.upload = upload;
    }

    void start() {
      ctx.response().closeHandler(v -> {
        upload.abandon("the client went away");
        if (!over) {
          over = true;
          cleanUp();
        }
      });
      vertx.executeBlocking(() -> Files.createTempDirectory(TEMP_PREFIX,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))), false)
          .onComplete(ar -> {
            if (ar.failed()) {
              LOG.warn("quilt upload: no temporary directory: {}", ar.cause().toString());
              refuse(500, "INTERNAL", "the gateway could not make room for the quilt's parts");
              return;
            }
            dir = ar.result();
            if (over) {
              cleanUp();
              return;
            }
            req.setExpectMultipart(true);
            req.uploadHandler(this::part);
            req.exceptionHandler(e -> refuse(400, "INVALID_ARGUMENT", "the multipart form could not be read ("
                + e.getMessage() + "); send files as form parts, " + METADATA_FIELD + " as a field of at most "
                + MAX_METADATA_BYTES + " bytes, at most " + QuiltIndex.MAX_PATCHES + " files"));
            req.endHandler(v -> Future.all(written).onComplete(all -> {
              if (all.succeeded()) {
                formRead();
              }
            }));
            req.resume();
          });
    }

    /** One file part: checked by its name, then streamed to its own file. */
    private void part(HttpServerFileUpload file) {
      if (over) {
        return;
      }
      String name = file.name();
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
      } catch (IllegalArgumentException e) {
        refuse(400, "INVALID_ARGUMENT", e.getMessage());
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
        if (received > config.maxBlobSize()) {
          publisher.tooLarge(ctx);
          finish();
          return;
        }
        out.write(chunk);
        if (out.writeQueueFull()) {
          file.pause();
          out.drainHandler(d -> file.resume());
        }
      });
      file.exceptionHandler(e -> {
        refuse(400, "INVALID_ARGUMENT", "the part " + name + " could not be read: " + e.getMessage());
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
        refuse(400, "INVALID_ARGUMENT", METADATA_FIELD + " is given twice; give it once");
        return;
      }
      Buffer text = Buffer.buffer();
      metadataFile = "";
      Promise<Void> done = Promise.promise();
      written.add(done.future());
      file.handler(chunk -> {
        if (text.length() + chunk.length() > MAX_METADATA_BYTES) {
          refuse(400, "INVALID_ARGUMENT", METADATA_FIELD + " exceeds " + MAX_METADATA_BYTES + " bytes");
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
        refuse(400, "INVALID_ARGUMENT", METADATA_FIELD + " could not be read: " + e.getMessage());
        done.tryFail(e);
      });
    }

    /** The whole form is in: check its fields, build the index, store the quilt. */
    private void formRead() {
      if (over) {
        return;
      }
      QuiltIndex index;
      try {
        index = QuiltIndex.of(entries());
      } catch (IllegalArgumentException e) {
        refuse(400, "INVALID_ARGUMENT", e.getMessage());
        return;
      }
      if (index.quiltLength() > config.maxBlobSize()) {
        publisher.tooLarge(ctx);
        finish();
        return;
      }
      body = new QuiltBodyStream(vertx, Buffer.buffer(index.prefix()), parts.stream().map(p -> p.path).toList());
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

    /** The patches in form order, each with its tags from {@code _metadata}. */
    private List<QuiltEntry> entries() {
      for (String field : req.formAttributes().names()) {
        if (!METADATA_FIELD.equals(field)) {
          throw new IllegalArgumentException("form field " + field + " is not a file: send each file as a file"
              + " part named by its identifier (curl -F '" + field + "=@path')");
        }
        if (req.formAttributes().getAll(field).size() > 1 || metadataFile != null) {
          throw new IllegalArgumentException(METADATA_FIELD + " is given twice; give it once");
        }
      }
      String text = metadataFile != null ? metadataFile : req.getFormAttribute(METADATA_FIELD);
      Map<String, Map<String, String>> tags = text == null ? Map.of() : QuiltMetadata.parse(text, names);
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
