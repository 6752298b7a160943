package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A server's answer: status and headers, and the body as a stream the caller reads or closes.
 * Header values are the server's and are checked before use; malformed ones are PROTOCOL failures
 * or ignored, never trusted.
 */
record Answer(int status, MultiMap headers, BodyStream body) {
  /** A publisher's answer is a small JSON document; a longer one is not a Walrus answer. */
  static final int MAX_ANSWER_BYTES = 1 << 20;
  /** How much of an error body is read: enough for any message, bounded against a flood. */
  static final int MAX_ERROR_BYTES = 64 << 10;

  /**
   * The answer to {@code request}, once its head arrives. Call before sending anything, so that the
   * body's first bytes find the stream in place.
   */
  static CompletableFuture<Answer> expect(HttpClientRequest request, Duration stall, String what) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    request.response().onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(new Answer(ar.result().statusCode(), ar.result().headers(),
            BodyStream.attach(ar.result(), stall, what)));
      } else {
        answer.completeExceptionally(ar.cause());
      }
    });
    return answer;
  }

  Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name));
  }

  /** -1 when absent; a malformed value is a protocol failure. */
  long contentLength() throws StorageException {
    Optional<String> v = header("Content-Length");
    if (v.isEmpty()) {
      return -1;
    }
    String s = v.get().trim();
    if (!s.matches("[0-9]{1,18}")) {
      throw new StorageException(Reason.PROTOCOL, status, "unreadable Content-Length " + WalrusAnswers.quote(s));
    }
    return Long.parseLong(s);
  }

  /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
  Duration retryAfter(InstantSource clock) {
    Optional<String> v = header("Retry-After");
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

  /** The failure a status other than 200 (or 206 to a range) stands for; reads and closes the body. */
  StorageException failure(String what) {
    if (status < 400) {
      body.close();
      String location = header("Location").map(WalrusAnswers::quote).orElse(null);
      return new StorageException(Reason.PROTOCOL, status, what + " failed: unexpected HTTP " + status
          + (location == null ? "" : " to " + location + " (redirects are not followed)"));
    }
    Capped capped;
    try (InputStream in = body) {
      capped = Capped.read(in, MAX_ERROR_BYTES);
    } catch (IOException e) {
      capped = new Capped(new byte[0], true);
    }
    return WalrusAnswers.failure(status, capped.bytes(), capped.truncated(), what);
  }

  /** The first {@code max} bytes of a body, and whether there was more. */
  record Capped(byte[] bytes, boolean truncated) {
    static Capped read(InputStream in, int max) throws IOException {
      byte[] bytes = in.readNBytes(max + 1);
      if (bytes.length > max) {
        return new Capped(Arrays.copyOf(bytes, max), true);
      }
      return new Capped(bytes, false);
    }
  }
}
