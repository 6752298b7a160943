package io.cachet.keyserver;

import io.cachet.common.config.ConfigException;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Hex;
import io.cachet.crypto.WrongPassphraseException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

/**
 * What an operator's command needs of a key server's data directory without running the server:
 * where its files are, its passphrase, and an offline key rotation. The server itself reads the
 * same files through {@link KeyServer#start}.
 */
public final class KeyServerFiles {
  /** The encrypted key ring in the data directory; with its passphrase, the server's identity. */
  public static final String KEY_FILE = KeyRing.FILE_NAME;
  /** The hash-chained audit log in the data directory. */
  public static final String AUDIT_LOG = KeyServer.AUDIT_FILE;

  /** A rotation done: the new version, its key's fingerprint ({@code 0x} hex) and how many versions there are. */
  public record Rotated(int version, String fingerprint, int versions) {}

  private KeyServerFiles() {}

  /**
   * The passphrase from {@code passphrase-file} if set (one trailing newline dropped), else from
   * the environment variable {@code passphrase-env} names. The caller clears the array.
   *
   * @throws ConfigException naming the key, when the passphrase is missing or empty
   */
  public static char[] passphrase(KeyServerConfig config, Map<String, String> env) throws IOException {
    String text;
    if (config.passphraseFile() != null) {
      text = Files.readString(config.passphraseFile(), StandardCharsets.UTF_8);
      text = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
      if (text.isEmpty()) {
        throw new ConfigException("passphrase-file: " + config.passphraseFile() + " is empty");
      }
    } else {
      text = env.get(config.passphraseEnv());
      if (text == null || text.isEmpty()) {
        throw new ConfigException("passphrase-env: set the key passphrase in the environment variable "
            + config.passphraseEnv() + ", or name a 0600 file with passphrase-file");
      }
    }
    return text.toCharArray();
  }

  /**
   * Adds a new HPKE key version to a stopped server's key ring (creating the ring on a first
   * use). Refuses while a server holds the data directory. Clears {@code passphrase}.
   *
   * @throws IOException if the data directory is in use or a file cannot be read or written
   * @throws WrongPassphraseException if the passphrase does not open the key ring
   */
  public static Rotated rotate(KeyServerConfig config, char[] passphrase) throws IOException, WrongPassphraseException {
    try {
      DurableFiles.privateDirectory(config.dataDir());
      try (FileChannel lock = KeyServer.lockDataDir(config.dataDir())) {
        KeyRing ring = KeyRing.openOrCreate(config.dataDir(), config.serverId(), passphrase, config.kdfMemoryKiB(),
            config.kdfIterations(), new SecureRandom());
        KeyRing.Version v = ring.rotate();
        return new Rotated(v.version(), Hex.to0x(v.fingerprint()), ring.versions().size());
      }
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }

  /**
   * Opens the key ring with the passphrase without changing anything, for a start-up check.
   * Clears {@code passphrase}.
   *
   * @return how many key versions the ring holds; 0 if there is no key file yet (a first start makes it)
   * @throws WrongPassphraseException if the passphrase does not open the key ring
   */
  public static int unlock(KeyServerConfig config, char[] passphrase) throws IOException, WrongPassphraseException {
    try {
      if (!Files.exists(keyFile(config.dataDir()))) {
        return 0;
      }
      return KeyRing.openOrCreate(config.dataDir(), config.serverId(), passphrase, config.kdfMemoryKiB(),
          config.kdfIterations(), new SecureRandom()).versions().size();
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }

  /** The key file of a data directory, for the start-up check that no one else may read it. */
  public static Path keyFile(Path dataDir) {
    return dataDir.resolve(KEY_FILE);
  }
}
