package io.cachet.storage.walrus;

import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an aggregator's answer to a ranged read must be for the stream to hold exactly the range
 * asked for: a 206 whose Content-Range is that range, or a 200 with the whole blob (a server that
 * ignores Range), which is skipped to the range and cut after it.
 */
final class RangeAnswers {
  private RangeAnswers() {}

  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)", Pattern.CASE_INSENSITIVE);

  /** Null when the 206's Content-Range is the range asked for; the failure otherwise. */
  static StorageException checkContentRange(Answer answer, long contentLength, boolean unasked, long first,
      long last, String what) {
    int status = answer.status();
    if (unasked) {
      return new StorageException(Reason.PROTOCOL, status, what + ": 206 to a request without Range");
    }
    Optional<String> header = answer.header("Content-Range");
    Matcher m = header.map(h -> CONTENT_RANGE.matcher(h.trim())).orElse(null);
    if (m == null || !m.matches()) {
      return new StorageException(Reason.PROTOCOL, status, what + ": 206 with "
          + header.map(h -> "an unreadable Content-Range " + WalrusAnswers.quote(h)).orElse("no Content-Range"));
    }
    long from = Long.parseLong(m.group(1));
    long to = Long.parseLong(m.group(2));
    long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    if (from == first && to < last && total >= 0 && to == total - 1) {
      // The server clipped the range at the blob's end: the range asked for runs past it.
      return pastTheEnd(status, what, total);
    }
    if (from != first || to != last || (total >= 0 && total <= to)) {
      return new StorageException(Reason.PROTOCOL, status, what + ": server sent Content-Range "
          + WalrusAnswers.quote(header.get()) + " for bytes " + first + "-" + last);
    }
    if (contentLength >= 0 && contentLength != last - first + 1) {
      return new StorageException(Reason.PROTOCOL, status, what + ": Content-Length " + contentLength
          + " does not match Content-Range " + WalrusAnswers.quote(header.get()));
    }
    return null;
  }

  /**
   * Skips a whole-blob body to {@code offset}.
   *
   * @throws StorageException INVALID_BYTE_RANGE when the blob ends before {@code offset}
   * @throws IOException when the connection fails while skipping
   */
  static void skipTo(InputStream body, long offset, String what) throws IOException {
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
      throw pastTheEnd(200, what, offset - left);
    }
  }

  static StorageException pastTheEnd(int status, String what, long blobLength) {
    return new StorageException(Reason.INVALID_BYTE_RANGE, status, what + " failed: the range runs past the end "
        + "of the blob (" + blobLength + " bytes)");
  }
}
