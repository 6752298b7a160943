package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.journal.JournalCorruptedException;
import io.cachet.policy.journal.SignedHeightMark;
import io.cachet.policy.server.LedgerServer;
import io.cachet.policy.server.StoredBlocksHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sequencer never signs two blocks at one height: a journal that lost its tail after a follower
 * saw the block refuses to start until the recovery command brings the block back from the
 * follower. Real sequencer, ledger server, follower with its block store, and recovery over HTTP.
 */
class SignedHeightTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";
  /** Nothing is cut unless a transaction waits, so the journal's last block is the revocation's. */
  private static final Duration NO_HEARTBEAT = Duration.ofHours(1);

  @TempDir Path dir;
  @TempDir Path followerDir;
  private final Vertx vertx = Vertx.vertx();
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private final Identity alice = Identity.generate(RANDOM);
  private final Identity bob = Identity.generate(RANDOM);
  private Sequencer sequencer;
  private Follower follower;

  @AfterEach
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private Sequencer open() throws IOException {
    return Sequencer.open(new Sequencer.Config(dir, LEDGER, NO_HEARTBEAT, Clock.systemUTC()), sequencerKey);
  }

  private String serve(Sequencer s) throws Exception {
    LedgerServer server = new LedgerServer(s, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    return "http://" + HOST + ":" + server.port();
  }

  private static Sequencer.Committed commit(Sequencer s, Transaction tx) throws Exception {
    return s.submit(tx).get(10, TimeUnit.SECONDS);
  }

  /** Grants bob, then revokes him: the revocation is the journal's last block. */
  private Sequencer.Committed grantThenRevoke(Sequencer s) throws Exception {
    commit(s, Transaction.sign(alice, s.ledger(), 0, new Operation.CreateAllowList()));
    PolicyId policy = LedgerState.policyIdFor(s.ledger(), alice.address(), 0);
    commit(s, Transaction.sign(alice, s.ledger(), 1, new Operation.AddMember(policy, bob.address(), Window.ALWAYS)));
    return commit(s, Transaction.sign(alice, s.ledger(), 2, new Operation.RemoveMember(policy, bob.address())));
  }

  private static void cutInsideLastBlock(Path journal) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(journal.toFile(), "rw")) {
      f.setLength(f.length() - 10);
    }
  }

  private String serveStore(FollowerStore store) throws Exception {
    Router router = Router.router(vertx);
    router.get("/v1/blocks").handler(new StoredBlocksHandler(LEDGER, store));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, HOST).await(10, TimeUnit.SECONDS);
    return "http://" + HOST + ":" + server.actualPort();
  }

  @Test
  void sequencer_journalCutAfterFollowerSawLastBlock_refusesUntilRecoveredThenKeepsOriginalChain() throws Exception {
    sequencer = open();
    String url = serve(sequencer);
    Sequencer.Committed revoked = grantThenRevoke(sequencer);
    Block original = sequencer.blocksFrom(revoked.height(), 1).get(0);
    follower = Follower.start(vertx, new Follower.Config(url, LEDGER, sequencerKey.verifyingKey(),
        Duration.ofSeconds(1), Clock.systemUTC()), followerDir);
    follower.awaitHeight(revoked.height()).get(30, TimeUnit.SECONDS);
    sequencer.close();
    sequencer = null;

    cutInsideLastBlock(dir.resolve(Sequencer.JOURNAL_FILE));

    assertThatThrownBy(this::open)
        .isInstanceOf(LedgerHistoryMissingException.class)
        .hasMessageContaining("ends at height " + (revoked.height() - 1))
        .hasMessageContaining("signed up to height " + revoked.height())
        .hasMessageContaining("recovery");
    // refusing twice changes nothing on disk
    assertThatThrownBy(this::open).isInstanceOf(LedgerHistoryMissingException.class);

    String followerUrl = serveStore(follower.store());
    int exit = LedgerRecovery.run(new String[] {"--data", dir.toString(), "--ledger", LEDGER,
        "--sequencer-key", sequencerKey.verifyingKey().toString(), "--from", followerUrl});
    assertThat(exit).isEqualTo(LedgerRecovery.EXIT_OK);

    sequencer = open();
    assertThat(sequencer.head().height()).isEqualTo(revoked.height());
    assertThat(sequencer.head().hash()).isEqualTo(original.hash());
    PolicyId policy = LedgerState.policyIdFor(sequencer.ledger(), alice.address(), 0);
    assertThat(((AllowList) sequencer.state().policy(policy)).members()).doesNotContainKey(bob.address());
    // the chain goes on from the original block, which the follower still accepts
    Sequencer.Committed next = commit(sequencer, Transaction.sign(alice, sequencer.ledger(), 3, new Operation.AddMember(policy,
        bob.address(), Window.ALWAYS)));
    assertThat(next.height()).isEqualTo(revoked.height() + 1);
    assertThat(sequencer.blocksFrom(next.height(), 1).get(0).previousHash()).isEqualTo(original.hash());
  }

  @Test
  void recovery_followerMissingTheBlocks_appendsNothingAndStillRefuses() throws Exception {
    sequencer = open();
    Sequencer.Committed revoked = grantThenRevoke(sequencer);
    sequencer.close();
    sequencer = null;
    cutInsideLastBlock(dir.resolve(Sequencer.JOURNAL_FILE));
    // a store that never saw the last block
    FollowerStore empty = FollowerStore.open(followerDir, b -> { });
    try {
      int exit = LedgerRecovery.run(new String[] {"--data", dir.toString(), "--ledger", LEDGER,
          "--sequencer-key", sequencerKey.verifyingKey().toString(), "--from", serveStore(empty)});
      assertThat(exit).isEqualTo(LedgerRecovery.EXIT_FAILED);
    } finally {
      empty.close();
    }
    assertThatThrownBy(this::open).isInstanceOf(LedgerHistoryMissingException.class)
        .hasMessageContaining("signed up to height " + revoked.height());
  }

  @Test
  void recovery_blocksSignedByAnotherKey_areRefused() throws Exception {
    Identity impostor = Identity.generate(RANDOM);
    Path impostorDir = Files.createDirectories(followerDir.resolve("impostor-ledger"));
    Sequencer other = Sequencer.open(new Sequencer.Config(impostorDir, LEDGER, NO_HEARTBEAT, Clock.systemUTC()),
        impostor);
    String otherUrl = serve(other);
    try {
      sequencer = open();
      grantThenRevoke(sequencer);
      grantThenRevoke(other);
      sequencer.close();
      sequencer = null;
      cutInsideLastBlock(dir.resolve(Sequencer.JOURNAL_FILE));
      long before = Files.size(dir.resolve(Sequencer.JOURNAL_FILE));
      assertThatThrownBy(() -> LedgerRecovery.recover(dir, LEDGER, sequencerKey.verifyingKey(),
          List.of(LedgerRecovery.http(otherUrl, LEDGER))))
          .isInstanceOf(IOException.class).hasMessageContaining("could not be recovered");
      // the journal lost its torn tail on the recovery's open, and gained nothing
      assertThat(Files.size(dir.resolve(Sequencer.JOURNAL_FILE))).isLessThan(before);
      assertThatThrownBy(this::open).isInstanceOf(LedgerHistoryMissingException.class);
    } finally {
      other.close();
    }
  }

  @Test
  void sequencer_markAtJournalHeadWithAnotherHash_refusesToStart() throws Exception {
    sequencer = open();
    Sequencer.Committed revoked = grantThenRevoke(sequencer);
    sequencer.close();
    sequencer = null;
    new SignedHeightMark(revoked.height(), new byte[32]).write(dir);
    assertThatThrownBy(this::open).isInstanceOf(IOException.class)
        .hasMessageContaining("different block at height " + revoked.height());
  }

  @Test
  void sequencer_markBehindJournal_movesUpToTheJournalHead() throws Exception {
    sequencer = open();
    Sequencer.Committed revoked = grantThenRevoke(sequencer);
    Block genesis = sequencer.blocksFrom(0, 1).get(0);
    sequencer.close();
    sequencer = null;
    // as if the process died between the journal's fsync and the mark's
    new SignedHeightMark(0, genesis.hash()).write(dir);
    sequencer = open();
    assertThat(SignedHeightMark.read(dir).height()).isEqualTo(revoked.height());
  }

  @Test
  void mark_damagedOrOfAnotherVersion_isRefusedNamingIt() throws Exception {
    sequencer = open();
    sequencer.close();
    sequencer = null;
    Path mark = dir.resolve(SignedHeightMark.FILE_NAME);
    byte[] good = Files.readAllBytes(mark);

    byte[] flipped = good.clone();
    flipped[20] ^= 1;
    Files.write(mark, flipped);
    assertThatThrownBy(this::open).isInstanceOf(JournalCorruptedException.class).hasMessageContaining("CRC32C");

    byte[] version = good.clone();
    version[4] = 9;
    Files.write(mark, version);
    assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("version 9");
  }
}
