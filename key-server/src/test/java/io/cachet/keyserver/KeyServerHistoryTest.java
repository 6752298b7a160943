package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.policy.LedgerHistoryMissingException;
import io.cachet.policy.LedgerRecovery;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Window;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An acknowledged revocation cannot vanish: the ledger's journal loses its last block (the
 * revocation) after the key server applied it; the key server, restarted, keeps its own copy of
 * that block instead of adopting a shorter history, the ledger refuses to start below what it
 * signed, and the recovery command takes the block back from the key server.
 */
class KeyServerHistoryTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  /** The sequencer's own clock, so the test can hold its heartbeats without moving the key server's. */
  private final MutableClock ledgerClock = new MutableClock();

  @Test
  void revocation_ledgerJournalLosesIt_keyServerKeepsItAndLedgerRecoversItFromThere() throws Exception {
    Path ledgerDir = dir.resolve("own-ledger");
    TestLedger ledger = new TestLedger(vertx, ledgerDir, ledgerClock);
    try {
      run(ledger, ledgerDir);
    } finally {
      ledger.close();
    }
  }

  private void run(TestLedger ledger, Path ledgerDir) throws Exception {
    KeyServerConfig config = config("ks-1").with(Map.of("ledger-url", ledger.url(), "sequencer-key",
        ledger.sequencerKey().toString()));
    KeyServer ks = KeyServer.start(vertx, config, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    servers.add(ks);
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader h = seal(list, ks);
    ks.awaitLedgerHeight(ledger.height()).await(15, TimeUnit.SECONDS);
    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(h, 1))).response().items()).allMatch(r -> r.isReleased());
    Sequencer.Committed revoked = ledger.removeMember(owner, list, bob.address());
    // hold the heartbeats (the sequencer cuts one only once its clock passes the head's time), so
    // the key server can have the ledger's very last block before the ledger stops
    ledgerClock.advance(Duration.ofHours(-1));
    Thread.sleep(300);
    long signed = ledger.height();
    ks.awaitLedgerHeight(signed).await(15, TimeUnit.SECONDS);
    assertThat(ks.ledgerHeight()).isEqualTo(signed);

    ledger.stop();
    assertThat(ledger.height()).isEqualTo(signed);
    Path journal = ledgerDir.resolve(Sequencer.JOURNAL_FILE);
    try (RandomAccessFile f = new RandomAccessFile(journal.toFile(), "rw")) {
      f.setLength(f.length() - 10);
    }
    ks.close().await(30, TimeUnit.SECONDS);
    servers.remove(ks);

    // restarted with the ledger down: resumes from its own blocks, revocation included
    KeyServer again = KeyServer.start(vertx, config, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    servers.add(again);
    assertThat(again.ledgerHeight()).isEqualTo(signed).isGreaterThanOrEqualTo(revoked.height());

    assertThatThrownBy(ledger::start).isInstanceOf(LedgerHistoryMissingException.class)
        .hasMessageContaining("signed up to height " + signed);

    LedgerRecovery.Outcome o = LedgerRecovery.recover(ledgerDir, TestLedger.LEDGER,
        ledger.sequencerKey(), List.of(LedgerRecovery.http("http://127.0.0.1:" + again.port(), TestLedger.LEDGER)));
    assertThat(o.blocksAppended()).isEqualTo(1);
    assertThat(o.signedHeight()).isEqualTo(signed);

    ledgerClock.advance(Duration.ofHours(1));
    ledger.start();
    assertThat(ledger.height()).isGreaterThanOrEqualTo(signed);
    again.awaitLedgerHeight(ledger.height()).await(15, TimeUnit.SECONDS);
    assertThat(fetch(again, bob, List.of(FetchKeyItem.of(h, 1))).response().items()).noneMatch(r -> r.isReleased());
  }
}
