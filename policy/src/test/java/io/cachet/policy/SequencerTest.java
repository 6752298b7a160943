package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.JournalCorruptedException;
import io.cachet.policy.journal.SignedHeightMark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequencer on real files: durability across restarts, group commit under concurrency,
 * refusals, heartbeats, and recovery from a torn, corrupted or foreign journal.
 */
class SequencerTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final String LEDGER = "cachet-test";
  static final Duration HEARTBEAT = Duration.ofMillis(150);
  /** For tests that must not see heartbeat blocks: nothing is cut unless a transaction waits. */
  static final Duration NO_HEARTBEAT = Duration.ofHours(1);

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
    return open(heartbeat, sequencerKey);
  }

  private Sequencer open(Duration heartbeat, Identity key) throws IOException {
    sequencer = Sequencer.open(new Sequencer.Config(dir, LEDGER, heartbeat, Clock.systemUTC()), key);
    return sequencer;
  }

  private void reopen(Duration heartbeat) throws IOException {
    sequencer.close();
    sequencer = null;
    open(heartbeat);
  }

  private Path journal() {
    return dir.resolve("ledger.journal");
  }

  /** {@code op} signed by {@code who} for the open sequencer's ledger. */
  private Transaction sign(Identity who, long nonce, Operation op) {
    return Transaction.sign(who, sequencer.ledger(), nonce, op);
  }

  private PolicyId policyIdFor(Address owner, long nonce) {
    return LedgerState.policyIdFor(sequencer.ledger(), owner, nonce);
  }

  /** The signed-height mark as a crash inside the append after {@code last} leaves it. */
  private void markCrashBefore(Block last) throws IOException {
    new SignedHeightMark(last.height(), last.hash()).write(dir);
  }

  private static Sequencer.Committed commit(Sequencer s, Transaction tx) throws Exception {
    return s.submit(tx).get(10, TimeUnit.SECONDS);
  }

  /** The exception a future failed with, unwrapped; fails the test if it succeeded. */
  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      Object v = f.get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  static Set<String> digestsInChain(Sequencer s) {
    Set<String> out = new HashSet<>();
    for (Block b : s.blocksFrom(0, Integer.MAX_VALUE)) {
      for (Transaction tx : b.transactions()) {
        assertThat(out.add(Hex.to0x(tx.digest()))).as("transaction included twice: %s", tx).isTrue();
      }
    }
    return out;
  }

  /**
   * {start offset, payload offset, payload length} of every block's record, found from where each
   * block's own bytes sit in the file, so the test does not depend on the journal's header sizes.
   */
  private static List<long[]> records(byte[] file, List<Block> chain) {
    List<long[]> out = new ArrayList<>();
    int from = 0;
    for (Block b : chain) {
      byte[] enc = b.encoded();
      int at = indexOf(file, enc, from);
      assertThat(at).as("block %d in the journal", b.height()).isGreaterThanOrEqualTo(0);
      out.add(new long[] {-1, at, enc.length});
      from = at + enc.length;
    }
    assertThat(from).as("last record ends the file").isEqualTo(file.length);
    assertThat(out).hasSizeGreaterThan(1);
    long header = out.get(1)[1] - (out.get(0)[1] + out.get(0)[2]);
    assertThat(header).isPositive();
    for (int k = 0; k < out.size(); k++) {
      long[] r = out.get(k);
      r[0] = r[1] - header;
      if (k > 0) {
        assertThat(r[0]).as("records are back to back").isEqualTo(out.get(k - 1)[1] + out.get(k - 1)[2]);
      }
    }
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Three transaction blocks after genesis: create, grant, grant. Returns the owner. */
  private Identity commitThreeBlocks(Sequencer s) throws Exception {
    Identity alice = Identity.generate(RANDOM);
    PolicyId id = policyIdFor(alice.address(), 0);
    commit(s, sign(alice, 0, new Operation.CreateAllowList()));
    commit(s, sign(alice, 1,
        new Operation.AddMember(id, Identity.generate(RANDOM).address(), Window.ALWAYS)));
    commit(s, sign(alice, 2,
        new Operation.AddMember(id, Identity.generate(RANDOM).address(), new Window(5, 10))));
    return alice;
  }

  // ---------------------------------------------------------------- start and durability

  @Test
  void open_emptyDirectory_cutsGenesisAtHeightZero() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    Block genesis = s.head();
    assertThat(genesis.height()).isZero();
    assertThat(genesis.previousHash()).isEqualTo(Block.GENESIS_PARENT);
    assertThat(genesis.transactions()).isEmpty();
    assertThat(genesis.ledgerId()).isEqualTo(LEDGER);
    genesis.verifySignature(sequencerKey.verifyingKey());
    assertThat(s.recovery().records()).isZero();
    assertThat(s.recovery().truncated()).isFalse();
    assertThat(Files.size(journal())).isGreaterThan(genesis.encoded().length);
    assertThat(s.state().policies()).isEmpty();
  }

  @Test
  void submit_committedTransactions_surviveCloseAndReopen() throws Exception {
    Sequencer s = open(HEARTBEAT);
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    Identity carol = Identity.generate(RANDOM);
    PolicyId list = policyIdFor(alice.address(), 0);
    Sequencer.Committed first = commit(s, sign(alice, 0, new Operation.CreateAllowList()));
    commit(s, sign(alice, 1, new Operation.AddMember(list, bob.address(), new Window(10, 20))));
    commit(s, sign(alice, 2, new Operation.AddAdmin(list, carol.address())));
    commit(s, sign(carol, 0, new Operation.AddMember(list, carol.address(), Window.ALWAYS)));
    commit(s, sign(bob, 0, new Operation.CreateTimeLock(1234)));
    Sequencer.Committed last = commit(s, sign(alice, 3, new Operation.ChangeWindow(list, bob.address(),
        new Window(15, 25))));
    assertThat(last.height()).isGreaterThan(first.height());
    Block committedBlock = s.blocksFrom(last.height(), 1).get(0);
    assertThat(committedBlock.timestamp()).isEqualTo(last.ledgerTime());
    assertThat(committedBlock.transactions()).extracting(tx -> Hex.to0x(tx.digest()))
        .contains(Hex.to0x(last.digest()));

    Block head = s.head();
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    Map<PolicyId, Policy> policies = s.state().policies();
    Map<Address, Long> nonces = s.state().nonces();
    s.close();
    sequencer = null;

    Sequencer again = open(HEARTBEAT);
    // heartbeats may add empty blocks right after the restart; the replayed prefix is what matters
    assertThat(again.recovery().records()).isEqualTo(head.height() + 1);
    assertThat(again.recovery().truncated()).isFalse();
    assertThat(again.blocksFrom(0, chain.size())).isEqualTo(chain);
    assertThat(again.head().height()).isGreaterThanOrEqualTo(head.height());
    assertThat(again.state().policies()).isEqualTo(policies).hasSize(2);
    assertThat(again.state().nonces()).isEqualTo(nonces);
    assertThat(again.state().nextNonce(alice.address())).isEqualTo(4);

    // and it goes on from there: the next block follows the replayed head
    Sequencer.Committed next = commit(again, sign(alice, 4,
        new Operation.RemoveMember(list, bob.address())));
    Block nextBlock = again.blocksFrom(next.height(), 1).get(0);
    assertThat(nextBlock.previousHash()).isEqualTo(again.blocksFrom(next.height() - 1, 1).get(0).hash());
  }

  @Test
  void open_sameDirectoryTwice_secondIsRefused() throws Exception {
    open(NO_HEARTBEAT);
    assertThatThrownBy(() -> Sequencer.open(new Sequencer.Config(dir, LEDGER, NO_HEARTBEAT, Clock.systemUTC()),
        sequencerKey)).isInstanceOf(IOException.class).hasMessageContaining("already open");
  }

  @Test
  void submit_afterClose_failsWithIOException() throws Exception {
    Sequencer s = open(HEARTBEAT);
    s.close();
    sequencer = null;
    Throwable t = failure(s.submit(Transaction.sign(Identity.generate(RANDOM), s.ledger(), 0,
        new Operation.CreateAllowList())));
    assertThat(t).isInstanceOf(IOException.class).hasMessageContaining("stopped");
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void submit_refusedTransactions_failWithReason_andAreInNoBlock() throws Exception {
    Sequencer s = open(HEARTBEAT);
    Identity alice = Identity.generate(RANDOM);
    Identity mallory = Identity.generate(RANDOM);
    PolicyId list = policyIdFor(alice.address(), 0);
    Transaction create = sign(alice, 0, new Operation.CreateAllowList());
    commit(s, create);

    Transaction skipsNonce = sign(mallory, 1, new Operation.CreateAllowList());
    Transaction stranger = sign(mallory, 0, new Operation.AddMember(list, mallory.address(),
        Window.ALWAYS));
    Transaction replay = create;
    byte[] forged = sign(alice, 1, new Operation.AddMember(list, mallory.address(), Window.ALWAYS))
        .encoded();
    forged[forged.length - 1] ^= 1;
    Transaction badSignature = Transaction.decode(forged);
    Transaction valid = sign(alice, 1, new Operation.AddMember(list, alice.address(), Window.ALWAYS));

    // all in flight together, so they share blocks with a valid transaction
    CompletableFuture<Sequencer.Committed> f1 = s.submit(skipsNonce);
    CompletableFuture<Sequencer.Committed> f2 = s.submit(stranger);
    CompletableFuture<Sequencer.Committed> f3 = s.submit(replay);
    CompletableFuture<Sequencer.Committed> f4 = s.submit(badSignature);
    CompletableFuture<Sequencer.Committed> f5 = s.submit(valid);

    assertThat(failure(f1)).isInstanceOfSatisfying(TransactionRefusedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_NONCE));
    assertThat(failure(f2)).isInstanceOfSatisfying(TransactionRefusedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AUTHORIZED));
    assertThat(failure(f3)).isInstanceOfSatisfying(TransactionRefusedException.class, e -> {
      assertThat(e.reason()).isEqualTo(Reason.BAD_NONCE);
      assertThat(e.getMessage()).contains("already used");
    });
    assertThat(failure(f4)).isInstanceOfSatisfying(TransactionRefusedException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    Sequencer.Committed ok = f5.get(10, TimeUnit.SECONDS);

    Set<String> inChain = digestsInChain(s);
    assertThat(inChain).contains(Hex.to0x(create.digest()), Hex.to0x(valid.digest()))
        .doesNotContain(Hex.to0x(skipsNonce.digest()), Hex.to0x(stranger.digest()),
            Hex.to0x(badSignature.digest()));
    assertThat(s.blocksFrom(ok.height(), 1).get(0).transactions()).containsExactly(valid);
    assertThat(s.state().nextNonce(mallory.address())).isZero();
    assertThat(((AllowList) s.state().policy(list)).members()).containsOnlyKeys(alice.address());

    // a refusal costs the sender nothing: its nonce 0 is still free
    commit(s, sign(mallory, 0, new Operation.CreateAllowList()));
    assertThat(s.state().nextNonce(mallory.address())).isEqualTo(1);
  }

  @Test
  void submit_garbageSenderKeys_refusedAsBadSignature_andLedgerKeepsRunning() throws Exception {
    Sequencer s = open(HEARTBEAT);
    byte[] smallOrder = new byte[32];
    smallOrder[0] = 1; // the identity point
    byte[] notOnCurve = new byte[32];
    Arrays.fill(notOnCurve, (byte) 0xff);
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    List<CompletableFuture<Sequencer.Committed>> hostile = new ArrayList<>();
    for (byte[] key : List.of(new byte[32], smallOrder, notOnCurve, random)) {
      for (byte[] sig : List.of(new byte[64], randomBytes(64))) {
        byte[] encoded = io.cachet.crypto.codec.CanonicalWriter.tagged(Transaction.TAG).string8(LEDGER)
            .fixed(s.ledger().genesisDigest()).fixed(key).u64(0).u8(1)
            .fixed(sig).toByteArray();
        hostile.add(s.submit(Transaction.decode(encoded)));
      }
    }
    Identity alice = Identity.generate(RANDOM);
    CompletableFuture<Sequencer.Committed> valid = s.submit(sign(alice, 0, new Operation.CreateAllowList()));
    for (CompletableFuture<Sequencer.Committed> f : hostile) {
      assertThat(failure(f)).isInstanceOfSatisfying(TransactionRefusedException.class,
          e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }
    valid.get(10, TimeUnit.SECONDS);
    assertThat(s.failure()).isNull();
    commit(s, sign(alice, 1, new Operation.CreateAllowList()));
  }

  @Test
  void submit_null_isRejected_andLedgerKeepsRunning() throws Exception {
    Sequencer s = open(HEARTBEAT);
    Identity alice = Identity.generate(RANDOM);
    assertThatThrownBy(() -> s.submit(null)).isInstanceOf(NullPointerException.class);
    commit(s, sign(alice, 0, new Operation.CreateAllowList()));
    assertThat(s.failure()).isNull();
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- heartbeat

  @Test
  void heartbeat_noSubmissions_headAdvancesWithEmptyBlocks() throws Exception {
    Sequencer s = open(HEARTBEAT);
    long start = s.head().height();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.head().height() < start + 5 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(s.head().height()).as("heartbeat blocks within the deadline").isGreaterThanOrEqualTo(start + 5);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    for (int i = 1; i < chain.size(); i++) {
      Block b = chain.get(i);
      assertThat(b.transactions()).isEmpty();
      assertThat(b.follows(chain.get(i - 1))).isTrue();
      long gap = b.timestamp() - chain.get(i - 1).timestamp();
      // a heartbeat is cut only once the heartbeat has passed since the last block (no busy loop);
      // the upper bound is a generous sanity check, not a performance claim
      assertThat(gap).isGreaterThanOrEqualTo(HEARTBEAT.toMillis()).isLessThan(HEARTBEAT.toMillis() + 5_000);
    }
  }

  @Test
  void awaitHeight_completesWhenTheChainGetsThere() throws Exception {
    Sequencer s = open(HEARTBEAT);
    long target = s.head().height() + 2;
    CompletableFuture<Long> f = s.awaitHeight(target);
    assertThat(f.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(target);
    assertThat(s.head().height()).isGreaterThanOrEqualTo(target);
    assertThat(s.awaitHeight(0)).isCompleted();
  }

  // ---------------------------------------------------------------- recovery

  @Test
  void open_journalTornAtEveryOffsetOfLastRecord_dropsOnlyThatBlock() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    Identity alice = commitThreeBlocks(s);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    assertThat(chain).hasSize(4);
    Block previous = chain.get(2);
    s.close();
    sequencer = null;

    byte[] full = Files.readAllBytes(journal());
    List<long[]> records = records(full, chain);
    int lastStart = (int) records.get(3)[0];
    // the state as of the previous block, from a fresh replay of the first three blocks
    ChainValidator expected = new ChainValidator(LEDGER, sequencerKey.verifyingKey(), new LedgerState());
    for (Block b : chain.subList(0, 3)) {
      expected.apply(b);
    }
    Map<PolicyId, Policy> policiesBefore = expected.state().policies();

    // a crash inside the last append: the signed-height mark, written after the journal's fsync,
    // still names the previous block, so that block's replacement is no second block at a height
    markCrashBefore(previous);
    int checked = 0;
    for (int cut = lastStart + 1; cut < full.length; cut++) {
      Files.write(journal(), Arrays.copyOf(full, cut));
      try (Sequencer torn = Sequencer.open(new Sequencer.Config(dir, LEDGER, NO_HEARTBEAT, Clock.systemUTC()),
          sequencerKey)) {
        assertThat(torn.recovery().truncated()).as("cut at %d", cut).isTrue();
        assertThat(torn.recovery().bytesDropped()).as("cut at %d", cut).isEqualTo(cut - lastStart);
        assertThat(torn.recovery().records()).isEqualTo(3);
        assertThat(torn.head()).as("cut at %d", cut).isEqualTo(previous);
        assertThat(torn.state().policies()).isEqualTo(policiesBefore);
        assertThat(torn.state().nextNonce(alice.address())).isEqualTo(2);
      }
      assertThat(Files.size(journal())).as("truncated to the previous record").isEqualTo(lastStart);
      checked++;
    }
    assertThat(checked).isEqualTo(full.length - lastStart - 1).isGreaterThan(100);

    // a last record complete in length but failing its CRC is a torn write too
    byte[] flipped = full.clone();
    flipped[full.length - 10] ^= 0x40;
    Files.write(journal(), flipped);
    try (Sequencer torn = Sequencer.open(new Sequencer.Config(dir, LEDGER, NO_HEARTBEAT, Clock.systemUTC()),
        sequencerKey)) {
      assertThat(torn.recovery().truncated()).isTrue();
      assertThat(torn.head()).isEqualTo(previous);
    }

    // from a torn state, the ledger carries on and the new block survives another restart
    Files.write(journal(), Arrays.copyOf(full, lastStart + (full.length - lastStart) / 2));
    Sequencer recovered = open(NO_HEARTBEAT);
    assertThat(recovered.recovery().truncated()).isTrue();
    Transaction retry = sign(alice, 2, new Operation.CreateTimeLock(99));
    Sequencer.Committed c = commit(recovered, retry);
    assertThat(c.height()).isEqualTo(previous.height() + 1);
    Block replacement = recovered.head();
    reopen(NO_HEARTBEAT);
    assertThat(sequencer.recovery().truncated()).isFalse();
    assertThat(sequencer.head()).isEqualTo(replacement);
    assertThat(sequencer.head().previousHash()).isEqualTo(previous.hash());
    assertThat(sequencer.state().nextNonce(alice.address())).isEqualTo(3);
    assertThat(sequencer.state().policy(policyIdFor(alice.address(), 2))).isInstanceOf(TimeLock.class);
  }

  @Test
  void open_journalCutAtRecordBoundary_keepsWholeRecordsWithoutTruncating() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    Block previous = chain.get(2);
    s.close();
    sequencer = null;
    byte[] full = Files.readAllBytes(journal());
    Files.write(journal(), Arrays.copyOf(full, (int) records(full, chain).get(3)[0]));
    markCrashBefore(previous);
    Sequencer again = open(NO_HEARTBEAT);
    assertThat(again.recovery().truncated()).isFalse();
    assertThat(again.head()).isEqualTo(previous);
  }

  @Test
  void open_corruptMiddleRecord_refusesNamingFileAndOffset_andLeavesFileAlone() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    s.close();
    sequencer = null;
    byte[] bytes = Files.readAllBytes(journal());
    long[] second = records(bytes, chain).get(1);
    bytes[(int) second[1] + 20] ^= 0x01; // inside block 1's payload
    Files.write(journal(), bytes);

    Throwable t = catchThrowable(() -> open(NO_HEARTBEAT));
    assertThat(t).isInstanceOf(IOException.class)
        .hasMessageContaining(journal().toString())
        .hasMessageContaining("offset " + second[0]);
    assertThat(t).isInstanceOfSatisfying(JournalCorruptedException.class,
        e -> assertThat(e.offset()).isEqualTo(second[0]));
    assertThat(Files.readAllBytes(journal())).isEqualTo(bytes);
    // and refusing did not leave the journal locked: a second attempt refuses the same way
    assertThatThrownBy(() -> open(NO_HEARTBEAT)).isInstanceOf(JournalCorruptedException.class);
  }

  @Test
  void open_blockTamperedWithValidChecksums_refusesAsInvalidBlock() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    s.close();
    sequencer = null;
    // rewrite the journal through the journal itself, so every checksum is right and only the
    // block is wrong: one bit of block 1's signature flipped
    Files.delete(journal());
    try (Journal j = Journal.open(journal(), record -> {})) {
      for (Block b : chain) {
        byte[] enc = b.encoded();
        if (b.height() == 1) {
          enc[enc.length - 1] ^= 0x01;
        }
        j.append(enc);
      }
    }
    byte[] bytes = Files.readAllBytes(journal());

    // the replay checks the head's signature only; block 2 names block 1's true hash, so the
    // tampered block 1 breaks the chain there
    assertThatThrownBy(() -> open(NO_HEARTBEAT)).isInstanceOf(IOException.class)
        .hasMessageContaining("invalid block")
        .hasMessageContaining("does not follow");
    assertThat(Files.readAllBytes(journal())).isEqualTo(bytes);
  }

  @Test
  void open_journalWithBlocksOutOfOrder_refusesAsInvalidBlock() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    List<Block> chain = s.blocksFrom(0, Integer.MAX_VALUE);
    s.close();
    sequencer = null;
    Files.delete(journal());
    try (Journal j = Journal.open(journal(), record -> {})) {
      for (Block b : List.of(chain.get(0), chain.get(2), chain.get(1), chain.get(3))) {
        j.append(b.encoded());
      }
    }
    assertThatThrownBy(() -> open(NO_HEARTBEAT)).isInstanceOf(IOException.class)
        .hasMessageContaining("invalid block")
        .hasMessageContaining("does not follow");
  }

  @Test
  void open_journalOfAnotherSequencerKey_refusesAsInvalidBlock() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    s.close();
    sequencer = null;
    byte[] bytes = Files.readAllBytes(journal());

    Identity impostor = Identity.generate(RANDOM);
    assertThatThrownBy(() -> open(NO_HEARTBEAT, impostor)).isInstanceOf(IOException.class)
        .hasMessageContaining("invalid block");
    assertThat(Files.readAllBytes(journal())).isEqualTo(bytes);
    // the right key still opens it
    assertThat(open(NO_HEARTBEAT).head().height()).isEqualTo(3);
  }

  @Test
  void open_journalOfAnotherLedgerId_refusesAsInvalidBlock() throws Exception {
    Sequencer s = open(NO_HEARTBEAT);
    commitThreeBlocks(s);
    s.close();
    sequencer = null;
    assertThatThrownBy(() -> Sequencer.open(new Sequencer.Config(dir, "other-ledger", NO_HEARTBEAT,
        Clock.systemUTC()), sequencerKey)).isInstanceOf(IOException.class).hasMessageContaining("invalid block");
  }
}
