package io.cachet.cli.serve;

import io.cachet.common.process.Termination;
import io.vertx.core.Vertx;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** How a storage part's process ends: its Vert.x closed by {@link Termination}, which then exits. */
final class StorageProcess {
  private StorageProcess() {}

  /** Undeploys every verticle (each stops as its own {@code stop} says) and closes {@code vertx}. */
  static void close(Vertx vertx, String part) {
    try {
      vertx.close().await(Termination.STOP_BOUND_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the " + part + " did not stop cleanly: " + e.getMessage(), e);
    }
  }

  /** Blocks the command's thread for good: {@link Termination} exits the process once the stop is done. */
  static void awaitSignal() throws InterruptedException {
    new CountDownLatch(1).await();
  }
}
