package io.cachet.storage.walrus;

import io.cachet.storage.BlobId;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Blob ids a store uploaded, with when: a 404 for one of them within the window is taken for an
 * aggregator's stale cache and retried. Bounded; the oldest are forgotten first. Thread-safe.
 */
final class RecentUploads {
  /** Uploads remembered; the oldest are forgotten first. */
  static final int MAX_RECENT_UPLOADS = 10_000;

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
