package io.cachet.cli.keyserver;

import io.cachet.common.config.ConfigException;
import io.cachet.common.config.StartupChecks;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a key server command checks before it touches the keys, so that an unsafe or mistyped
 * configuration is refused with the key to change: the data directory exists (it is not created:
 * a mistyped path must not start a new server with new keys beside the real one), the passphrase
 * file and an existing key file are private to their owner, and the port is free.
 */
final class KeyServerStartChecks {
  private KeyServerStartChecks() {}

  /**
   * The checks a stopped server's data needs (serve and rotate-key).
   *
   * @throws ConfigException (exit 2) naming {@code data-dir}, {@code passphrase-file} or the key
   *     file
   */
  static void files(KeyServerConfig config) {
    if (!Files.isDirectory(config.dataDir())) {
      throw new ConfigException("data-dir: " + config.dataDir() + " does not exist; it is not created, even for a"
          + " new server's first start or rotate-key (a mistyped path must not make new keys): create it with"
          + " mkdir -m 700 " + config.dataDir() + ", or correct data-dir");
    }
    StartupChecks.directory(config.dataDir(), "data-dir");
    if (config.passphraseFile() != null) {
      StartupChecks.privateFile(config.passphraseFile(), "passphrase-file");
    }
    Path keys = KeyServerFiles.keyFile(config.dataDir());
    if (Files.exists(keys)) {
      StartupChecks.privateFile(keys, "data-dir (its key file " + KeyServerFiles.KEY_FILE + ")");
    }
  }

  /**
   * The port is free (port 0 always is).
   *
   * @throws io.cachet.common.config.PortInUseException (exit 4) naming {@code port}
   */
  static void port(KeyServerConfig config) {
    StartupChecks.portFree(config.host(), config.port(), "port");
  }
}
