package io.cachet.policy;

import static io.cachet.policy.SequencerTest.HEARTBEAT;
import static io.cachet.policy.SequencerTest.LEDGER;
import static io.cachet.policy.SequencerTest.NO_HEARTBEAT;
import static io.cachet.policy.SequencerTest.RANDOM;
import static io.cachet.policy.SequencerTest.digestsInChain;
import static io.cachet.policy.SequencerTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The sequencer under load, on real files: group commit of many transactions in flight at once,
 * and blocks that stay within what readers accept when megabytes of transactions wait together.
 * Their time goes to verifying tens of thousands of signatures on one sequencer thread, so the
 * class runs beside the module's others, its own tests one after the other.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("SequencerLoadTest")
class SequencerLoadTest {
  @TempDir Path dir;
  private final Identity sequencerKey = Identity.generate(RANDOM);
  private Sequencer sequencer;

  @AfterEach
  void close() throws IOException {
    if (sequencer != null) {
      sequencer.close();
    }
  }

  private Sequencer open(Duration heartbeat) throws IOException {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, heartbeat, Clock.systemUTC()), sequencerKey);
    return sequencer;
  }

  /** {@code op} signed by {@code who} for the open sequencer's ledger. */
  private Transaction sign(Identity who, long nonce, Operation op) {
    return Transaction.sign(who, sequencer.ledger(), nonce, op);
  }

  private PolicyId policyIdFor(Address owner, long nonce) {
    return LedgerState.policyIdFor(sequencer.ledger(), owner, nonce);
  }

  @Test
  void submit_500ConcurrentFrom50Identities_allCommittedInFewerBlocks() throws Exception {
    Sequencer s = open(HEARTBEAT);
    int identities = 50;
    int perIdentity = 10;
    List<Identity> owners = new ArrayList<>();
    for (int i = 0; i < identities; i++) {
      owners.add(Identity.generate(RANDOM));
    }
    // sign everything up front so the threads do nothing but submit
    Map<Identity, List<Transaction>> txs = new HashMap<>();
    for (Identity owner : owners) {
      PolicyId id = policyIdFor(owner.address(), 0);
      List<Transaction> mine = new ArrayList<>();
      mine.add(sign(owner, 0, new Operation.CreateAllowList()));
      for (int n = 1; n < perIdentity; n++) {
        mine.add(sign(owner, n,
            new Operation.AddMember(id, Identity.generate(RANDOM).address(), Window.ALWAYS)));
      }
      txs.put(owner, mine);
    }
    long before = s.head().height();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(identities);
    List<Future<List<Sequencer.Committed>>> results = new ArrayList<>();
    try {
      for (Identity owner : owners) {
        results.add(pool.submit(() -> {
          go.await();
          // each identity's nonces in order from its own thread; all in flight at once
          List<CompletableFuture<Sequencer.Committed>> mine = new ArrayList<>();
          for (Transaction tx : txs.get(owner)) {
            mine.add(s.submit(tx));
          }
          List<Sequencer.Committed> out = new ArrayList<>();
          for (CompletableFuture<Sequencer.Committed> f : mine) {
            out.add(f.get(20, TimeUnit.SECONDS));
          }
          return out;
        }));
      }
      go.countDown();
      Set<Long> heights = new HashSet<>();
      int committed = 0;
      for (Future<List<Sequencer.Committed>> r : results) {
        List<Sequencer.Committed> mine = r.get(30, TimeUnit.SECONDS);
        for (int i = 1; i < mine.size(); i++) {
          assertThat(mine.get(i).height()).as("nonce order within an identity")
              .isGreaterThanOrEqualTo(mine.get(i - 1).height());
        }
        mine.forEach(c -> heights.add(c.height()));
        committed += mine.size();
      }
      assertThat(committed).isEqualTo(identities * perIdentity);
      assertThat(heights).allSatisfy(h -> assertThat(h).isGreaterThan(before));
      assertThat(heights.size()).as("blocks holding 500 transactions").isLessThan(identities * perIdentity);
    } finally {
      pool.shutdownNow();
    }

    Set<String> inChain = digestsInChain(s);
    for (List<Transaction> mine : txs.values()) {
      for (Transaction tx : mine) {
        assertThat(inChain).contains(Hex.to0x(tx.digest()));
      }
    }
    assertThat(inChain).hasSize(identities * perIdentity);
    for (Identity owner : owners) {
      assertThat(s.state().nextNonce(owner.address())).isEqualTo(perIdentity);
      AllowList list = (AllowList) s.state().policy(policyIdFor(owner.address(), 0));
      assertThat(list.members()).hasSize(perIdentity - 1);
    }

    // the chain as written replays through a fresh validator to the very same state
    ChainValidator replay = new ChainValidator(LEDGER, sequencerKey.verifyingKey(), new LedgerState());
    for (Block b : s.blocksFrom(0, Integer.MAX_VALUE)) {
      replay.apply(b);
    }
    assertThat(replay.state().policies()).isEqualTo(s.state().policies());
    assertThat(replay.state().nonces()).isEqualTo(s.state().nonces());
  }

  /** The system clock, except that a test can hold the commit loop when it next reads the time. */
  private static final class GateClock extends Clock {
    volatile CountDownLatch gate;

    @Override
    public long millis() {
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return System.currentTimeMillis();
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.ofEpochMilli(millis());
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void submit_manyLargeTransactions_everyBlockStaysDecodable() throws Exception {
    // certificates are the largest transactions (up to 64 node signatures, which anyone can make
    // with keys of their own); over 8 MiB of them waiting at once must not become one block larger
    // than Block.decode, followers and the sequencer's own replay accept
    GateClock clock = new GateClock();
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, NO_HEARTBEAT, clock), sequencerKey);
    Sequencer s = sequencer;
    byte[] blob = randomBytes(32);
    byte[] confirmation = Operation.RecordCertificate.confirmationBytes(blob, 1_000, 7);
    List<Operation.NodeSignature> sigs = new ArrayList<>();
    for (int i = 0; i < Operation.RecordCertificate.MAX_SIGNATURES; i++) {
      Identity node = Identity.generate(RANDOM);
      sigs.add(new Operation.NodeSignature(String.format("node-%03d-", i) + "x".repeat(55), node.verifyingKey(),
          node.sign(confirmation)));
    }
    // the operator names those nodes the storage committee, or their certificates would be refused
    s.submit(sign(sequencerKey, 0, new Operation.SetStorageCommittee(sigs.stream()
        .map(x -> new Operation.CommitteeMember(x.nodeId(), x.nodeKey())).toList(), 1))).get(30, TimeUnit.SECONDS);
    Identity sender = Identity.generate(RANDOM);
    Operation.RecordCertificate cert = new Operation.RecordCertificate(blob, 1_000, 7, sigs);
    int txBytes = sign(sender, 0, cert).encoded().length;
    int count = (int) ((Block.MAX_ENCODED_BYTES + (256L << 10)) / txBytes) + 1;
    List<Transaction> txs = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      txs.add(sign(sender, n, cert));
    }
    // all of them in one block would be more than a reader accepts, so no block that size is made
    assertThatThrownBy(() -> Block.sign(sequencerKey, LEDGER, 1, Block.GENESIS_PARENT, 0, txs))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds");

    // hold the commit loop at its next clock read, so nearly all of them wait together
    clock.gate = new CountDownLatch(1);
    CountDownLatch release = clock.gate;
    List<CompletableFuture<Sequencer.Committed>> pending = new ArrayList<>();
    for (Transaction tx : txs) {
      pending.add(s.submit(tx));
    }
    clock.gate = null;
    release.countDown();
    for (CompletableFuture<Sequencer.Committed> f : pending) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(s.failure()).isNull();
    int total = 0;
    for (Block b : s.blocksFrom(0, Integer.MAX_VALUE)) {
      assertThat(b.encoded().length).as("block %d", b.height()).isLessThanOrEqualTo(Block.MAX_ENCODED_BYTES);
      assertThat(Block.decode(b.encoded())).isEqualTo(b);
      total += b.transactions().size();
    }
    assertThat(total).isEqualTo(count + 1);
    assertThat(s.state().nextNonce(sender.address())).isEqualTo(count);
  }
}
