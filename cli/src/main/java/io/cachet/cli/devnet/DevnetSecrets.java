package io.cachet.cli.devnet;

import io.cachet.cli.network.NetworkLayout;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The devnet's own secrets under {@code secrets/} (0700): random passphrases (0600) and the
 * keystores they open, each made on first use. A devnet is for development: they sit beside it.
 */
final class DevnetSecrets {
  private DevnetSecrets() {}

  /** A random passphrase kept in secrets/NAME.pass (0600), made on first use. */
  static char[] passphrase(Path secrets, String name) throws IOException {
    Path f = secrets.resolve(name + ".pass");
    if (!Files.exists(f)) {
      byte[] raw = new byte[24];
      new SecureRandom().nextBytes(raw);
      DurableFiles.write(f, Base64Url.encode(raw).getBytes(StandardCharsets.US_ASCII), true);
      Arrays.fill(raw, (byte) 0);
    }
    return Files.readString(f, StandardCharsets.US_ASCII).trim().toCharArray();
  }

  /** An identity kept as a keystore in secrets/NAME.json under secrets/NAME.pass, made on first use. */
  static Identity identity(Path secrets, String name) throws Exception {
    char[] pass = passphrase(secrets, name);
    try {
      Path f = secrets.resolve(name + ".json");
      if (!Files.exists(f)) {
        Identity id = Identity.generate(new SecureRandom());
        DurableFiles.write(f, Keystore.encrypt(id, pass, NetworkLayout.RANDOM_PASSPHRASE_KDF, new SecureRandom()), true);
        return id;
      }
      return Keystore.decrypt(Files.readAllBytes(f), pass);
    } finally {
      Arrays.fill(pass, '\0');
    }
  }
}
