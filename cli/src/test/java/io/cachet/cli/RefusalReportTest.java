package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.contact.AddressBook;
import io.cachet.cli.contact.ContactStore;
import io.cachet.cli.id.IdentityStore;
import io.cachet.client.ServerOutcome;
import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key servers' answers worded for a person: names for the addresses they know, one line each. */
class RefusalReportTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path home;

  private static ServerOutcome denied(String server, String message) {
    return new ServerOutcome(server, ServerOutcome.Kind.DENIED, 200, "NOT_A_MEMBER", message);
  }

  @Test
  void lines_nameAContactsAndAnIdentitysAddress_andShortenTheRest() throws Exception {
    Address carol = Identity.generate(RANDOM).address();
    Address stranger = Identity.generate(RANDOM).address();
    new ContactStore(home).put("carol", carol);
    IdentityStore ids = new IdentityStore(home.resolve("ids"));
    Address dave = ids.create("dave", "a passphrase".toCharArray(), new Keystore.KdfParams(8, 1, 1), RANDOM).address();
    AddressBook book = AddressBook.open(ids, new ContactStore(home));

    List<String> lines = new RefusalReport(book).lines(List.of(
        denied("ks-1", carol + " is not on allow-list " + stranger),
        denied("ks-2", dave + " is not on allow-list " + stranger),
        new ServerOutcome("ks-3", ServerOutcome.Kind.NOT_NEEDED, 0, null, "no answer needed: 2 of 3 already decided")));

    assertThat(lines).containsExactly(
        "  ks-1  refused: carol (contact) is not on allow-list " + AddressBook.shortForm(stranger) + " (NOT_A_MEMBER)",
        "  ks-2  refused: dave is not on allow-list " + AddressBook.shortForm(stranger) + " (NOT_A_MEMBER)",
        "  ks-3  no answer needed: 2 of 3 already decided");
  }

  @Test
  void summary_groupsServersByWhatTheyDid_refusalsFirst() {
    String summary = RefusalReport.summary(List.of(
        new ServerOutcome("ks-3", ServerOutcome.Kind.NOT_NEEDED, 0, null, "no answer needed: 2 of 3 already decided"),
        denied("ks-2", "x"),
        new ServerOutcome("ks-4", ServerOutcome.Kind.UNAVAILABLE, 0, "UNREACHABLE", "connection refused at h:1"),
        denied("ks-1", "x")));
    assertThat(summary).isEqualTo("refused by ks-1 and ks-2 (NOT_A_MEMBER); no answer from ks-4 (UNREACHABLE);"
        + " ks-3 not needed");
  }

  @Test
  void words_ofAServerNotServing_carryItsStatusAndReason() {
    assertThat(new RefusalReport(null).words(new ServerOutcome("ks-1", ServerOutcome.Kind.UNAVAILABLE, 503,
        "LEDGER_STALE", "its ledger view is stale"))).isEqualTo("not serving: its ledger view is stale"
        + " (LEDGER_STALE, HTTP 503)");
  }
}
