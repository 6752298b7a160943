package io.cachet.storage.node;

import io.cachet.storage.codec.Hashes;
import io.cachet.storage.node.NodeException.Reason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the bodies that carry blob metadata (commit, repair install) to a private temporary file
 * in the node's {@code incoming/} directory as they arrive, hashing them on the way, so a request
 * holds at most {@link #WRITE_QUEUE_BYTES} plus one network chunk in memory, whatever the blob's
 * size. A body longer than its cap fails with 413 TOO_LARGE as soon as it passes it; a body cut
 * short fails with the connection. On any failure the temporary file is deleted before the future
 * fails; on success the caller owns the file and deletes it when done. {@link #heldBytes()} and
 * {@link #highWaterBytes()} report the body bytes in memory. Thread-safe.
 */
final class MetadataBodies {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataBodies.class);
  /** Bytes of one body queued for the disk before the request is paused until they are written. */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A body on disk: its temporary file, its length and its SHA-256. */
  record Received(Path file, long length, byte[] sha256) {}

  private final Vertx vertx;
  private final Path dir;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong highWater = new AtomicLong();

  MetadataBodies(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.dir = dir;
  }

  /**
   * Streams the body of {@code req} (paused or not; this resumes it) to a new temporary file, at
   * most {@code maxBytes} of it.
   */
  Future<Received> receive(HttpServerRequest req, long maxBytes) {
    req.pause();
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && declaredTooLong(declared, maxBytes)) {
      return Future.failedFuture(new NodeException(Reason.TOO_LARGE, "this body is at most " + maxBytes + " bytes"));
    }
    byte[] name = new byte[16];
    RANDOM.nextBytes(name);
    Path file = dir.resolve(HexFormat.of().formatHex(name) + NodeStore.TMP_SUFFIX);
    Promise<Received> done = Promise.promise();
    OpenOptions options = new OpenOptions().setCreateNew(true).setWrite(true).setPerms("rw-------");
    vertx.fileSystem().open(file.toString(), options).onFailure(done::tryFail).onSuccess(out -> {
      out.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
      MessageDigest sha = Hashes.sha256();
      long[] length = {0};
      out.exceptionHandler(done::tryFail);
      req.handler(chunk -> {
        if (done.future().isComplete()) {
          return;
        }
        length[0] += chunk.length();
        if (length[0] > maxBytes) {
          done.tryFail(new NodeException(Reason.TOO_LARGE, "this body is at most " + maxBytes + " bytes"));
          return;
        }
        sha.update(chunk.getBytes());
        write(out, chunk);
        if (out.writeQueueFull()) {
          req.pause();
          out.drainHandler(v -> req.resume());
        }
      });
      req.exceptionHandler(done::tryFail);
      req.endHandler(v -> {
        if (!done.future().isComplete()) {
          out.close().onComplete(r -> {
            if (r.succeeded()) {
              done.tryComplete(new Received(file, length[0], sha.digest()));
            } else {
              done.tryFail(r.cause());
            }
          });
        }
      });
      done.future().onFailure(e -> out.close());
      req.resume();
    });
    return done.future().recover(e -> {
      // keep the connection usable for the answer: the rest of the body is read and dropped
      req.handler(b -> { });
      req.resume();
      return vertx.executeBlocking(() -> {
        Files.deleteIfExists(file);
        return null;
      }, false).transform(r -> {
        if (r.failed()) {
          LOG.warn("event=incoming_delete_failed error={}", r.cause().toString());
        }
        return Future.failedFuture(e);
      });
    });
  }

  /** Work on a streamed body's temporary file, on a worker thread. */
  @FunctionalInterface
  interface Work<T> {
    T run(Path file) throws NodeException, IOException;
  }

  /**
   * Streams a signed body to a temporary file ({@link #receive}), checks it against the digest the
   * publisher signed, hands the file to {@code work} on a worker thread, and deletes the file after,
   * whatever happened.
   */
  <T> Future<T> process(HttpServerRequest req, long maxBytes, PublisherTrust.Verified signed, Work<T> work) {
    return receive(req, maxBytes).compose(body -> vertx.executeBlocking(() -> {
      try {
        signed.checkDigest(body.sha256());
        return work.run(body.file());
      } finally {
        Files.deleteIfExists(body.file());
      }
    }, false));
  }

  /** Body bytes in memory now, queued for the disk. */
  long heldBytes() {
    return held.get();
  }

  /** The most body bytes ever in memory at once since the node started. */
  long highWaterBytes() {
    return highWater.get();
  }

  private void write(AsyncFile out, Buffer chunk) {
    int n = chunk.length();
    highWater.accumulateAndGet(held.addAndGet(n), Math::max);
    out.write(chunk).onComplete(r -> held.addAndGet(-n));
  }

  private static boolean declaredTooLong(String declared, long maxBytes) {
    try {
      long v = Long.parseLong(declared.trim());
      return v < 0 || v > maxBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }
}
