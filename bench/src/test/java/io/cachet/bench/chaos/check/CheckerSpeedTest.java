package io.cachet.bench.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.bench.chaos.check.AuditReleases.Release;
import io.cachet.bench.chaos.check.CheckReport.Invariant;
import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Block;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.journal.Journal;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker at a soak's size: a journal of real signed blocks (2,000 by default, 17 minutes of
 * 500 ms heartbeats; {@code -Dcachet.checker.blocks=20000} for a long soak's three hours), members
 * added along the way, and ten releases per block at random heights, a few of them unjustified.
 * Prints blocks/s and releases/s; asserts only what was found, never how fast (the machine may be
 * loaded).
 *
 * <p>{@code mvn -B -o -pl bench -am verify -Dtest=CheckerSpeedTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcachet.checker.blocks=20000}
 */
class CheckerSpeedTest {
  /** Blocks in the journal, genesis included. */
  private static final int BLOCKS = Integer.getInteger("cachet.checker.blocks", 2_000);
  /** Releases checked against them. */
  private static final int RELEASES = 10 * BLOCKS;
  /** Every this many blocks, one carries a member's grant. */
  private static final int GRANT_EVERY = 50;
  /** Releases to someone never granted, among the rest. */
  private static final int FORGED = 7;
  private static final String LEDGER = "speed-ledger";

  @TempDir Path dir;

  @Test
  void longChainAndManyReleases_checkedInOnePass_findingExactlyTheForgedOnes() throws Exception {
    SecureRandom random = new SecureRandom();
    Identity sequencer = Identity.generate(random);
    Identity owner = Identity.generate(random);
    long t0 = 1_800_000_000_000L;
    List<byte[]> encoded = new ArrayList<>(BLOCKS);
    Block genesis = Block.sign(sequencer, LEDGER, 0, Block.GENESIS_PARENT, t0, List.of());
    encoded.add(genesis.encoded());
    LedgerRef ledger = LedgerRef.of(genesis);
    PolicyId policy = LedgerState.policyIdFor(ledger, owner.address(), 0);
    List<Address> members = new ArrayList<>();
    List<Long> grantedAt = new ArrayList<>();
    Block previous = genesis;
    long nonce = 0;
    for (int h = 1; h < BLOCKS; h++) {
      List<Transaction> txs = new ArrayList<>();
      if (h == 1) {
        txs.add(Transaction.sign(owner, ledger, nonce++, new Operation.CreateAllowList()));
      } else if (h % GRANT_EVERY == 0) {
        Address member = Identity.generate(random).address();
        txs.add(Transaction.sign(owner, ledger, nonce++, new Operation.AddMember(policy, member, Window.ALWAYS)));
        members.add(member);
        grantedAt.add((long) h);
      }
      Block b = Block.sign(sequencer, LEDGER, h, previous.hash(), t0 + h * 500L, txs);
      encoded.add(b.encoded());
      previous = b;
    }
    Path journal = dir.resolve("ledger.journal");
    try (Journal j = Journal.open(journal, x -> { })) {
      j.append(encoded);
    }
    ChainHistory.Trust trust = new ChainHistory.Trust(LEDGER, sequencer.verifyingKey(), genesis.hash());

    ChainHistory chain = ChainHistory.fromJournal(journal, trust);
    SplittableRandom pick = new SplittableRandom(16);
    List<Release> releases = new ArrayList<>(RELEASES);
    Address stranger = Identity.generate(random).address();
    for (int i = 0; i < RELEASES; i++) {
      long height;
      Address who;
      if (i < FORGED) {
        height = 1 + pick.nextLong(BLOCKS - 1);
        who = stranger;
      } else {
        int m = pick.nextInt(members.size());
        height = grantedAt.get(m) + pick.nextLong(BLOCKS - grantedAt.get(m));
        who = members.get(m);
      }
      releases.add(new Release("ks-" + (1 + i % 3), i, who, policy, ObjectId.random(random), 1, LEDGER, height,
          chain.ledgerTime(height), 0));
    }
    CheckReport.Builder report = new CheckReport.Builder();
    long started = System.nanoTime();
    ReleaseCheck.check(chain, releases, report);
    long releaseNanos = System.nanoTime() - started;
    CheckReport.Speed speed = new CheckReport.Speed(chain.blockCount(), chain.validationNanos(), RELEASES,
        releaseNanos);
    CheckReport done = report.speed(speed).build();

    assertThat(chain.head()).isEqualTo(BLOCKS - 1);
    assertThat(done.tally(Invariant.NO_UNAUTHORIZED_RELEASE).checked()).isEqualTo(RELEASES);
    assertThat(done.violations()).hasSize(FORGED).allSatisfy(v -> assertThat(v.what()).contains(stranger.toString()));
    System.out.printf("checker speed: %d blocks (%d with a transaction) validated at %.0f blocks/s;"
        + " %d releases checked at %.0f releases/s%n", chain.blockCount(), members.size() + 1, speed.blocksPerSecond(),
        RELEASES, speed.releasesPerSecond());
  }
}
