package io.cachet.cli.contact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * People whose addresses I was given, by the name I know them by: {@code HOME/contacts.json},
 * {@code {"format": "cachet-contacts/1", "contacts": {"bob": "0x..."}}}. Addresses are public, but
 * who I deal with is not, so the file is private to its owner (0600) and written durably.
 *
 * <p>Guarantees: a change ({@link #put}, {@link #remove}) is a read-modify-write under a lock held
 * both within this JVM ({@code cachet agent} runs commands side by side) and across processes (a
 * {@link FileLock} on {@code contacts.json.lock} beside the file), so two changes made at once both
 * land. A file over {@link #MAX_FILE_BYTES}, or holding a name {@link #checkName} refuses, is a
 * clear error naming the way out, never read in part.
 */
public final class ContactStore {
  public static final String FORMAT = "cachet-contacts/1";
  /** Reason code of a name that is not usable: the identities' code, as the two share one rule. */
  public static final String BAD_NAME = IdentityStore.BAD_NAME;
  /** Reason code of an address that does not parse. */
  public static final String BAD_ADDRESS = "BAD_ADDRESS";
  /** The same rule as identity names, so one name never means two things to a grant. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  /** Largest contacts file read or written: about 50,000 contacts, and no unbounded read. */
  static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
  /** Bytes in a MiB, for the messages. */
  private static final int MIB = 1024 * 1024;
  /** Longest part of a bad name quoted back in an error: the file is text someone may have edited. */
  private static final int MAX_QUOTED = 40;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** One lock per lock file in this JVM: a {@link FileLock} is held per process, not per thread. */
  private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  private final Path file;
  private final Path lockFile;

  public ContactStore(Path home) {
    this.file = home.resolve("contacts.json");
    this.lockFile = home.resolve("contacts.json.lock");
  }

  public Path file() {
    return file;
  }

  /** Every contact by name, sorted; none when the file does not exist yet. */
  public Map<String, Address> list() throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new UsageException("the contacts file " + file + " is larger than " + MAX_FILE_BYTES / MIB + " MiB, more"
          + " than contacts ever need; fix or remove it");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new UsageException("the contacts file " + file + " is not JSON: " + e.getMessage() + "; fix or remove it");
    }
    if (root == null || !FORMAT.equals(root.path("format").asText()) || !root.path("contacts").isObject()) {
      throw new UsageException("the contacts file " + file + " is not a " + FORMAT + " document; fix or remove it");
    }
    Map<String, Address> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.get("contacts").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!NAME.matcher(e.getKey()).matches()) {
        throw new UsageException("the contacts file " + file + " holds a name that is not usable, '"
            + printable(e.getKey()) + "' (names are 1 to 32 of a-z, 0-9, _ and -); fix or remove it");
      }
      try {
        out.put(e.getKey(), Address.parse(e.getValue().asText()));
      } catch (FormatException bad) {
        throw new UsageException("the contacts file " + file + " holds a bad address for '" + e.getKey() + "': "
            + bad.getMessage());
      }
    }
    return out;
  }

  /** Adds or replaces {@code name}; the address it had before, if any. */
  public Optional<Address> put(String name, Address address) throws IOException {
    checkName(name);
    return locked(() -> {
      Map<String, Address> all = new TreeMap<>(list());
      Address before = all.put(name, address);
      save(all);
      return Optional.ofNullable(before);
    });
  }

  /** Removes {@code name}; false when there was none. */
  public boolean remove(String name) throws IOException {
    return locked(() -> {
      Map<String, Address> all = new TreeMap<>(list());
      if (all.remove(name) == null) {
        return false;
      }
      save(all);
      return true;
    });
  }

  /** A read-modify-write of the file. */
  private interface Change<T> {
    T apply() throws IOException;
  }

  /** Runs {@code change} holding this JVM's lock of the file, then the file lock other processes see. */
  private <T> T locked(Change<T> change) throws IOException {
    Path dir = lockFile.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      DurableFiles.privateDirectory(dir);
    }
    ReentrantLock here = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
    here.lock();
    try {
      if (!Files.exists(lockFile)) {
        try {
          Files.createFile(lockFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException | UnsupportedOperationException e) {
          // made by another process meanwhile, or not a POSIX file system: opened below as it is
        }
      }
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        return change.apply();
      }
    } finally {
      here.unlock();
    }
  }

  /** {@code text} cut to {@link #MAX_QUOTED} characters, anything but printable ASCII shown as '?'. */
  private static String printable(String text) {
    StringBuilder b = new StringBuilder();
    text.codePoints().limit(MAX_QUOTED).forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return text.codePointCount(0, text.length()) > MAX_QUOTED ? b + "…" : b.toString();
  }

  public static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new UsageException(BAD_NAME, "'" + name + "' is not a usable name: 1 to 32 of a-z, 0-9, _ and -, not"
          + " starting with _ or -", null);
    }
  }

  private void save(Map<String, Address> all) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    ObjectNode contacts = root.putObject("contacts");
    all.forEach((n, a) -> contacts.put(n, a.toString()));
    byte[] bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    if (bytes.length > MAX_FILE_BYTES) {
      throw new UsageException("the contacts file would be larger than " + MAX_FILE_BYTES / MIB + " MiB with this"
          + " change; remove contacts you no longer need ('cachet contact remove NAME')");
    }
    DurableFiles.write(file, bytes, true);
  }
}
