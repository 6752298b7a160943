package io.cachet.cli;

/** The demo saw an outcome other than the one it shows (e.g. a tampered file that opened). */
final class DemoExpectationFailed extends RuntimeException {
  DemoExpectationFailed(String message) {
    super(message);
  }
}
