package io.cachet.bench.chaos.check;

import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The soak's reader identities, which the checker reads blobs back as: {@code DIR/NAME.seed}
 * holds the base64url of a 32-byte Ed25519 seed, readable by its owner alone (0600, in a 0700
 * directory). A soak's identities are throwaway test keys; they are files so that the checker
 * can run alone, after the soak, on the directory it left behind. A seed file that others may
 * read is refused: whoever reads it can read as that identity.
 */
public final class ReaderKeys {
  /** Suffix of a seed file. */
  public static final String SUFFIX = ".seed";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private ReaderKeys() {}

  /** Checks a reader's name: 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a reader's name is 1 to 64 of a-z, 0-9, _ and -; got '" + name + "'");
    }
    return name;
  }

  /** Makes a new identity named {@code name} and keeps its seed in {@code dir} (made 0700 if missing). */
  public static Identity create(Path dir, String name, SecureRandom random) throws IOException {
    checkName(name);
    DurableFiles.privateDirectory(dir);
    byte[] seed = new byte[Identity.SEED_LENGTH];
    random.nextBytes(seed);
    byte[] text = Base64Url.encode(seed).getBytes(StandardCharsets.US_ASCII);
    try {
      DurableFiles.create(dir.resolve(name + SUFFIX), text, true);
      return Identity.fromSeed(seed);
    } finally {
      Arrays.fill(seed, (byte) 0);
      Arrays.fill(text, (byte) 0);
    }
  }

  /**
   * The identity named {@code name} in {@code dir}.
   *
   * @throws IOException if there is none, its file is readable or writable by others, or it is not a seed
   */
  public static Identity load(Path dir, String name) throws IOException {
    Path file = dir.resolve(checkName(name) + SUFFIX);
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(OTHERS::contains)) {
        throw new IOException("reader key " + file.getFileName() + " is readable or writable by others; chmod 600 it");
      }
    } catch (UnsupportedOperationException e) {
      // not POSIX: nothing to check
    }
    byte[] text = Files.readAllBytes(file);
    byte[] seed = null;
    try {
      seed = Base64Url.decode(new String(text, StandardCharsets.US_ASCII).strip(), Identity.SEED_LENGTH,
          "reader seed");
      return Identity.fromSeed(seed);
    } catch (FormatException e) {
      throw new IOException("reader key " + file.getFileName() + " is not a seed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(text, (byte) 0);
      if (seed != null) {
        Arrays.fill(seed, (byte) 0);
      }
    }
  }
}
