package io.cachet.common.config;

/**
 * A port the configuration names that another process holds. A configuration refusal like any
 * other (it names the key), but a busy resource rather than a typo: the command line reports it
 * apart (exit 4, reason {@code PORT_IN_USE}), so a script can retry instead of fixing the file.
 */
public final class PortInUseException extends ConfigException {
  public PortInUseException(String message, Throwable cause) {
    super(message, cause);
  }
}
