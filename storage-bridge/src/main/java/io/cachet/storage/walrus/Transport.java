package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Vert.x HTTP client under a {@link WalrusBlobStore}, and the blocking waits on it. Every
 * wait has a deadline and runs on the caller's thread, never on an event loop (a call from one is
 * refused, since it would wait on itself).
 *
 * <p>Who owns what: the store always owns this client and closes it; the {@link Vertx} it runs on
 * is either the caller's (left running on close) or one the store made for itself (closed with it).
 *
 * <p>Tuned for reading large blobs (see docs/PERFORMANCE.md, the curl-ratio harness): HTTP/1.1 with
 * keep-alive and no pipelining, so one blob is one connection read in order; body chunks of up to
 * {@link #MAX_CHUNK_BYTES}, so a fast socket is handed over in few large pieces; no decompression.
 */
final class Transport implements AutoCloseable {
  /** Largest body piece the decoder hands over at once: fewer, larger hand-overs to the reader. */
  static final int MAX_CHUNK_BYTES = 256 * 1024;
  /** Socket receive buffer asked of the kernel: room for a fast sender while the reader copies. */
  static final int RECEIVE_BUFFER_BYTES = 1 << 20;
  /** Connections kept per host: one per concurrent call; more calls wait for one to be free. */
  static final int MAX_CONNECTIONS_PER_HOST = 16;

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final HttpClient client;
  private volatile boolean closed;

  Transport(Vertx given, WalrusConfig config) {
    this.ownsVertx = given == null;
    this.vertx = given == null ? Vertx.vertx() : given;
    HttpClientOptions options = new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_1_1)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
        .setKeepAlive(true)
        .setPipelining(false)
        .setDecompressionSupported(false)
        .setMaxChunkSize(MAX_CHUNK_BYTES)
        .setReceiveBufferSize(RECEIVE_BUFFER_BYTES)
        .setTcpNoDelay(true);
    this.client = vertx.httpClientBuilder().with(options)
        .with(new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_HOST)).build();
  }

  /**
   * A request with a connection behind it: waits until connected (the connect timeout is the
   * client's) or until {@code deadlineNanos}.
   *
   * @throws StorageException UNREACHABLE when the endpoint refused the connection or its name does
   *     not resolve; NETWORK for any other failure to connect
   */
  HttpClientRequest connect(Endpoint endpoint, RequestOptions options, long deadlineNanos, String what)
      throws StorageException {
    if (closed) {
      throw new IllegalStateException("this WalrusBlobStore is closed");
    }
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("WalrusBlobStore blocks; call it from a worker or your own thread, "
          + "never from an event loop");
    }
    Future<HttpClientRequest> connecting = client.request(options);
    try {
      return await(connecting, deadlineNanos, endpoint, what);
    } catch (StorageException e) {
      // Given up on: a connection that still comes must not sit taken in the pool.
      connecting.onSuccess(HttpClientRequest::reset);
      throw e;
    }
  }

  /** The value of {@code future}, waiting until {@code deadlineNanos} (System.nanoTime). */
  static <T> T await(Future<T> future, long deadlineNanos, Endpoint endpoint, String what) throws StorageException {
    return await(future.toCompletionStage().toCompletableFuture(), deadlineNanos, endpoint, what);
  }

  static <T> T await(CompletableFuture<T> future, long deadlineNanos, Endpoint endpoint, String what)
      throws StorageException {
    try {
      return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw failure(e.getCause(), endpoint, what);
    } catch (TimeoutException e) {
      String from = what.contains(endpoint.named()) ? "" : " from " + endpoint.named();
      throw new StorageException(Reason.NETWORK, 0, what + " failed: no answer" + from + ": timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted(what, e);
    }
  }

  /**
   * Closes the request's connection at once. An HTTP/1.1 reset of a request whose answer is still
   * arriving only marks the connection for closing once that answer ends, which for a flood or a
   * blob no one reads any more means reading it all; closing the connection is what stops it.
   */
  static void drop(HttpClientRequest request) {
    request.connection().close();
  }

  /** What a failure of the connection means, as a StorageException naming the endpoint. */
  static StorageException failure(Throwable cause, Endpoint endpoint, String what) {
    if (cause instanceof StorageException s) {
      return s;
    }
    // "store to the publisher at h:p" names it already; "read of blob X" does not.
    boolean named = what.contains(endpoint.named());
    Throwable refused = find(cause, ConnectException.class);
    if (refused != null && find(cause, ConnectTimeoutException.class) == null) {
      return new StorageException(Reason.UNREACHABLE, 0, what + " failed: "
          + (named ? "connection refused" : endpoint.named() + " refused the connection"), cause);
    }
    if (find(cause, UnknownHostException.class) != null) {
      return new StorageException(Reason.UNREACHABLE, 0, what + " failed: the " + endpoint.role() + "'s host name "
          + WalrusAnswers.quote(endpoint.base().getHost()) + " does not resolve", cause);
    }
    String from = named ? "" : " from " + endpoint.named();
    if (find(cause, ConnectTimeoutException.class) != null) {
      return new StorageException(Reason.NETWORK, 0, what + " failed: no answer" + from + ": connecting timed out",
          cause);
    }
    String text = cause == null ? "unknown failure" : cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + WalrusAnswers.quote(cause.getMessage()));
    return new StorageException(Reason.NETWORK, 0, what + " failed: no answer" + from + ": " + text, cause);
  }

  static StorageException interrupted(String what, InterruptedException e) {
    return new StorageException(Reason.NETWORK, 0, what + " was interrupted", e);
  }

  /** An interrupted wait inside a body read, as the IOException a stream throws. */
  static IOException interruptedRead(String what) {
    Thread.currentThread().interrupt();
    return new InterruptedIOException(what + " was interrupted");
  }

  private static Throwable find(Throwable t, Class<? extends Throwable> type) {
    for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }

  boolean closed() {
    return closed;
  }

  /**
   * Closes the client (open connections are dropped, so streams still being read fail) and the
   * Vert.x instance if the store made it. Waits a bounded time; never throws.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (ownsVertx) {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    } catch (ExecutionException | TimeoutException e) {
      // Closing releases sockets and threads; a slow close leaves nothing a caller could act on.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
