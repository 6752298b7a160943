package io.cachet.cli.id;

import io.cachet.common.io.DurableFiles;
import io.cachet.cli.UsageException;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.WrongPassphraseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The identities of one Cachet home: {@code ids/NAME.json}, each an Argon2id-encrypted keystore,
 * and {@code ids/default} naming the one commands use when none is given. Listing reads only the
 * keystores' public fields; nothing here needs a passphrase except {@link #open}.
 */
public final class IdentityStore {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  private static final String SUFFIX = ".json";
  private static final String DEFAULT = "default";

  /** One identity as listed: its name, address and whether it is the default. */
  public record Entry(String name, Address address, boolean isDefault, Path file) {}

  private final Path dir;

  public IdentityStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Generates a new identity, writes its keystore and makes it the default if it is the first. */
  public Entry create(String name, char[] passphrase, Keystore.KdfParams kdf, SecureRandom random) throws IOException {
    checkName(name);
    Path file = file(name);
    if (Files.exists(file)) {
      throw new UsageException("an identity named '" + name + "' exists already (" + file + ")");
    }
    Identity identity = Identity.generate(random);
    try {
      boolean first = defaultName().isEmpty();
      DurableFiles.create(file, Keystore.encrypt(identity, passphrase, kdf, random), true);
      if (first) {
        setDefault(name);
      }
      return new Entry(name, identity.address(), first, file);
    } finally {
      identity.destroy();
    }
  }

  public List<Entry> list() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    Optional<String> def = defaultName();
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String fn = f.getFileName().toString();
        if (!fn.endsWith(SUFFIX)) {
          continue;
        }
        String name = fn.substring(0, fn.length() - SUFFIX.length());
        if (NAME.matcher(name).matches()) {
          out.add(new Entry(name, address(f), def.map(name::equals).orElse(false), f));
        }
      }
    }
    return out;
  }

  public Entry show(String name) throws IOException {
    checkName(name);
    Path file = existing(name);
    return new Entry(name, address(file), defaultName().map(name::equals).orElse(false), file);
  }

  /** The name {@code given}, else the default; a clear error when neither exists. */
  public String resolve(String given) throws IOException {
    if (given != null) {
      checkName(given);
      existing(given);
      return given;
    }
    return defaultName().orElseThrow(() -> new UsageException(
        "no identity given and no default set: create one with 'cachet id new NAME' or pass --as NAME"));
  }

  public Identity open(String name, char[] passphrase) throws IOException, WrongPassphraseException {
    try {
      return Keystore.decrypt(Files.readAllBytes(existing(name)), passphrase);
    } catch (FormatException e) {
      throw new IOException("the keystore of '" + name + "' is damaged: " + e.getMessage(), e);
    }
  }

  public void setDefault(String name) throws IOException {
    checkName(name);
    existing(name);
    DurableFiles.write(dir.resolve(DEFAULT), (name + "\n").getBytes(StandardCharsets.US_ASCII), false);
  }

  public Optional<String> defaultName() throws IOException {
    try {
      String name = Files.readString(dir.resolve(DEFAULT), StandardCharsets.US_ASCII).trim();
      return NAME.matcher(name).matches() && Files.exists(file(name)) ? Optional.of(name) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private Path existing(String name) {
    Path file = file(name);
    if (!Files.exists(file)) {
      throw new UsageException("no identity named '" + name + "' in " + dir + " (see 'cachet id list')");
    }
    return file;
  }

  private Path file(String name) {
    return dir.resolve(name + SUFFIX);
  }

  private static Address address(Path file) throws IOException {
    try {
      return Keystore.address(Files.readAllBytes(file));
    } catch (FormatException e) {
      throw new IOException("the keystore " + file + " is damaged: " + e.getMessage(), e);
    }
  }

  static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new UsageException("an identity name is 1 to 32 characters of a-z, 0-9, '-' and '_', starting with a"
          + " letter or digit; got '" + name + "'");
    }
  }
}
