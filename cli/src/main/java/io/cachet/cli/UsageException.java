package io.cachet.cli;

/** The person asked for something that cannot be done as asked: a bad name, a missing input. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
