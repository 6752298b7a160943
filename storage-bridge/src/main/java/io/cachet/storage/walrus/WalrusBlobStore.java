package io.cachet.storage.walrus;

import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlobStore} on a Walrus publisher (writes) and aggregator (reads) over HTTP, or on the
 * embedded local network, which serves the same API. Blocking; safe for concurrent use.
 *
 * <p>Design. Every call is a loop of attempts; each attempt ends in a value or in a failure that
 * says how many attempts in all it allows (1 for a failure that retrying cannot fix), and the
 * loop stops at the first value or at the first failure whose allowance is used up. The final
 * exception always states the number of attempts made. The invariants:
 *
 * <ul>
 *   <li><b>Bodies stream.</b> An upload is read from its {@link BlobSource} as the socket takes it
 *       (fixed {@code Content-Length} when the source knows its length, chunked otherwise); a read
 *       hands out the response body as it arrives. No call holds a whole blob in memory.
 *   <li><b>An upload is re-sent only from a fresh stream.</b> A repeatable source is opened again
 *       for each attempt. A one-shot source is retried only if the failed attempt never opened it
 *       (say, the connection was refused); once read, its bytes are gone and the failure says so.
 *   <li><b>A returned stream is exact.</b> It yields exactly the bytes the server announced (or the
 *       range asked for) and throws {@link IOException} if the connection ends first, so a cut
 *       connection never passes for a shorter blob.
 *   <li><b>A 404 is final unless this store just uploaded the blob.</b> Uploads are remembered for
 *       {@link RetryPolicy#notFoundWindow()} (at most {@link #MAX_RECENT_UPLOADS} of them), because
 *       an aggregator's cache may still hold a 404 from before the upload was certified.
 *   <li><b>The bearer token goes to the publisher only</b>, in a header, and is never logged:
 *       log lines and messages carry URLs (which cannot hold credentials, see
 *       {@link WalrusConfig}) and server text, cut short and stripped of control characters.
 * </ul>
 *
 * <p>HTTP/1.1 is used throughout: it frames a streamed upload plainly (length or chunks), works
 * with every proxy and CDN in front of public publishers, and avoids h2c upgrade attempts on plain
 * {@code http://} to the local network. Redirects are not followed: a streamed upload cannot be
 * replayed to another host, and the token must not travel with it.
 */
public final class WalrusBlobStore implements BlobStore {
  private static final Logger log = LoggerFactory.getLogger(WalrusBlobStore.class);

  /** A publisher's answer is a small JSON document; a longer one is not a Walrus answer. */
  static final int MAX_ANSWER_BYTES = 1 << 20;
  /** How much of an error body is read: enough for any message, bounded against a flood. */
  static final int MAX_ERROR_BYTES = 64 << 10;
  /** Uploads remembered for the 404-after-upload retry; the oldest are forgotten first. */
  static final int MAX_RECENT_UPLOADS = 10_000;

  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)", Pattern.CASE_INSENSITIVE);
  private static final AtomicInteger THREADS = new AtomicInteger();

  static {
    // The JDK client reads sockets 16 KiB at a time unless told otherwise, and blobs are read
    // hundreds of megabytes at a time: 256 KiB took a 512 MiB read on loopback from 0.57 to 0.73
    // of what curl gets from the same aggregator. The property is read once, when the JDK client
    // first loads, and is process-wide; a value set by the application wins.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
    }
  }

  private final WalrusConfig config;
  private final RetryPolicy retry;
  private final Sleeper sleeper;
  private final InstantSource clock;
  private final ExecutorService executor;
  private final RecentUploads recent = new RecentUploads();
  private final StallGuard stalls;
  /** Null once closed. */
  private volatile HttpClient http;

  public WalrusBlobStore(WalrusConfig config) {
    this(config, Sleeper.REAL, InstantSource.system());
  }

  /** For tests: waits go through {@code sleeper}, the 404 window is measured on {@code clock}. */
  WalrusBlobStore(WalrusConfig config, Sleeper sleeper, InstantSource clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.retry = config.retry();
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.clock = Objects.requireNonNull(clock, "clock");
    // Our own pool, so that close() can release its threads; daemon threads never hold a JVM open.
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "walrus-http-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.stalls = new StallGuard(config.readStallTimeout());
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(config.connectTimeout())
        .executor(executor)
        .build();
  }

  /** A store with default timeouts and retries and no bearer token. */
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
   * one-shot sources). The streams this opens from {@code source} are closed when the attempt ends.
   */
  @Override
  public StoreResult store(BlobSource source, StoreOptions options) throws StorageException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(options, "options");
    HttpClient client = client();
    StringBuilder query = new StringBuilder("?epochs=").append(options.epochs());
    if (options.permanent()) {
      query.append("&permanent=true");
    }
    if (options.force()) {
      query.append("&force=true");
    }
    URI uri = URI.create(config.publisher() + "/v1/blobs" + query);
    String what = "store to " + config.publisher();
    StoreResult result = run(what, () -> storeOnce(client, uri, source, what));
    recent.record(result.blobId(), clock.instant());
    log.debug("{}: blob {} {} until epoch {}", what, result.blobId(),
        result.alreadyCertified() ? "already certified" : "stored", result.endEpoch());
    return result;
  }

  private Attempt<StoreResult> storeOnce(HttpClient client, URI uri, BlobSource source, String what) {
    UploadBody body = new UploadBody(source);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(config.requestTimeout())
        .header("Content-Type", "application/octet-stream")
        .PUT(body.publisher());
    config.bearerToken().ifPresent(token -> request.header("Authorization", "Bearer " + token));
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), guardedBody(what));
    } catch (IOException e) {
      IOException sourceFailure = body.sourceFailure();
      body.close();
      if (sourceFailure != null) {
        return Attempt.fail(new StorageException(Reason.INVALID_ARGUMENT, 0,
            what + " failed: reading the blob source failed: " + sourceFailure.getMessage(), sourceFailure));
      }
      return resend(body, network(what, e), null);
    } catch (InterruptedException e) {
      body.close();
      Thread.currentThread().interrupt();
      return Attempt.fail(interrupted(what, e));
    }
    // The server answered, so it read all of the body it wanted; what it did not read is moot.
    body.close();
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      Capped answer;
      // Closing the answer drops the connection of a publisher that sends more than the cap.
      try (InputStream in = response.body()) {
        long announced = contentLength(response);
        answer = announced > MAX_ANSWER_BYTES ? new Capped(new byte[0], true) : Capped.read(in, MAX_ANSWER_BYTES);
      } catch (StorageException e) {
        return Attempt.fail(e);
      } catch (IOException e) {
        // The blob may be stored; sending it again is harmless (Walrus answers alreadyCertified).
        return resend(body, network(what + " (reading the answer)", e), null);
      }
      if (answer.truncated()) {
        AnswerTooLargeException tooLarge = new AnswerTooLargeException("a publisher's answer", MAX_ANSWER_BYTES);
        return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": " + tooLarge.getMessage(),
            tooLarge));
      }
      try {
        return Attempt.ok(WalrusAnswers.storeResult(status, answer.bytes(), body.sentBytes()));
      } catch (StorageException e) {
        return Attempt.fail(e);
      }
    }
    StorageException failure = failure(response, what);
    if (status == 429 || status == 503 || status == 504) {
      return resend(body, failure, retryAfter(response));
    }
    return Attempt.fail(failure);
  }

  /** A retryable upload failure: retried if the source can be sent again in full. */
  private <T> Attempt<T> resend(UploadBody body, StorageException failure, Duration retryAfter) {
    if (!body.opened() || body.source.repeatable()) {
      return Attempt.retry(failure, retry.maxAttempts(), retryAfter);
    }
    return Attempt.notRetried(failure, "the source is a one-shot stream and its bytes were already sent; "
        + "use a repeatable BlobSource (ofFile, ofBytes) to have failed uploads re-sent");
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
      client(); // a closed store still refuses
      return InputStream.nullInputStream();
    }
    return fetch(id, offset, length);
  }

  private InputStream fetch(BlobId id, long offset, long length) throws StorageException {
    HttpClient client = client();
    URI uri = URI.create(config.aggregator() + "/v1/blobs/" + id);
    String what = "read of blob " + id + (length < 0 ? "" : " bytes " + offset + "-" + (offset + length - 1));
    return run(what, () -> readOnce(client, uri, id, offset, length, what));
  }

  private Attempt<InputStream> readOnce(HttpClient client, URI uri, BlobId id, long offset, long length,
      String what) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(config.requestTimeout()).GET();
    long last = offset + length - 1;
    if (length > 0) {
      request.header("Range", "bytes=" + offset + "-" + last);
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), guardedBody(what));
    } catch (IOException e) {
      return Attempt.retry(network(what, e), retry.maxAttempts(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Attempt.fail(interrupted(what, e));
    }
    int status = response.statusCode();
    InputStream body = response.body();
    long contentLength;
    try {
      contentLength = contentLength(response);
    } catch (StorageException e) {
      closeQuietly(body);
      return Attempt.fail(e);
    }
    if (status == 200 && length < 0) {
      return Attempt.ok(contentLength >= 0 ? new ExactLengthInputStream(body, contentLength, status, what) : body);
    }
    if (status == 200) {
      return wholeBlobForRange(body, contentLength, offset, length, what);
    }
    if (status == 206) {
      Attempt<InputStream> checked = checkContentRange(response, contentLength, length < 0, offset, last, what);
      if (checked != null) {
        closeQuietly(body);
        return checked;
      }
      return Attempt.ok(new ExactLengthInputStream(body, length, status, what));
    }
    StorageException failure = failure(response, what);
    if (status == 404) {
      if (recent.within(id, clock.instant(), retry.notFoundWindow())) {
        return Attempt.retry(failure, retry.notFoundAttempts(), null);
      }
      return Attempt.fail(failure);
    }
    if (status == 429 || status == 503 || status == 504) {
      return Attempt.retry(failure, retry.maxAttempts(), retryAfter(response));
    }
    return Attempt.fail(failure);
  }

  /** The server ignored Range and sends the whole blob: skip to the range and stop after it. */
  private Attempt<InputStream> wholeBlobForRange(InputStream body, long contentLength, long offset, long length,
      String what) {
    if (contentLength >= 0 && offset + length > contentLength) {
      closeQuietly(body);
      return Attempt.fail(pastTheEnd(200, what, contentLength));
    }
    long left = offset;
    try {
      while (left > 0) {
        long skipped = body.skip(left);
        if (skipped > 0) {
          left -= skipped;
        } else if (body.read() >= 0) {
          left--;
        } else {
          throw new EOFException();
        }
      }
    } catch (EOFException e) {
      closeQuietly(body);
      return Attempt.fail(pastTheEnd(200, what, offset - left));
    } catch (IOException e) {
      closeQuietly(body);
      return Attempt.retry(network(what, e), retry.maxAttempts(), null);
    }
    return Attempt.ok(new ExactLengthInputStream(body, length, 200, what));
  }

  /** Null when the 206's Content-Range is the range asked for; the failure otherwise. */
  private static Attempt<InputStream> checkContentRange(HttpResponse<?> response, long contentLength,
      boolean unasked, long first, long last, String what) {
    int status = response.statusCode();
    if (unasked) {
      return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": 206 to a request without Range"));
    }
    Optional<String> header = response.headers().firstValue("Content-Range");
    Matcher m = header.map(h -> CONTENT_RANGE.matcher(h.trim())).orElse(null);
    if (m == null || !m.matches()) {
      return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": 206 with "
          + header.map(h -> "an unreadable Content-Range " + WalrusAnswers.quote(h)).orElse("no Content-Range")));
    }
    long from = Long.parseLong(m.group(1));
    long to = Long.parseLong(m.group(2));
    long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    if (from == first && to < last && total >= 0 && to == total - 1) {
      // The server clipped the range at the blob's end: the range asked for runs past it.
      return Attempt.fail(pastTheEnd(status, what, total));
    }
    if (from != first || to != last || (total >= 0 && total <= to)) {
      return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": server sent Content-Range "
          + WalrusAnswers.quote(header.get()) + " for bytes " + first + "-" + last));
    }
    if (contentLength >= 0 && contentLength != last - first + 1) {
      return Attempt.fail(new StorageException(Reason.PROTOCOL, status, what + ": Content-Length " + contentLength
          + " does not match Content-Range " + WalrusAnswers.quote(header.get())));
    }
    return null;
  }

  private static StorageException pastTheEnd(int status, String what, long blobLength) {
    return new StorageException(Reason.INVALID_BYTE_RANGE, status, what + " failed: the range runs past the end "
        + "of the blob (" + blobLength + " bytes)");
  }

  // ---------------------------------------------------------------- attempts

  /** One attempt: a value, or a failure allowing {@code attemptsAllowed} attempts in all. */
  private record Attempt<T>(T value, StorageException failure, int attemptsAllowed, Duration retryAfter,
      String notRetried) {
    static <T> Attempt<T> ok(T value) {
      return new Attempt<>(value, null, 0, null, null);
    }

    static <T> Attempt<T> fail(StorageException failure) {
      return new Attempt<>(null, failure, 1, null, null);
    }

    static <T> Attempt<T> retry(StorageException failure, int attemptsAllowed, Duration retryAfter) {
      return new Attempt<>(null, failure, attemptsAllowed, retryAfter, null);
    }

    static <T> Attempt<T> notRetried(StorageException failure, String why) {
      return new Attempt<>(null, failure, 1, null, why);
    }
  }

  @FunctionalInterface
  private interface AttemptFn<T> {
    Attempt<T> attempt();
  }

  private <T> T run(String what, AttemptFn<T> fn) throws StorageException {
    for (int attempt = 1; ; attempt++) {
      Attempt<T> a = fn.attempt();
      StorageException failure = a.failure();
      if (failure == null) {
        return a.value();
      }
      if (attempt >= a.attemptsAllowed()) {
        throw giveUp(failure, attempt, a);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw interrupted(what, null);
      }
      Duration wait = a.retryAfter() != null ? retry.retryAfter(a.retryAfter()) : retry.backoff(attempt);
      log.info("{}: attempt {} of {} failed ({}{}); retrying in {} ms{}", what, attempt, a.attemptsAllowed(),
          failure.reason(), failure.httpStatus() > 0 ? ", HTTP " + failure.httpStatus() : "", wait.toMillis(),
          a.retryAfter() != null ? " as Retry-After asks" : "");
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(what, e);
      }
    }
  }

  private static StorageException giveUp(StorageException failure, int attempts, Attempt<?> a) {
    String count = attempts + (attempts == 1 ? " attempt" : " attempts");
    String note;
    if (a.notRetried() != null) {
      note = " (" + count + "; not retried: " + a.notRetried() + ")";
    } else if (a.attemptsAllowed() > 1) {
      note = " (gave up after " + count + ")";
    } else {
      note = " (" + count + ")";
    }
    return new StorageException(failure.reason(), failure.httpStatus(), failure.getMessage() + note,
        failure.getCause());
  }

  // ---------------------------------------------------------------- helpers

  /** Every body, answers and blobs alike, is read through the stall guard. */
  private HttpResponse.BodyHandler<InputStream> guardedBody(String what) {
    return info -> HttpResponse.BodySubscribers.mapping(BodyHandlers.ofInputStream().apply(info),
        in -> stalls.guard(in, what));
  }

  private HttpClient client() {
    HttpClient client = http;
    if (client == null) {
      throw new IllegalStateException("this WalrusBlobStore is closed");
    }
    return client;
  }

  /** The failure a status other than 200 (or 206 to a range) stands for; reads and closes the body. */
  private static StorageException failure(HttpResponse<InputStream> response, String what) {
    int status = response.statusCode();
    if (status < 400) {
      closeQuietly(response.body());
      String location = response.headers().firstValue("Location").map(WalrusAnswers::quote).orElse(null);
      return new StorageException(Reason.PROTOCOL, status, what + " failed: unexpected HTTP " + status
          + (location == null ? "" : " to " + location + " (redirects are not followed)"));
    }
    Capped body;
    try (InputStream in = response.body()) {
      body = Capped.read(in, MAX_ERROR_BYTES);
    } catch (IOException e) {
      body = new Capped(new byte[0], true);
    }
    return WalrusAnswers.failure(status, body.bytes(), body.truncated(), what);
  }

  private static StorageException network(String what, IOException e) {
    String cause = e instanceof HttpTimeoutException ? "timed out"
        : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + WalrusAnswers.quote(e.getMessage()));
    return new StorageException(Reason.NETWORK, 0, what + " failed: no answer: " + cause, e);
  }

  private static StorageException interrupted(String what, InterruptedException e) {
    return new StorageException(Reason.NETWORK, 0, what + " was interrupted", e);
  }

  /** -1 when absent; a malformed value is a protocol failure. */
  private static long contentLength(HttpResponse<?> response) throws StorageException {
    Optional<String> v = response.headers().firstValue("Content-Length");
    if (v.isEmpty()) {
      return -1;
    }
    String s = v.get().trim();
    if (!s.matches("[0-9]{1,18}")) {
      throw new StorageException(Reason.PROTOCOL, response.statusCode(), "unreadable Content-Length "
          + WalrusAnswers.quote(s));
    }
    return Long.parseLong(s);
  }

  /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
  private Duration retryAfter(HttpResponse<?> response) {
    Optional<String> v = response.headers().firstValue("Retry-After");
    if (v.isEmpty()) {
      return null;
    }
    String s = v.get().trim();
    if (s.matches("[0-9]+")) {
      return s.length() > 9 ? Duration.ofSeconds(999_999_999) : Duration.ofSeconds(Long.parseLong(s));
    }
    try {
      Instant at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(clock.instant(), at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Closing only releases the connection; nothing to report.
    }
  }

  /**
   * Releases the HTTP client and its threads; later calls throw IllegalStateException. Close the
   * streams returned by {@link #read} first: their remaining bytes are delivered by those threads.
   */
  @Override
  public void close() {
    if (http != null) {
      http = null;
      executor.shutdown();
      stalls.close();
    }
  }

  // ---------------------------------------------------------------- small types

  /** The first {@code max} bytes of a body, and whether there was more. */
  private record Capped(byte[] bytes, boolean truncated) {
    static Capped read(InputStream in, int max) throws IOException {
      byte[] bytes = in.readNBytes(max + 1);
      if (bytes.length > max) {
        return new Capped(Arrays.copyOf(bytes, max), true);
      }
      return new Capped(bytes, false);
    }
  }

  /**
   * One attempt's request body. Opens the source when the client first pulls bytes, counts them,
   * and tells a failure of the source (which retrying cannot fix) from one of the network.
   */
  private static final class UploadBody {
    final BlobSource source;
    private final long declared;
    private volatile boolean opened;
    private volatile boolean ended;
    private volatile long count;
    private volatile IOException sourceFailure;
    private InputStream current;
    private boolean closed;

    UploadBody(BlobSource source) {
      this.source = source;
      this.declared = source.length();
    }

    BodyPublisher publisher() {
      if (declared == 0) {
        return BodyPublishers.noBody();
      }
      BodyPublisher stream = BodyPublishers.ofInputStream(this::open);
      return declared > 0 ? BodyPublishers.fromPublisher(stream, declared) : stream;
    }

    boolean opened() {
      return opened;
    }

    IOException sourceFailure() {
      return sourceFailure;
    }

    /** The bytes the source delivered, or -1 when not known to be complete. */
    long sentBytes() {
      if (declared >= 0) {
        return declared;
      }
      return ended ? count : -1;
    }

    private synchronized InputStream open() {
      if (closed) {
        // The attempt is over (the server answered before the client began the body): open nothing
        // that no one would close.
        throw new UncheckedIOException(new IOException("the upload attempt has ended"));
      }
      opened = true;
      closeCurrent();
      count = 0;
      ended = false;
      try {
        current = new Counting(source.open());
        return current;
      } catch (IOException e) {
        sourceFailure = e;
        throw new UncheckedIOException(e);
      }
    }

    synchronized void close() {
      closed = true;
      closeCurrent();
    }

    private void closeCurrent() {
      if (current != null) {
        closeQuietly(current);
        current = null;
      }
    }

    /** Counts bytes and holds the source to its declared length. */
    private final class Counting extends FilterInputStream {
      Counting(InputStream in) {
        super(in);
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
          n = in.read(b, off, len);
        } catch (IOException e) {
          sourceFailure = e;
          throw e;
        }
        if (n < 0) {
          if (declared >= 0 && count < declared) {
            throw fail("the source ended after " + count + " of its declared " + declared + " bytes");
          }
          ended = true;
          return n;
        }
        count += n;
        if (declared >= 0 && count > declared) {
          throw fail("the source delivered more than its declared " + declared + " bytes");
        }
        return n;
      }

      private IOException fail(String message) {
        IOException e = new IOException(message);
        sourceFailure = e;
        return e;
      }
    }
  }

  /** Blob ids this store uploaded, with when; bounded, the oldest forgotten first. */
  private static final class RecentUploads {
    private final LinkedHashMap<BlobId, Instant> uploads = new LinkedHashMap<>();

    synchronized void record(BlobId id, Instant at) {
      uploads.remove(id);
      uploads.put(id, at);
      Iterator<Map.Entry<BlobId, Instant>> oldest = uploads.entrySet().iterator();
      while (uploads.size() > MAX_RECENT_UPLOADS) {
        oldest.next();
        oldest.remove();
      }
    }

    synchronized boolean within(BlobId id, Instant now, Duration window) {
      Instant at = uploads.get(id);
      return at != null && !now.isAfter(at.plus(window));
    }
  }
}
