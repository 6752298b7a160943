package io.cachet.cli.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.cachet.crypto.Keystore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressBookTest {
  private static final Address BOB = Address.ofEvm(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
      17, 18, 19, 20});
  private static final Keystore.KdfParams FAST = new Keystore.KdfParams(64, 1, 1);

  @TempDir Path home;

  @Test
  void contacts_areKeptPrivately_andResolveBothWays() throws Exception {
    ContactStore contacts = new ContactStore(home);
    contacts.put("bob", BOB);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(contacts.file()))).isEqualTo("rw-------");
    AddressBook book = AddressBook.open(new IdentityStore(home.resolve("ids")), contacts);
    assertThat(book.resolve("bob")).isEqualTo(BOB);
    assertThat(book.nameOf(BOB)).contains("bob (contact)");
    assertThat(book.resolve(BOB.toString())).isEqualTo(BOB);
  }

  @Test
  void anIdentitysName_winsOverAContactsForTheSameAddress() throws Exception {
    IdentityStore ids = new IdentityStore(home.resolve("ids"));
    Address alice = ids.create("alice", "pw".toCharArray(), FAST, new SecureRandom()).address();
    ContactStore contacts = new ContactStore(home);
    contacts.put("alias", alice);
    AddressBook book = AddressBook.open(ids, contacts);
    assertThat(book.nameOf(alice)).contains("alice");
    assertThat(book.label(alice)).isEqualTo("alice");
  }

  @Test
  void unknownNames_andBadAddresses_areClearUsageErrors() throws Exception {
    AddressBook book = AddressBook.open(new IdentityStore(home.resolve("ids")), new ContactStore(home));
    assertThatThrownBy(() -> book.resolve("carol")).isInstanceOf(UsageException.class)
        .hasMessageContaining("cachet contact add carol");
    assertThatThrownBy(() -> book.resolve("0x12")).isInstanceOf(UsageException.class)
        .hasMessageContaining("not an address");
  }

  @Test
  void unknownAddresses_printShort() throws Exception {
    AddressBook book = AddressBook.open(new IdentityStore(home.resolve("ids")), new ContactStore(home));
    assertThat(book.label(BOB)).isEqualTo(AddressBook.shortForm(BOB)).hasSize(13).contains("…");
  }

  @Test
  void aDamagedContactsFile_isNamedWithTheWayOut() throws Exception {
    ContactStore contacts = new ContactStore(home);
    Files.writeString(contacts.file(), "{\"format\": \"cachet-contacts/1\", \"contacts\": {\"bob\": \"0xzz\"}}");
    assertThatThrownBy(contacts::list).isInstanceOf(UsageException.class).hasMessageContaining("bad address for 'bob'");
    Files.writeString(contacts.file(), "not json");
    assertThatThrownBy(contacts::list).isInstanceOf(UsageException.class).hasMessageContaining("fix or remove it");
  }

  @Test
  void badNames_areRefused() {
    assertThatThrownBy(() -> new ContactStore(home).put("Bob Smith", BOB)).isInstanceOf(UsageException.class);
  }
}
