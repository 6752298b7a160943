package io.cachet.storage.node;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What a storage node's {@code GET /health} answers, and why when it is not serving. The first rule
 * that holds names the status:
 *
 * <ol>
 *   <li>{@code failed}: the data directory is gone (moved, unmounted) or its filesystem cannot be
 *       asked for its free space;
 *   <li>{@code disk_full}: the data directory's filesystem has room for fewer than {@link
 *       #MIN_FREE_SHARDS} shards, so the next upload would fail;
 *   <li>{@code failed}: a write to the store failed with an I/O error (not a refusal of the request)
 *       less than {@link #WRITE_FAILURE_MEMORY_MILLIS} ago, and no write has succeeded since;
 *   <li>otherwise {@code serving}.
 * </ol>
 *
 * Guarantees: HTTP 200 only while serving, 503 otherwise with {@code reason}, one sentence that
 * names neither a path nor an exception's text (those are in the node's log). Every answer says
 * {@code "reads": true|false}: whether the node can still serve reads. The status speaks for
 * writes, which a full or failing disk stops first; reads go on with a full disk or after a failed
 * write, not with the data directory gone or its filesystem unanswering. Only an
 * {@link IOException} marks the disk failed (a bug's {@code RuntimeException} or a refusal of the
 * request does not), and only a write that reached the disk (a stripe, a commit, an install: PUT
 * or POST) clears the mark; an abort (DELETE) writes nothing and clears nothing. Thread-safe:
 * writes are recorded on the event loop, the check runs on a worker.
 */
final class NodeHealth {
  /** Free room, in shards, below which the disk counts as full: a stripe write needs one, a commit a few more. */
  static final int MIN_FREE_SHARDS = 4;
  /** How long a failed write keeps the node {@code failed} when no write succeeds after it. */
  static final long WRITE_FAILURE_MEMORY_MILLIS = 60_000;

  /** One answer: its HTTP status and body. */
  record Report(int httpStatus, JsonObject json) {}

  private final String nodeId;
  private final Path dataDir;
  private final long minFreeBytes;
  private final LongSupplier nowMillis;
  /** When the last write failed with an I/O error, or -1 when a write has succeeded since (or none failed). */
  private volatile long writeFailedAt = -1;

  NodeHealth(String nodeId, Path dataDir, int shardSize, LongSupplier nowMillis) {
    this.nodeId = nodeId;
    this.dataDir = dataDir;
    this.minFreeBytes = (long) MIN_FREE_SHARDS * shardSize;
    this.nowMillis = nowMillis;
  }

  /**
   * Records how a request's work on the store ended: a write that reached the disk clears a
   * failure; any write that failed with an I/O error marks the disk failed. Refusals of the request
   * ({@link NodeException}), bugs (any other exception), reads, and work cut short by the node's
   * stop, say nothing.
   */
  void record(HttpMethod method, Throwable failure, boolean stopping) {
    if (!isWrite(method) || stopping) {
      return;
    }
    if (failure == null) {
      if (writesToDisk(method)) {
        writeFailedAt = -1;
      }
    } else if (failure instanceof IOException) {
      writeFailedAt = nowMillis.getAsLong();
    }
  }

  /** A request that changes what the node stores. */
  private static boolean isWrite(HttpMethod m) {
    return m == HttpMethod.PUT || m == HttpMethod.POST || m == HttpMethod.DELETE;
  }

  /** A write whose success means bytes reached the disk: a stripe, a certificate, an install (PUT), a commit (POST). */
  private static boolean writesToDisk(HttpMethod m) {
    return m == HttpMethod.PUT || m == HttpMethod.POST;
  }

  /**
   * Asks the filesystem for its free room (a system call: run it on a worker). Every answer also
   * says what the node holds ({@code blobs}, {@code shards}, {@code usedBytes}: its shards' bytes).
   */
  Report check(NodeStore.Usage usage) {
    JsonObject json = new JsonObject().put("nodeId", nodeId).put("blobs", usage.blobs())
        .put("shards", usage.shards()).put("usedBytes", usage.shardBytes());
    if (!Files.isDirectory(dataDir)) {
      return notServing(json.put("reads", false), "failed", "the data directory is gone (moved or unmounted);"
          + " every read and write fails until it is back, see data-dir in the node's configuration");
    }
    long free;
    try {
      FileStore store = Files.getFileStore(dataDir);
      free = store.getUsableSpace();
    } catch (IOException e) {
      return notServing(json.put("reads", false), "failed", "the data directory's filesystem cannot be asked"
          + " for its free space; see the node's log");
    }
    json.put("freeBytes", free).put("minFreeBytes", minFreeBytes).put("reads", true);
    if (free < minFreeBytes) {
      return notServing(json, "disk_full", "the data directory's disk has " + free + " bytes free, less than the "
          + minFreeBytes + " (" + MIN_FREE_SHARDS + " shards) a write needs; free space or grow the disk, reads go"
          + " on");
    }
    long failedAt = writeFailedAt;
    long now = nowMillis.getAsLong();
    if (failedAt >= 0 && now - failedAt < WRITE_FAILURE_MEMORY_MILLIS) {
      json.put("writeFailedMillisAgo", Math.max(0, now - failedAt));
      return notServing(json, "failed", "a write to the data directory failed with an I/O error "
          + Math.max(0, now - failedAt) / 1000 + " s ago and none has succeeded since; see the node's log"
          + " (event=request_failed)");
    }
    return new Report(200, new JsonObject().put("status", "serving").mergeIn(json));
  }

  private static Report notServing(JsonObject json, String status, String reason) {
    return new Report(503, new JsonObject().put("status", status).put("reason", reason).mergeIn(json));
  }
}
