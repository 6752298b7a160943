package io.cachet.cli.devnet;

/** The devnet cannot do what was asked: a directory in use or damaged, an unknown part. */
public final class DevnetException extends RuntimeException {
  public DevnetException(String message) {
    super(message);
  }
}
