package io.cachet.cli;

/** The demo saw an outcome other than the one it shows (e.g. a refused reader who should open). */
final class DemoExpectationFailed extends RuntimeException {
  DemoExpectationFailed(String message) {
    super(message);
  }

  DemoExpectationFailed(String message, Throwable cause) {
    super(message, cause);
  }
}
