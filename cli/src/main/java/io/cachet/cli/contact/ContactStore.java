package io.cachet.cli.contact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.UsageException;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * People whose addresses I was given, by the name I know them by: {@code HOME/contacts.json},
 * {@code {"format": "cachet-contacts/1", "contacts": {"bob": "0x..."}}}. Addresses are public, but
 * who I deal with is not, so the file is private to its owner (0600) and written durably.
 */
public final class ContactStore {
  public static final String FORMAT = "cachet-contacts/1";
  /** The same rule as identity names, so one name never means two things to a grant. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path file;

  public ContactStore(Path home) {
    this.file = home.resolve("contacts.json");
  }

  public Path file() {
    return file;
  }

  /** Every contact by name, sorted; none when the file does not exist yet. */
  public Map<String, Address> list() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
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
      try {
        out.put(e.getKey(), Address.parse(e.getValue().asText()));
      } catch (FormatException bad) {
        throw new UsageException("the contacts file " + file + " holds a bad address for '" + e.getKey() + "': "
            + bad.getMessage());
      }
    }
    return out;
  }

  /** Adds or replaces {@code name}. */
  public void put(String name, Address address) throws IOException {
    checkName(name);
    Map<String, Address> all = new TreeMap<>(list());
    all.put(name, address);
    save(all);
  }

  /** Removes {@code name}; false when there was none. */
  public boolean remove(String name) throws IOException {
    Map<String, Address> all = new TreeMap<>(list());
    if (all.remove(name) == null) {
      return false;
    }
    save(all);
    return true;
  }

  public static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new UsageException("'" + name + "' is not a usable name: 1 to 32 of a-z, 0-9, _ and -, not starting with"
          + " _ or -");
    }
  }

  private void save(Map<String, Address> all) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    ObjectNode contacts = root.putObject("contacts");
    all.forEach((n, a) -> contacts.put(n, a.toString()));
    DurableFiles.write(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), true);
  }
}
