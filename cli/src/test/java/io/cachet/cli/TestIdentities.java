package io.cachet.cli;

import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Identities for tests whose subject is not the unlock: written by the same {@link IdentityStore}
 * as {@code cachet id new} (same file, same default rule, same passphrase file reading), but under
 * Argon2id at 64 KiB and one pass instead of 64 MiB and three, so each {@code --as} costs about a
 * millisecond instead of up to a second of a loaded core. A wrong passphrase is still refused: the
 * cost changes, not the check.
 * {@code cachet id new} itself, at its real cost, is tested by {@code IdCommandTest},
 * {@code IdEvmCommandTest}, {@code JsonAndExitCodesCliTest} and {@code GibibyteCliTest}.
 */
public final class TestIdentities {
  /** Argon2id at 64 KiB and one pass: these keystores guard nothing but a test's throw-away keys. */
  public static final Keystore.KdfParams TEST_KDF = new Keystore.KdfParams(64, 1, 1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private TestIdentities() {}

  /** A new Ed25519 identity {@code name} in the home {@code home}, as {@code cachet id new NAME}. */
  public static Address ed25519(Path home, String name, Path passphraseFile) throws IOException {
    char[] pass = firstLine(passphraseFile);
    try {
      return new IdentityStore(home.resolve("ids")).create(name, pass, TEST_KDF, RANDOM).address();
    } finally {
      Arrays.fill(pass, '\0');
    }
  }

  /** A new secp256k1 identity {@code name} in the home {@code home}, as {@code cachet id new NAME --evm}. */
  public static Address evm(Path home, String name, Path passphraseFile) throws IOException {
    char[] pass = firstLine(passphraseFile);
    try {
      return new IdentityStore(home.resolve("ids")).createEvm(name, pass, TEST_KDF, RANDOM).address();
    } finally {
      Arrays.fill(pass, '\0');
    }
  }

  /** The passphrase as {@code --passphrase-file} reads it: the file's first line. */
  private static char[] firstLine(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int end = 0;
    while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
      end++;
    }
    return text.substring(0, end).toCharArray();
  }
}
