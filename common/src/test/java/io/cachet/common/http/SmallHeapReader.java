package io.cachet.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM with a small heap by {@link BoundedBodyTest}: reads {@code args[0]} through
 * {@link BoundedBody} with a cap of {@code args[1]} bytes, several times, and prints the outcome's
 * class name. A reader that buffered the flood would die of OutOfMemoryError instead.
 */
public final class SmallHeapReader {
  private SmallHeapReader() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      var client = vertx.createHttpClient();
      String outcome = "none";
      for (int i = 0; i < 3; i++) {
        try {
          BoundedBody.exchange(client, new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(args[0]), null,
              "a flood", Long.parseLong(args[1])).await(120, TimeUnit.SECONDS);
          outcome = "read in full";
        } catch (Exception e) {
          // await rethrows the future's failure as it is, checked or not
          outcome = e.getClass().getSimpleName();
        }
      }
      System.out.println("outcome=" + outcome);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
