package io.cachet.storage.walrus;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.PatchStream;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.quilt.QuiltPatchId;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlobStore} on a Walrus publisher (writes) and aggregator (reads) over HTTP, or on the
 * embedded local network, which serves the same API. Blocking; safe for concurrent use; never call
 * it from an event loop (it refuses).
 *
 * <p>Stack. The Vert.x HTTP client, on a {@link Vertx} the caller passes in (left running by
 * {@link #close}) or on one the store makes for itself (closed by {@link #close}). The caller's
 * thread streams uploads and reads bodies, waiting on the event loop with a deadline each time.
 *
 * <p>Design. Every call is a loop of attempts ({@link AttemptLoop}); each attempt ends in a value
 * or in a failure that says how many attempts in all it allows (1 for a failure that retrying
 * cannot fix). The final exception always states the number of attempts made. The invariants:
 *
 * <ul>
 *   <li><b>Bodies stream.</b> An upload is read from its {@link BlobSource} as the socket takes it
 *       (fixed {@code Content-Length} when the source knows its length, chunked otherwise); a read
 *       hands out the response body as it arrives, pausing the connection while the caller does not
 *       read. No call holds a whole blob in memory.
 *   <li><b>An upload is re-sent only from a fresh stream.</b> A repeatable source is opened again
 *       for each attempt. A one-shot source is retried only if the failed attempt never opened it
 *       (say, the connection was refused); once read, its bytes are gone and the failure says so.
 *   <li><b>A refused connection fails at once.</b> UNREACHABLE, naming the publisher or aggregator
 *       and its host:port, after one more quick try ({@link #REFUSED_RETRY_WAIT}): a part that is
 *       down stays down for longer than a backoff schedule is worth waiting.
 *   <li><b>A stalled answer fails.</b> A read that waits longer than
 *       {@link WalrusConfig#readStallTimeout()} for the next bytes drops the connection and fails
 *       with an IOException saying so; time the caller spends between reads does not count.
 *   <li><b>A returned stream is exact.</b> It yields exactly the bytes the server announced (or the
 *       range asked for) and throws {@link IOException} if the connection ends first, so a cut
 *       connection never passes for a shorter blob.
 *   <li><b>A 404 is final unless this store just uploaded the blob.</b> Uploads are remembered for
 *       {@link RetryPolicy#notFoundWindow()}, because an aggregator's cache may still hold a 404
 *       from before the upload was certified.
 *   <li><b>The bearer token goes to the publisher only</b>, in a header, and is never logged:
 *       log lines and messages carry no token and quote server text cut short and stripped of
 *       control characters.
 * </ul>
 *
 * <p>Quilts ({@link #storeQuilt}, {@link #readPatch}, {@link #listPatches}) and {@link #size}
 * (a HEAD) run on the same attempts, streams and error mapping; the quilt form and answers are
 * {@link QuiltForm}'s and {@link QuiltAnswers}' business.
 *
 * <p>HTTP/1.1 is used throughout: it frames a streamed upload plainly (length or chunks), works
 * with every proxy and CDN in front of public publishers, and avoids h2c upgrade attempts on plain
 * {@code http://} to the local network. Redirects are not followed: a streamed upload cannot be
 * replayed to another host, and the token must not travel with it.
 */
public final class WalrusBlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(WalrusBlobStore.class);

  /** A publisher's answer is a small JSON document; a longer one is not a Walrus answer. */
  static final int MAX_ANSWER_BYTES = Answer.MAX_ANSWER_BYTES;
  /** How long before the one retry of a refused connection: a restart in progress may be done by then. */
  static final Duration REFUSED_RETRY_WAIT = Duration.ofMillis(200);
  /** Attempts in all for a refused connection: the first and one quick retry. */
  static final int REFUSED_ATTEMPTS = 2;

  private final WalrusConfig config;
  private final RetryPolicy retry;
  private final InstantSource clock;
  private final AttemptLoop attempts;
  private final RecentUploads recent = new RecentUploads();
  private final Endpoint publisher;
  private final Endpoint aggregator;
  private final Transport transport;

  /** A store on a Vert.x instance of its own, which {@link #close} closes. */
  public WalrusBlobStore(WalrusConfig config) {
    this(config, null, Sleeper.REAL, InstantSource.system());
  }

  /** A store on the caller's Vert.x instance, which {@link #close} leaves running. */
  public WalrusBlobStore(WalrusConfig config, Vertx vertx) {
    this(config, Objects.requireNonNull(vertx, "vertx"), Sleeper.REAL, InstantSource.system());
  }

  /** For tests: waits go through {@code sleeper}, the 404 window is measured on {@code clock}. */
  WalrusBlobStore(WalrusConfig config, Sleeper sleeper, InstantSource clock) {
    this(config, null, sleeper, clock);
  }

  private WalrusBlobStore(WalrusConfig config, Vertx vertx, Sleeper sleeper, InstantSource clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.retry = config.retry();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.attempts = new AttemptLoop(retry, Objects.requireNonNull(sleeper, "sleeper"));
    this.publisher = new Endpoint(Endpoint.PUBLISHER, config.publisher());
    this.aggregator = new Endpoint(Endpoint.AGGREGATOR, config.aggregator());
    this.transport = new Transport(vertx, config);
  }

  /** A store with default timeouts and retries and no bearer token, on a Vert.x instance of its own. */
  public static WalrusBlobStore connect(String publisherUrl, String aggregatorUrl) {
    return new WalrusBlobStore(WalrusConfig.of(publisherUrl, aggregatorUrl));
  }

  public WalrusConfig config() {
    return config;
  }

  // ---------------------------------------------------------------- store

  /**
   * {@code PUT {publisher}/v1/blobs?epochs=N[&permanent=true][&force=true]} with the source as
   * the body. 429, 503, 504 and connection failures are retried (see the class comment for
   * one-shot sources and refused connections). The streams this opens from {@code source} are
   * closed when the attempt ends.
   */
  @Override
  public StoreResult store(BlobSource source, StoreOptions options) throws StorageException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(options, "options");
    requireOpen();
    String url = publisher.url("/v1/blobs" + query(options));
    String what = "store to " + publisher.named();
    StoreResult result = attempts.run(what, () -> storeOnce(url, source, "application/octet-stream", what,
        WalrusAnswers::storeResult));
    recent.record(result.blobId(), clock.instant());
    log.debug("{}: blob {} {} until epoch {}", what, result.blobId(),
        result.alreadyCertified() ? "already certified" : "stored", result.endEpoch());
    return result;
  }

  /** {@code ?epochs=N[&permanent=true][&force=true]}, for blobs and quilts alike. */
  private static String query(StoreOptions options) {
    StringBuilder query = new StringBuilder("?epochs=").append(options.epochs());
    if (options.permanent()) {
      query.append("&permanent=true");
    }
    if (options.force()) {
      query.append("&force=true");
    }
    return query.toString();
  }

  /** Reads a publisher's 2xx answer into a result; {@code sentBytes} is -1 when not known. */
  @FunctionalInterface
  interface StoreAnswer<T> {
    T read(int status, byte[] body, long sentBytes) throws StorageException;
  }

  private <T> Attempt<T> storeOnce(String url, BlobSource source, String contentType, String what,
      StoreAnswer<T> reader) {
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    Upload upload = new Upload(source);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.PUT).setAbsoluteURI(url)
        .putHeader("Content-Type", contentType);
    config.bearerToken().ifPresent(token -> options.putHeader("Authorization", "Bearer " + token));
    HttpClientRequest request;
    try {
      request = transport.connect(publisher, options, deadline, what);
    } catch (StorageException e) {
      return resend(upload, e, null);
    }
    CompletableFuture<Answer> pending = Answer.expect(request, config.readStallTimeout(), what);
    Answer answer;
    try {
      upload.send(request, pending, deadline, publisher, what);
      answer = Transport.await(pending, deadline, publisher, what);
    } catch (Upload.SourceFailure e) {
      Transport.drop(request);
      return Attempt.fail(new StorageException(Reason.INVALID_ARGUMENT, 0,
          what + " failed: reading the blob source failed: " + e.getMessage(), e.getCause()));
    } catch (StorageException e) {
      Transport.drop(request);
      return resend(upload, e, null);
    }
    try {
      return storeAnswer(answer, upload, what, reader);
    } finally {
      answer.body().close();
      if (!upload.complete()) {
        // The server answered before taking the whole body: the connection is not fit for reuse.
        Transport.drop(request);
      }
    }
  }

  private <T> Attempt<T> storeAnswer(Answer answer, Upload upload, String what, StoreAnswer<T> reader) {
    int status = answer.status();
    if (status >= 200 && status < 300) {
      Answer.Capped body;
      // Closing the answer drops the connection of a publisher that sends more than the cap.
      try (InputStream in = answer.body()) {
        body = answer.contentLength() > MAX_ANSWER_BYTES ? new Answer.Capped(new byte[0], true)
            : Answer.Capped.read(in, MAX_ANSWER_BYTES);
      } catch (StorageException e) {
        return Attempt.fail(e);
      } catch (IOException e) {
        // The blob may be stored; sending it again is harmless (Walrus answers alreadyCertified).
        return resend(upload, Transport.failure(e, publisher, what + " (reading the answer)"), null);
      }
      if (body.truncated()) {
        AnswerTooLargeException tooLarge = new AnswerTooLargeException("a publisher's answer", MAX_ANSWER_BYTES);
        return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": " + tooLarge.getMessage(),
            tooLarge));
      }
      try {
        return Attempt.ok(reader.read(status, body.bytes(), upload.sentBytes()));
      } catch (StorageException e) {
        return Attempt.fail(e);
      }
    }
    StorageException failure = answer.failure(what);
    if (status == 429 || status == 503 || status == 504) {
      return resend(upload, failure, answer.retryAfter(clock));
    }
    return Attempt.fail(failure);
  }

  /** A retryable upload failure: retried if the source can be sent again in full. */
  private <T> Attempt<T> resend(Upload upload, StorageException failure, Duration retryAfter) {
    if (upload.opened() && !upload.source.repeatable()) {
      return Attempt.notRetried(failure, "the source is a one-shot stream and its bytes were already sent; "
          + "use a repeatable BlobSource (ofFile, ofBytes) to have failed uploads re-sent");
    }
    return mayPass(failure, retryAfter);
  }

  /** A failure that may pass: refused connections get one quick retry, the rest the policy's schedule. */
  private <T> Attempt<T> mayPass(StorageException failure, Duration retryAfter) {
    if (failure.reason() == Reason.UNREACHABLE) {
      return Attempt.retryAfterFixedWait(failure, Math.min(REFUSED_ATTEMPTS, retry.maxAttempts()),
          REFUSED_RETRY_WAIT);
    }
    if (failure.reason() == Reason.NETWORK && failure.getCause() instanceof InterruptedException) {
      return Attempt.fail(failure);
    }
    return Attempt.retry(failure, retry.maxAttempts(), retryAfter);
  }

  // ---------------------------------------------------------------- read

  /**
   * {@code GET {aggregator}/v1/blobs/{id}}, streamed. 429, 503, 504 and connection failures are
   * retried; a 404 only for a blob this store uploaded recently. The caller closes the stream.
   */
  @Override
  public InputStream read(BlobId id) throws StorageException {
    Objects.requireNonNull(id, "id");
    return fetch(id, -1, -1);
  }

  /**
   * {@code length} bytes from {@code offset}, asked for with a {@code Range} header. If the server
   * ignores the header and sends the whole blob, the stream skips to {@code offset} and stops after
   * {@code length} bytes. A range that is not wholly inside the blob fails with INVALID_BYTE_RANGE;
   * {@code length} 0 returns an empty stream without asking the network.
   *
   * @throws IllegalArgumentException if {@code offset} or {@code length} is negative, or the range
   *     ends past {@code Long.MAX_VALUE}
   */
  @Override
  public InputStream read(BlobId id, long offset, long length) throws StorageException {
    Objects.requireNonNull(id, "id");
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("offset and length must not be negative: " + offset + ", " + length);
    }
    if (offset > Long.MAX_VALUE - length) {
      throw new IllegalArgumentException("range " + offset + " + " + length + " overflows");
    }
    if (length == 0) {
      requireOpen();
      return InputStream.nullInputStream();
    }
    return fetch(id, offset, length);
  }

  private InputStream fetch(BlobId id, long offset, long length) throws StorageException {
    String what = "read of blob " + id + (length < 0 ? "" : " bytes " + offset + "-" + (offset + length - 1));
    return fetch("/v1/blobs/" + id, id, offset, length, what, (answer, body) -> body);
  }

  /**
   * What a read makes of a 200 answer's exact body: the stream itself, a stream that carries the
   * answer's headers too, or a document read from it. An IOException is the network's (retried);
   * a StorageException other than NETWORK is final.
   */
  @FunctionalInterface
  interface Finish<T> {
    T apply(Answer answer, InputStream body) throws IOException;
  }

  /**
   * A GET of {@code path} on the aggregator, in attempts: a 404 is retried while {@code uploaded}
   * was uploaded by this store within the 404 window.
   */
  private <T> T fetch(String path, BlobId uploaded, long offset, long length, String what, Finish<T> finish)
      throws StorageException {
    requireOpen();
    String url = aggregator.url(path);
    return attempts.run(what, () -> readOnce(url, uploaded, offset, length, what, finish));
  }

  private <T> Attempt<T> readOnce(String url, BlobId id, long offset, long length, String what, Finish<T> finish) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url);
    long last = offset + length - 1;
    if (length > 0) {
      options.putHeader("Range", "bytes=" + offset + "-" + last);
    }
    Answer answer;
    try {
      answer = ask(options, what);
    } catch (StorageException e) {
      return mayPass(e, null);
    }
    Attempt<InputStream> read;
    try {
      read = readAnswer(answer, id, offset, length, last, what);
    } catch (RuntimeException e) {
      answer.body().close();
      throw e;
    }
    if (read.failure() != null) {
      return new Attempt<>(null, read.failure(), read.attemptsAllowed(), read.pause(), read.serverAsked(),
          read.notRetried());
    }
    InputStream body = read.value();
    try {
      return Attempt.ok(finish.apply(answer, body));
    } catch (StorageException e) {
      closeQuietly(body);
      return e.reason() == Reason.NETWORK ? mayPass(e, null) : Attempt.fail(e);
    } catch (IOException e) {
      closeQuietly(body);
      return mayPass(Transport.failure(e, aggregator, what), null);
    } catch (RuntimeException e) {
      closeQuietly(body);
      throw e;
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Dropping a body nobody will read: its connection is closed either way.
    }
  }

  private Attempt<InputStream> readAnswer(Answer answer, BlobId id, long offset, long length, long last,
      String what) {
    int status = answer.status();
    InputStream body = answer.body();
    long contentLength;
    try {
      contentLength = answer.contentLength();
    } catch (StorageException e) {
      answer.body().close();
      return Attempt.fail(e);
    }
    if (status == 200 && length < 0) {
      return Attempt.ok(contentLength >= 0 ? new ExactLengthInputStream(body, contentLength, status, what) : body);
    }
    if (status == 200) {
      if (contentLength >= 0 && offset + length > contentLength) {
        answer.body().close();
        return Attempt.fail(RangeAnswers.pastTheEnd(200, what, contentLength));
      }
      try {
        RangeAnswers.skipTo(body, offset, what);
      } catch (StorageException e) {
        answer.body().close();
        return Attempt.fail(e);
      } catch (IOException e) {
        answer.body().close();
        return mayPass(Transport.failure(e, aggregator, what), null);
      }
      return Attempt.ok(new ExactLengthInputStream(body, length, 200, what));
    }
    if (status == 206) {
      StorageException wrong = RangeAnswers.checkContentRange(answer, contentLength, length < 0, offset, last, what);
      if (wrong != null) {
        answer.body().close();
        return Attempt.fail(wrong);
      }
      return Attempt.ok(new ExactLengthInputStream(body, length, status, what));
    }
    return readFailure(answer, id, what);
  }

  /** A bodiless request to the aggregator, sent; its answer's head, once it arrives. */
  private Answer ask(RequestOptions options, String what) throws StorageException {
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    HttpClientRequest request = transport.connect(aggregator, options, deadline, what);
    try {
      CompletableFuture<Answer> pending = Answer.expect(request, config.readStallTimeout(), what);
      request.end();
      return Transport.await(pending, deadline, aggregator, what);
    } catch (StorageException e) {
      Transport.drop(request);
      throw e;
    }
  }

  /** What an aggregator's answer other than 200/206 means for a read of (a part of) {@code id}. */
  private <T> Attempt<T> readFailure(Answer answer, BlobId id, String what) {
    int status = answer.status();
    StorageException failure = answer.failure(what);
    if (status == 404) {
      if (recent.within(id, clock.instant(), retry.notFoundWindow())) {
        return Attempt.retry(failure, retry.notFoundAttempts(), null);
      }
      return Attempt.fail(failure);
    }
    if (status == 429 || status == 503 || status == 504) {
      return Attempt.retry(failure, retry.maxAttempts(), answer.retryAfter(clock));
    }
    return Attempt.fail(failure);
  }

  // ---------------------------------------------------------------- size

  /**
   * {@code HEAD {aggregator}/v1/blobs/{id}}: the size the answer's Content-Length states, with no
   * body transferred. Retried as a read is; an answer without a Content-Length is PROTOCOL.
   */
  @Override
  public long size(BlobId id) throws StorageException {
    Objects.requireNonNull(id, "id");
    requireOpen();
    String url = aggregator.url("/v1/blobs/" + id);
    String what = "size of blob " + id;
    return attempts.run(what, () -> headOnce(url, id, what));
  }

  private Attempt<Long> headOnce(String url, BlobId id, String what) {
    Answer answer;
    try {
      answer = ask(new RequestOptions().setMethod(HttpMethod.HEAD).setAbsoluteURI(url), what);
    } catch (StorageException e) {
      return mayPass(e, null);
    }
    if (answer.status() != 200) {
      return readFailure(answer, id, what);
    }
    try {
      long length = answer.contentLength();
      if (length < 0) {
        return Attempt.fail(new StorageException(Reason.PROTOCOL, 200, what + " failed: the "
            + Endpoint.AGGREGATOR + "'s answer to HEAD has no Content-Length"));
      }
      return Attempt.ok(length);
    } catch (StorageException e) {
      return Attempt.fail(e);
    } finally {
      endQuietly(answer.body());
    }
  }

  /** Reads a bodiless answer to its end, so its connection goes back to the pool, then closes it. */
  private static void endQuietly(InputStream body) {
    try (body) {
      body.read();
    } catch (IOException e) {
      // The connection failed after the answer's head: it is dropped, the answer stands.
    }
  }

  // ---------------------------------------------------------------- quilts

  /**
   * {@code PUT {publisher}/v1/quilts?epochs=N[&permanent=true][&force=true]} with a
   * {@code multipart/form-data} body streamed from each file's source ({@link QuiltForm}). Checks
   * first, sending nothing if any fails ({@link QuiltFile#checkQuilt}). Retries, one-shot
   * sources and error mapping as {@link #store}; the answer's patches are checked against the files
   * sent (every identifier once, every patch id in the stored quilt).
   *
   * @throws IllegalArgumentException naming the file and the rule it breaks
   */
  @Override
  public QuiltStoreResult storeQuilt(List<QuiltFile> files, StoreOptions options) throws StorageException {
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(options, "options");
    requireOpen();
    QuiltFile.checkQuilt(files);
    QuiltForm form = new QuiltForm(files);
    String url = publisher.url("/v1/quilts" + query(options));
    String what = "quilt store to " + publisher.named();
    QuiltStoreResult result = attempts.run(what, () -> storeOnce(url, form, form.contentType(), what,
        (status, body, sent) -> QuiltAnswers.storeResult(status, body, files)));
    recent.record(result.blob().blobId(), clock.instant());
    log.debug("{}: quilt {} of {} files {} until epoch {}", what, result.blob().blobId(), files.size(),
        result.blob().alreadyCertified() ? "already certified" : "stored", result.blob().endEpoch());
    return result;
  }

  /** {@code GET {aggregator}/v1/blobs/by-quilt-patch-id/{id}}, streamed; retried as {@link #read(BlobId)}. */
  @Override
  public PatchStream readPatch(QuiltPatchId id) throws StorageException {
    Objects.requireNonNull(id, "id");
    return fetch("/v1/blobs/by-quilt-patch-id/" + id, id.quiltId(), -1, -1, "read of quilt patch " + id,
        QuiltAnswers::patchStream);
  }

  /**
   * {@code GET {aggregator}/v1/blobs/by-quilt-id/{quilt}/{identifier}}, the identifier
   * percent-encoded as one path segment; retried as {@link #read(BlobId)}.
   *
   * @throws IllegalArgumentException for "." or "..", which no path can carry through the URL
   *     normalisation of servers and proxies: read those by patch id
   */
  @Override
  public PatchStream readPatch(BlobId quilt, String identifier) throws StorageException {
    Objects.requireNonNull(quilt, "quilt");
    String segment = QuiltAnswers.pathSegment(identifier);
    return fetch("/v1/blobs/by-quilt-id/" + quilt + "/" + segment, quilt, -1, -1, "read of \""
        + WalrusAnswers.quote(identifier) + "\" in quilt " + quilt, QuiltAnswers::patchStream);
  }

  /**
   * {@code GET {aggregator}/v1/quilts/{quilt}/patches}: every patch, in the order the aggregator
   * lists them. The answer is read up to {@link QuiltAnswers#MAX_LIST_BYTES}; every patch id must
   * name {@code quilt}.
   */
  @Override
  public List<QuiltPatch> listPatches(BlobId quilt) throws StorageException {
    Objects.requireNonNull(quilt, "quilt");
    return fetch("/v1/quilts/" + quilt + "/patches", quilt, -1, -1, "list of the patches of quilt " + quilt,
        (answer, body) -> QuiltAnswers.patches(answer.status(), body, quilt));
  }

  // ---------------------------------------------------------------- lifecycle

  private void requireOpen() {
    if (transport.closed()) {
      throw new IllegalStateException("this WalrusBlobStore is closed");
    }
  }

  /**
   * Closes the HTTP client, and the Vert.x instance if the store made it; later calls throw
   * IllegalStateException. Streams returned by {@link #read} and still open fail on their next read.
   */
  @Override
  public void close() {
    transport.close();
  }
}
