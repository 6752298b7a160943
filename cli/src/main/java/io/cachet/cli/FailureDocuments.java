package io.cachet.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * The error document of a command that fails on this thread, for a caller in the same process
 * whose run cannot carry it on stdout: the console's download, where stdout is the plaintext
 * streamed to the browser and {@code --json} is therefore refused. It is the very document
 * {@code --json} prints ({@code {"error": {exitCode, status, reason, message, hint?, servers?}}}),
 * built by the same code, whether or not the run asked for {@code --json}.
 */
public final class FailureDocuments {
  private static final ThreadLocal<Consumer<String>> SINK = new ThreadLocal<>();

  private FailureDocuments() {}

  /**
   * What {@link #capture} returns.
   *
   * @param value what the body returned
   * @param document the error document of the run that failed in it, as JSON text, or null
   */
  public record Captured<T>(T value, String document) {}

  /** Runs {@code body} on this thread, keeping the error document of a command that fails in it. */
  public static <T> Captured<T> capture(Callable<T> body) throws Exception {
    Consumer<String> before = SINK.get();
    String[] kept = new String[1];
    SINK.set(doc -> kept[0] = doc);
    try {
      T value = body.call();
      return new Captured<>(value, kept[0]);
    } finally {
      if (before == null) {
        SINK.remove();
      } else {
        SINK.set(before);
      }
    }
  }

  /** Hands a failure's document to the capture running on this thread, if there is one. */
  static void offer(ObjectNode document) {
    Consumer<String> sink = SINK.get();
    if (sink != null) {
      sink.accept(document.toString());
    }
  }
}
