package io.cachet.cli.contact;

import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Local names for addresses, both ways: my identities and my contacts. A command takes a name
 * wherever it takes an address ("grant bob"), and prints a name beside every address it knows
 * ("bob (contact)"). An identity's name wins over a contact's when both are taken, because an
 * identity is a key I hold; {@code contact add} refuses such a name so the two never disagree.
 */
public final class AddressBook {
  private final Map<Address, String> names;
  private final IdentityStore identities;
  private final Map<String, Address> contacts;

  private AddressBook(IdentityStore identities, Map<String, Address> contacts, Map<Address, String> names) {
    this.identities = identities;
    this.contacts = contacts;
    this.names = names;
  }

  /** Reads both stores once; a command opens one book and uses it throughout. */
  public static AddressBook open(IdentityStore identities, ContactStore contacts) throws IOException {
    Map<String, Address> known = contacts.list();
    Map<Address, String> names = new HashMap<>();
    known.forEach((n, a) -> names.putIfAbsent(a, n + " (contact)"));
    for (IdentityStore.Entry e : identities.list()) {
      names.put(e.address(), e.name());
    }
    return new AddressBook(identities, known, names);
  }

  /**
   * An address typed as {@code 0x...}, or the name of an identity or contact.
   *
   * @throws UsageException when it is neither, naming what was looked for
   */
  public Address resolve(String text) throws IOException {
    if (text.startsWith("0x")) {
      try {
        return Address.parse(text);
      } catch (FormatException e) {
        throw new UsageException("'" + text + "' is not an address (0x and 64 hex digits, or an EVM address: 0x and"
            + " 40)");
      }
    }
    if (identities.list().stream().anyMatch(e -> e.name().equals(text))) {
      return identities.show(text).address();
    }
    Address contact = contacts.get(text);
    if (contact != null) {
      return contact;
    }
    throw new UsageException("'" + text + "' is neither an address (0x...) nor a name you know: see 'cachet id list'"
        + " and 'cachet contact list', or add one with 'cachet contact add " + text + " 0x...'");
  }

  /** The local name of {@code address}: an identity's name, or a contact's followed by " (contact)". */
  public Optional<String> nameOf(Address address) {
    return Optional.ofNullable(names.get(address));
  }

  /** {@code address} as a person reads it: its name when known, else a shortened address. */
  public String label(Address address) {
    String name = names.get(address);
    return name != null ? name : shortForm(address);
  }

  /** The first 6 and last 4 hex digits, as wallets show an address: enough to compare by eye. */
  public static String shortForm(Address address) {
    String full = address.toString();
    return full.length() <= 14 ? full : full.substring(0, 8) + "…" + full.substring(full.length() - 4);
  }

  public Map<String, Address> contacts() {
    return contacts;
  }
}
