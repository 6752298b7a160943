package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What marks a node's disk {@code failed} and what clears the mark, on a real data directory with
 * an injected clock: only an I/O error marks it, and only a write that reached the disk clears it.
 */
class NodeHealthMarkTest {
  private static final int SHARD = 1024;

  @TempDir Path data;
  private final AtomicLong now = new AtomicLong(1_000_000);

  private NodeHealth health() {
    return new NodeHealth("node-3", data, SHARD, now::get);
  }

  private static String status(NodeHealth h) {
    return h.check(new NodeStore.Usage(0, 0, 0)).json().getString("status");
  }

  @Test
  void record_bugInTheWritePath_doesNotMarkTheDiskFailed() {
    NodeHealth h = health();
    h.record(HttpMethod.PUT, new IllegalStateException("a bug, not the disk"), false);
    h.record(HttpMethod.POST, new NullPointerException(), false);
    assertThat(status(h)).isEqualTo("serving");
  }

  @Test
  void record_refusalOfTheRequest_doesNotMarkTheDiskFailed() {
    NodeHealth h = health();
    h.record(HttpMethod.PUT, new NodeException(NodeException.Reason.DIGEST_MISMATCH, "bad bytes"), false);
    assertThat(status(h)).isEqualTo("serving");
  }

  @Test
  void record_ioErrorOfTheDisk_marksItFailedWithReadsGoingOn() {
    NodeHealth h = health();
    h.record(HttpMethod.PUT, new FileSystemException("stripe", null, "Input/output error"), false);
    NodeHealth.Report r = h.check(new NodeStore.Usage(0, 0, 0));
    assertThat(r.httpStatus()).isEqualTo(503);
    assertThat(r.json().getString("status")).isEqualTo("failed");
    assertThat(r.json().getBoolean("reads")).isTrue();
  }

  @Test
  void record_abortAfterAFailure_doesNotClearTheMark() {
    NodeHealth h = health();
    h.record(HttpMethod.POST, new IOException("No space left on device"), false);
    h.record(HttpMethod.DELETE, null, false);
    assertThat(status(h)).as("an abort writes nothing, so it proves nothing about the disk").isEqualTo("failed");
    h.record(HttpMethod.PUT, null, false);
    assertThat(status(h)).as("a stripe that reached the disk does").isEqualTo("serving");
  }

  @Test
  void record_readsAndStopping_sayNothing() {
    NodeHealth h = health();
    h.record(HttpMethod.GET, new IOException("read failed"), false);
    h.record(HttpMethod.PUT, new IOException("cut by the stop"), true);
    assertThat(status(h)).isEqualTo("serving");
  }

  @Test
  void noSpace_isToldByTheDisksOwnWords_evenWrapped() {
    assertThat(NoSpace.is(new IOException("No space left on device"))).isTrue();
    assertThat(NoSpace.is(new RuntimeException(new IOException("No space left on device")))).isTrue();
    assertThat(NoSpace.is(new IOException("Input/output error"))).isFalse();
    assertThat(NoSpace.is(new IllegalStateException("No space left on device"))).isFalse();
  }
}
