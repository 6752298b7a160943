package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.policy.Block;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.Operation;
import io.cachet.policy.Reason;
import io.cachet.policy.Transaction;
import io.cachet.policy.TransactionRefusedException;
import io.cachet.policy.Window;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One owner on two real ledgers of the same id (the key server follows B, the ledger of the base
 * class): a grant copied from ledger A's public blocks onto B is refused, and the key server
 * following B does not release to the one who copied it.
 */
class CrossLedgerReplayTest extends KeyServerTestBase {
  private final Identity alice = Identity.generate(Requester.RANDOM);

  /** Every transaction in the blocks the ledger at {@code url} serves to anyone. */
  private List<Transaction> servedTransactions(String url) throws Exception {
    HttpResponse<Buffer> r = http.getAbs(url + "/v1/blocks?from=0&limit=1000").send().await(15, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    List<Transaction> out = new ArrayList<>();
    for (Object b : r.bodyAsJsonObject().getJsonArray("blocks")) {
      out.addAll(Block.decode(Base64Url.decode((String) b, "block")).transactions());
    }
    return out;
  }

  @Test
  void grantCopiedFromAnotherLedger_isRefusedWrongLedger_andTheKeyServerDoesNotRelease() throws Exception {
    TestLedger ledgerA = new TestLedger(vertx, dir.resolve("ledger-a"), clock);
    try {
      KeyServer ks = start("ks-1");
      Requester mallory = new Requester(clock, List.of(ks.serverId()));
      assertThat(ledgerA.ref().ledgerId()).isEqualTo(ledger.ref().ledgerId());

      // alice's first transaction on each ledger creates a list; only A's has mallory on it
      PolicyId listB = ledger.createAllowList(alice);
      PolicyId listA = ledgerA.createAllowList(alice);
      assertThat(listA).as("same sender and nonce, another ledger").isNotEqualTo(listB);
      ledgerA.addMember(alice, listA, mallory.address(), Window.ALWAYS);
      EnvelopeHeader secret = seal(listB, ks);

      Transaction copied = servedTransactions(ledgerA.url()).stream()
          .filter(tx -> tx.operation() instanceof Operation.AddMember).findFirst().orElseThrow();
      try (LedgerClient toB = new LedgerClient(vertx, ledger.url())) {
        assertThatThrownBy(() -> toB.submit(copied).await(15, TimeUnit.SECONDS))
            .isInstanceOfSatisfying(TransactionRefusedException.class, e -> {
              assertThat(e.reason()).isEqualTo(Reason.WRONG_LEDGER);
              assertThat(e.getMessage()).contains(ledgerA.ref().toString()).contains(ledger.ref().toString());
            });
      }

      caughtUp(ks);
      ItemResult r = fetchOne(ks, mallory, secret, 1);
      assertThat(r.isReleased()).isFalse();
      assertThat(r.reason()).isEqualTo("NOT_A_MEMBER");
      // nor does a share sealed under A's policy open anything at the key server following B
      assertThat(fetchOne(ks, mallory, seal(listA, ks), 1).reason()).isEqualTo("UNKNOWN_POLICY");
    } finally {
      ledgerA.close();
    }
  }

  @Test
  void keyServerPinnedToAnotherGenesis_followsNothing_andFailsClosed() throws Exception {
    TestLedger ledgerA = new TestLedger(vertx, dir.resolve("ledger-a"), clock);
    try {
      // configured for ledger A (same id, same URL as B by mistake): B's genesis is refused
      KeyServer ks = KeyServer.start(vertx, config("ks-1").with("genesis-digest", ledgerA.ref().genesisHex()),
          PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
      servers.add(ks);
      Requester bob = new Requester(clock, List.of(ks.serverId()));
      PolicyId list = ledger.createAllowList(alice);
      ledger.addMember(alice, list, bob.address(), Window.ALWAYS);
      Reply r = fetch(ks, bob, List.of(io.cachet.crypto.protocol.FetchKeyItem.of(seal(list, ks), 1)));
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.reason()).isEqualTo("LEDGER_STALE");
    } finally {
      ledgerA.close();
    }
  }
}
