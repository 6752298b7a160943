package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that keeps its blocks and snapshots on disk resumes from them after a restart,
 * before it hears from the ledger, and refuses a store that is not its ledger's; a damaged or
 * foreign snapshot is never used, the state is rebuilt from the blocks instead.
 */
class FollowerResumeTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LEDGER = "cachet-test";
  private static final String HOST = "127.0.0.1";
  /** A port nothing listens on: the resumed follower must answer from disk alone. */
  private static final String DEAD_LEDGER = "http://127.0.0.1:9";

  @TempDir Path dir;
  @TempDir Path storeDir;
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

  private Follower.Config config(String url, Identity key) {
    return new Follower.Config(url, LEDGER, key.verifyingKey(), Duration.ofSeconds(1), Clock.systemUTC());
  }

  private static Sequencer.Committed commit(Sequencer s, Transaction tx) throws Exception {
    return s.submit(tx).get(30, TimeUnit.SECONDS);
  }

  /** Follows a ledger through a grant to bob, with a snapshot every {@code snapshotEvery} blocks; returns its height. */
  private long followThroughGrant(long snapshotEvery) throws Exception {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofMillis(100), Clock.systemUTC()),
        sequencerKey);
    LedgerServer server = new LedgerServer(sequencer, HOST, 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    follower = Follower.start(vertx, config("http://" + HOST + ":" + server.port(), sequencerKey), storeDir);
    follower.store().snapshotInterval(snapshotEvery);
    commit(sequencer, Transaction.sign(alice, sequencer.ledger(), 0, new Operation.CreateAllowList()));
    Sequencer.Committed granted = commit(sequencer, Transaction.sign(alice, sequencer.ledger(), 1,
        new Operation.AddMember(policy(), bob.address(), Window.ALWAYS)));
    // a few heartbeats past the grant, so a snapshot is taken after it
    long target = granted.height() + 3;
    follower.awaitHeight(target).get(30, TimeUnit.SECONDS);
    long height = follower.view().height();
    follower.close();
    follower = null;
    return height;
  }

  private PolicyId policy() {
    return LedgerState.policyIdFor(sequencer.ledger(), alice.address(), 0);
  }

  @Test
  void restart_withStoredBlocks_resumesAtStoredHeadBeforeHearingFromTheLedger() throws Exception {
    long height = followThroughGrant(FollowerStore.DEFAULT_SNAPSHOT_INTERVAL);
    assertThat(storeDir.resolve(StateSnapshot.FILE_NAME)).doesNotExist();

    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.view().height()).isGreaterThanOrEqualTo(height);
    assertThat(follower.view().lastContact()).as("not heard from the ledger yet: stale").isZero();
    Decision d = follower.evaluate(policy(), bob.address());
    assertThat(d.allowed()).isTrue();
  }

  @Test
  void restart_withSnapshot_resumesFromItAndMatchesTheLedger() throws Exception {
    followThroughGrant(1);
    assertThat(storeDir.resolve(StateSnapshot.FILE_NAME)).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storeDir.resolve(StateSnapshot.FILE_NAME))))
        .isEqualTo("rw-------");
    StateSnapshot.Loaded snapshot = StateSnapshot.read(storeDir);
    assertThat(snapshot.contents().policies()).containsKey(policy());

    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.view().height()).isGreaterThanOrEqualTo(snapshot.head().height());
    assertThat(follower.evaluate(policy(), bob.address()).allowed()).isTrue();
    assertThat(follower.evaluate(policy(), alice.address()).allowed()).isFalse();
  }

  @Test
  void restart_damagedSnapshot_isRefusedAndStateRebuiltFromBlocks() throws Exception {
    followThroughGrant(1);
    Path file = storeDir.resolve(StateSnapshot.FILE_NAME);
    byte[] bytes = Files.readAllBytes(file);
    // drop bob from the snapshot's bytes would need a valid CRC; flipping any byte must be caught
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(file, bytes);
    assertThatThrownBy(() -> StateSnapshot.read(storeDir)).isInstanceOf(IOException.class)
        .hasMessageContaining("CRC32C");

    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.evaluate(policy(), bob.address()).allowed()).isTrue();
  }

  @Test
  void restart_snapshotNamingAnotherGenesis_isNotUsed() throws Exception {
    followThroughGrant(1);
    StateSnapshot.Loaded real = StateSnapshot.read(storeDir);
    // a well-formed snapshot at the right block, but of another ledger's genesis and without the policy
    StateSnapshot.write(storeDir, new byte[32], real.head(), new LedgerState());
    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.evaluate(policy(), bob.address()).allowed()).as("rebuilt from the blocks").isTrue();
  }

  @Test
  void restart_snapshotAtABlockTheStoreDoesNotHold_isNotUsed() throws Exception {
    followThroughGrant(1);
    StateSnapshot.Loaded real = StateSnapshot.read(storeDir);
    Block forged = Block.sign(Identity.generate(RANDOM), LEDGER, real.head().height(), real.head().previousHash(),
        real.head().timestamp(), java.util.List.of());
    StateSnapshot.write(storeDir, real.genesisHash(), forged, new LedgerState());
    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.evaluate(policy(), bob.address()).allowed()).as("rebuilt from the blocks").isTrue();
  }

  @Test
  void snapshot_ofAnotherVersion_isRefusedNamingTheVersion() throws Exception {
    followThroughGrant(1);
    Path file = storeDir.resolve(StateSnapshot.FILE_NAME);
    byte[] bytes = Files.readAllBytes(file);
    bytes[4] = 2;
    Files.write(file, bytes);
    assertThatThrownBy(() -> StateSnapshot.read(storeDir)).isInstanceOf(IOException.class)
        .hasMessageContaining("version 2");
    follower = Follower.start(vertx, config(DEAD_LEDGER, sequencerKey), storeDir);
    assertThat(follower.evaluate(policy(), bob.address()).allowed()).isTrue();
  }

  @Test
  void restart_storeOfAnotherSequencer_isRefused() throws Exception {
    followThroughGrant(FollowerStore.DEFAULT_SNAPSHOT_INTERVAL);
    Identity impostor = Identity.generate(RANDOM);
    assertThatThrownBy(() -> Follower.start(vertx, config(DEAD_LEDGER, impostor), storeDir))
        .isInstanceOf(IOException.class).hasMessageContaining("not this ledger's sequencer's");
  }

  @Test
  void store_appendThatDoesNotContinueTheChain_isRefused() throws Exception {
    followThroughGrant(FollowerStore.DEFAULT_SNAPSHOT_INTERVAL);
    Block genesis = sequencer.blocksFrom(0, 1).get(0);
    try (FollowerStore store = FollowerStore.open(storeDir, b -> { })) {
      assertThatThrownBy(() -> store.append(java.util.List.of(genesis)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not continue");
    }
  }
}
