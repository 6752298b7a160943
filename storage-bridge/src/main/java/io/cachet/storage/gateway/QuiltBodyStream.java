package io.cachet.storage.gateway;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A quilt blob's bytes as one stream: its prefix (magic and index), then each part's temporary file
 * in quilt order, one file open at a time. What {@link StripeUpload} reads for {@code PUT
 * /v1/quilts}.
 *
 * <p>Flow control is the {@link ReadStream} contract: {@link #pause}, {@link #resume} and {@link
 * #fetch} hold for the prefix and pass on to the open file, and the demand left carries over from
 * one file to the next. A file that cannot be opened or read ends the stream with its exception.
 * Runs on the event loop of the Vert.x context that calls it; {@link #close} stops it.
 */
final class QuiltBodyStream implements ReadStream<Buffer> {
  /** The prefix goes out in pieces of this size, so pausing holds within it too. */
  private static final int PREFIX_CHUNK = 64 * 1024;

  private final Vertx vertx;
  private final Buffer prefix;
  private final List<Path> files;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  /** Items that may still be delivered; {@link Long#MAX_VALUE} while flowing. */
  private long demand = Long.MAX_VALUE;
  private int prefixAt;
  private int nextFile;
  private AsyncFile current;
  private boolean opening;
  private boolean scheduled;
  private boolean done;

  QuiltBodyStream(Vertx vertx, Buffer prefix, List<Path> files) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.files = List.copyOf(files);
  }

  @Override
  public QuiltBodyStream handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler != null) {
      schedule();
    }
    return this;
  }

  @Override
  public QuiltBodyStream endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public QuiltBodyStream exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public QuiltBodyStream pause() {
    demand = 0;
    if (current != null) {
      current.pause();
    }
    return this;
  }

  @Override
  public QuiltBodyStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public QuiltBodyStream fetch(long amount) {
    if (amount <= 0) {
      return this;
    }
    demand = demand > Long.MAX_VALUE - amount ? Long.MAX_VALUE : demand + amount;
    if (current != null) {
      if (demand == Long.MAX_VALUE) {
        current.resume();
      } else {
        current.fetch(amount);
      }
    } else {
      schedule();
    }
    return this;
  }

  /** Stops: the open file is closed and nothing more is delivered. */
  void close() {
    done = true;
    if (current != null) {
      current.close();
      current = null;
    }
  }

  /** Delivery runs from the context's queue, never inside the caller's pause/resume. */
  private void schedule() {
    if (!scheduled && !done) {
      scheduled = true;
      vertx.runOnContext(v -> {
        scheduled = false;
        pump();
      });
    }
  }

  private void pump() {
    while (!done && handler != null && demand > 0 && prefixAt < prefix.length()) {
      int to = Math.min(prefix.length(), prefixAt + PREFIX_CHUNK);
      Buffer piece = prefix.getBuffer(prefixAt, to);
      prefixAt = to;
      deliver(piece);
    }
    if (done || handler == null || demand == 0 || prefixAt < prefix.length() || current != null || opening) {
      return;
    }
    if (nextFile == files.size()) {
      done = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
      return;
    }
    opening = true;
    Path path = files.get(nextFile++);
    vertx.fileSystem().open(path.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .onComplete(ar -> {
          opening = false;
          if (ar.failed()) {
            fail(ar.cause());
            return;
          }
          AsyncFile file = ar.result();
          if (done) {
            file.close();
            return;
          }
          current = file;
          file.pause();
          file.handler(this::deliver);
          file.exceptionHandler(this::fail);
          file.endHandler(v -> {
            current = null;
            file.close();
            pump();
          });
          if (demand == Long.MAX_VALUE) {
            file.resume();
          } else if (demand > 0) {
            file.fetch(demand);
          }
        });
  }

  private void deliver(Buffer piece) {
    if (done) {
      return;   // closed: a read the file had under way still completes
    }
    if (demand != Long.MAX_VALUE) {
      demand--;
    }
    handler.handle(piece);
  }

  private void fail(Throwable cause) {
    if (done) {
      return;
    }
    close();
    if (exceptionHandler != null) {
      exceptionHandler.handle(cause);
    }
  }
}
