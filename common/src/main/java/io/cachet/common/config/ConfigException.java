package io.cachet.common.config;

/**
 * A configuration a part cannot start with. The message names the key at fault and where its
 * value came from (a file and line, an environment variable, a {@code --set} flag, or the
 * default), so that an operator knows what to change.
 */
public class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
