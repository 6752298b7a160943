package io.cachet.cli.id;

import io.cachet.common.io.DurableFiles;
import io.cachet.cli.UsageException;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Requester;
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
 * and {@code ids/default} naming the one commands use when none is given. An identity is of one
 * of two kinds: Ed25519 (the embedded ledger) or secp256k1 (EVM chains). Listing reads only the
 * keystores' public fields; nothing here needs a passphrase except the {@code open} methods.
 */
public final class IdentityStore {
  /** Reason code of a name that is not usable. */
  public static final String BAD_NAME = "BAD_NAME";
  /** Reason code of a new identity's name that is taken. */
  public static final String IDENTITY_EXISTS = "IDENTITY_EXISTS";
  /** Reason code of a name that is not an identity of this home. */
  public static final String NO_SUCH_IDENTITY = "NO_SUCH_IDENTITY";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  private static final String SUFFIX = ".json";
  private static final String DEFAULT = "default";

  /** One identity as listed: its name, address, kind and whether it is the default. */
  public record Entry(String name, Address address, boolean isDefault, Path file, Keystore.KeyType kind) {}

  private final Path dir;

  public IdentityStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Generates a new Ed25519 identity, writes its keystore and makes it the default if it is the first. */
  public Entry create(String name, char[] passphrase, Keystore.KdfParams kdf, SecureRandom random) throws IOException {
    checkNew(name);
    Identity identity = Identity.generate(random);
    try {
      return store(name, Keystore.encrypt(identity, passphrase, kdf, random), identity.address(),
          Keystore.KeyType.ED25519);
    } finally {
      identity.destroy();
    }
  }

  /** Generates a new secp256k1 (EVM) identity; otherwise as {@link #create}. */
  public Entry createEvm(String name, char[] passphrase, Keystore.KdfParams kdf, SecureRandom random)
      throws IOException {
    checkNew(name);
    EvmIdentity identity = EvmIdentity.generate(random);
    try {
      return importEvm(name, identity, passphrase, kdf, random);
    } finally {
      identity.destroy();
    }
  }

  /** Keeps an existing secp256k1 key (a wallet's, say) under {@code name}; the caller destroys {@code key}. */
  public Entry importEvm(String name, EvmIdentity key, char[] passphrase, Keystore.KdfParams kdf,
      SecureRandom random) throws IOException {
    checkNew(name);
    return store(name, Keystore.encrypt(key, passphrase, kdf, random), key.address(), Keystore.KeyType.SECP256K1);
  }

  private void checkNew(String name) {
    checkName(name);
    Path file = file(name);
    if (Files.exists(file)) {
      throw new UsageException(IDENTITY_EXISTS, "an identity named '" + name + "' exists already", "Choose another"
          + " name; 'cachet id list' shows the names taken.");
    }
  }

  private Entry store(String name, byte[] keystore, Address address, Keystore.KeyType kind) throws IOException {
    Path file = file(name);
    boolean first = defaultName().isEmpty();
    DurableFiles.create(file, keystore, true);
    if (first) {
      setDefault(name);
    }
    return new Entry(name, address, first, file, kind);
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
          byte[] keystore = read(f);
          out.add(new Entry(name, address(f, keystore), def.map(name::equals).orElse(false), f, kind(f, keystore)));
        }
      }
    }
    return out;
  }

  public Entry show(String name) throws IOException {
    checkName(name);
    Path file = existing(name);
    byte[] keystore = read(file);
    return new Entry(name, address(file, keystore), defaultName().map(name::equals).orElse(false), file,
        kind(file, keystore));
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

  /** Opens an Ed25519 identity; an EVM one is a usage error saying so (see {@link #openRequester}). */
  public Identity open(String name, char[] passphrase) throws IOException, WrongPassphraseException {
    Requester opened = openRequester(name, passphrase);
    if (opened instanceof Identity identity) {
      return identity;
    }
    ((EvmIdentity) opened).destroy();
    throw new UsageException("'" + name + "' is an EVM (secp256k1) identity; this command needs an Ed25519 one"
        + " (the embedded ledger's)");
  }

  /** Opens an identity of either kind: an {@link Identity} or an {@link EvmIdentity}. */
  public Requester openRequester(String name, char[] passphrase) throws IOException, WrongPassphraseException {
    try {
      return Keystore.open(Files.readAllBytes(existing(name)), passphrase);
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
      throw new UsageException(NO_SUCH_IDENTITY, "no identity named '" + name + "' (see 'cachet id list')", null);
    }
    return file;
  }

  private Path file(String name) {
    return dir.resolve(name + SUFFIX);
  }

  private static byte[] read(Path file) throws IOException {
    return Files.readAllBytes(file);
  }

  private static Address address(Path file, byte[] keystore) throws IOException {
    try {
      return Keystore.address(keystore);
    } catch (FormatException e) {
      throw new IOException("the keystore " + file + " is damaged: " + e.getMessage(), e);
    }
  }

  private static Keystore.KeyType kind(Path file, byte[] keystore) throws IOException {
    try {
      return Keystore.keyType(keystore);
    } catch (FormatException e) {
      throw new IOException("the keystore " + file + " is damaged: " + e.getMessage(), e);
    }
  }

  static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new UsageException(BAD_NAME, "an identity name is 1 to 32 characters of a-z, 0-9, '-' and '_', starting"
          + " with a letter or digit; got '" + name + "'", null);
    }
  }
}
