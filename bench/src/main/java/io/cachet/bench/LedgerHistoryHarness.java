package io.cachet.bench;

import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.KeyServer;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.policy.Block;
import io.cachet.policy.Follower;
import io.cachet.policy.FollowerStore;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.cachet.policy.journal.Journal;
import io.cachet.policy.journal.SignedHeightMark;
import io.cachet.policy.server.LedgerServer;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a long history costs: memory of the sequencer and of a follower, and a key server's
 * restart time, with one million blocks (by default) on disk.
 *
 * <p>The history is made for real but fast: blocks signed by the sequencer's key (mostly empty
 * heartbeats two seconds apart, and every {@link #TX_EVERY}th block a new allow-list with a
 * member), written through the journal in batches, once into the ledger's journal (with its
 * signed-height mark) and once into a key server's follower store, as a follower that had
 * followed all along would hold them. Then it measures, in one JVM:
 * <ol>
 *   <li>the sequencer's open over the whole journal, and the heap it keeps (after GC);
 *   <li>a key server's first start over the stored blocks with no snapshot yet (rebuilt from the
 *       blocks), which then takes its first snapshot at the next heartbeat;
 *   <li>the key server's restart from that snapshot, until it serves at the ledger's head: the
 *       figure the 5 s target is about; and the follower's heap on its own.
 * </ol>
 *
 * <p>Run: {@code mvn -B -q -o -DskipTests -pl bench -am package && java -Xmx1g -cp
 * bench/target/benchmarks.jar io.cachet.bench.LedgerHistoryHarness [blocks [DIR]]}. With the
 * directory of an earlier run it skips making the history and the first start, and measures the
 * restarts again.
 */
public final class LedgerHistoryHarness {
  /** Blocks of history by default. */
  private static final int DEFAULT_BLOCKS = 1_000_000;
  /** Every this many blocks, one carries a new allow-list and its first member. */
  private static final int TX_EVERY = 1_000;
  /** Blocks written to the journals per fsync while making the history. */
  private static final int BATCH = 10_000;
  /** Ledger time between two heartbeat blocks, in milliseconds, as the sequencer's default. */
  private static final long HEARTBEAT_MS = 2_000;
  private static final String LEDGER = "cachet-history-bench";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The sequencer's seed, kept in the run's directory (0600) so a later run can reopen the ledger. */
  private static final String SEED_FILE = "sequencer.seed";

  private LedgerHistoryHarness() {}

  public static void main(String[] args) throws Exception {
    int blocks = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_BLOCKS;
    boolean reuse = args.length > 1;
    Path dir = reuse ? Path.of(args[1]) : Files.createTempDirectory("cachet-history-bench-");
    Path ledgerDir = Files.createDirectories(dir.resolve("ledger"));
    Path keyServerDir = dir.resolve("ks-1");
    Path storeDir = Files.createDirectories(keyServerDir.resolve("ledger"));
    byte[] seed = new byte[Identity.SEED_LENGTH];
    if (reuse) {
      seed = Files.readAllBytes(dir.resolve(SEED_FILE));
    } else {
      RANDOM.nextBytes(seed);
      DurableFiles.write(dir.resolve(SEED_FILE), seed, true);
    }
    Identity sequencerKey = Identity.fromSeed(seed);
    System.out.printf("ledger history harness: %,d blocks in %s%n", blocks, dir);

    long t0 = System.nanoTime();
    if (!reuse) {
      Block head = writeHistory(blocks, sequencerKey, ledgerDir.resolve(Sequencer.JOURNAL_FILE),
          storeDir.resolve(FollowerStore.BLOCKS_FILE));
      new SignedHeightMark(head.height(), head.hash()).write(ledgerDir);
      System.out.printf("history written in %.1f s: journal %,d bytes%n", seconds(t0),
          Files.size(ledgerDir.resolve(Sequencer.JOURNAL_FILE)));
    }

    long base = heapAfterGc();
    t0 = System.nanoTime();
    Sequencer sequencer = Sequencer.open(new Sequencer.Config(ledgerDir, LEDGER, Duration.ofMillis(HEARTBEAT_MS),
        Clock.systemUTC()), sequencerKey);
    double openSeconds = seconds(t0);
    long sequencerHeap = heapAfterGc() - base;
    System.out.printf("sequencer: open %.2f s, heap %.1f MiB, head %,d%n", openSeconds, mib(sequencerHeap),
        sequencer.head().height());
    t0 = System.nanoTime();
    int read = sequencer.encodedBlocksFrom(blocks / 2, 1000, Long.MAX_VALUE).size();
    System.out.printf("sequencer: %d blocks read from the middle of the journal in %.1f ms%n", read,
        seconds(t0) * 1e3);

    Vertx vertx = Vertx.vertx();
    LedgerServer server = new LedgerServer(sequencer, "127.0.0.1", 0);
    vertx.deployVerticle(server).await(10, TimeUnit.SECONDS);
    KeyServerConfig config = KeyServerConfig.defaults("ks-1", keyServerDir, "http://127.0.0.1:" + server.port(),
        LEDGER, sequencerKey.verifyingKey()).with(Map.of("port", "0", "kdf-memory", "65536"));

    t0 = System.nanoTime();
    KeyServer ks = startServing(vertx, config, sequencer);
    System.out.printf("key server, first start (%s): %.2f s to serve at the head%n", reuse
        ? "from the earlier run's snapshot" : String.format("no snapshot, rebuilt from %,d stored blocks", blocks),
        seconds(t0));
    // the next block it applies is the first past the snapshot interval: it snapshots there
    long snapshotAt = sequencer.head().height() + 1;
    sequencer.awaitHeight(snapshotAt).get(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(storeDir.resolve("state.snapshot")) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    System.out.printf("key server: snapshot %,d bytes%n", Files.size(storeDir.resolve("state.snapshot")));
    ks.close().await(30, TimeUnit.SECONDS);

    t0 = System.nanoTime();
    ks = startServing(vertx, config, sequencer);
    System.out.printf("key server, restart from its snapshot: %.2f s to serve at the head%n", seconds(t0));
    ks.close().await(30, TimeUnit.SECONDS);

    base = heapAfterGc();
    t0 = System.nanoTime();
    Follower follower = Follower.start(vertx, new Follower.Config("http://127.0.0.1:" + server.port(), LEDGER,
        sequencerKey.verifyingKey(), Duration.ofSeconds(10), Clock.systemUTC()), storeDir);
    System.out.printf("follower alone, resume from snapshot and stored blocks: %.2f s (height %,d)%n", seconds(t0),
        follower.view().height());
    follower.awaitHeight(sequencer.head().height()).get(60, TimeUnit.SECONDS);
    System.out.printf("follower: heap %.1f MiB at height %,d%n", mib(heapAfterGc() - base),
        follower.view().height());
    follower.close();

    vertx.close().await(30, TimeUnit.SECONDS);
    sequencer.close();
    System.out.println("done; remove " + dir + " when finished");
  }

  /** Signs the history and writes it into both journals; returns the last block. */
  private static Block writeHistory(int count, Identity sequencerKey, Path ledgerJournal, Path storeJournal)
      throws Exception {
    long start = System.currentTimeMillis() - count * HEARTBEAT_MS;
    try (Journal ledger = Journal.open(ledgerJournal, r -> { });
         Journal store = Journal.open(storeJournal, r -> { })) {
      Block prev = null;
      LedgerRef ref = null;
      List<byte[]> batch = new ArrayList<>(BATCH);
      for (int h = 0; h < count; h++) {
        List<Transaction> txs = List.of();
        if (h > 0 && h % TX_EVERY == 0) {
          Identity owner = Identity.generate(RANDOM);
          PolicyId policy = LedgerState.policyIdFor(ref, owner.address(), 0);
          txs = List.of(Transaction.sign(owner, ref, 0, new Operation.CreateAllowList()),
              Transaction.sign(owner, ref, 1, new Operation.AddMember(policy, Identity.generate(RANDOM).address(),
                  Window.ALWAYS)));
        }
        Block b = Block.sign(sequencerKey, LEDGER, h, prev == null ? Block.GENESIS_PARENT : prev.hash(),
            start + h * HEARTBEAT_MS, txs);
        if (h == 0) {
          ref = LedgerRef.of(b);
        }
        batch.add(b.encoded());
        prev = b;
        if (batch.size() == BATCH || h == count - 1) {
          ledger.append(batch);
          store.append(batch);
          batch = new ArrayList<>(BATCH);
        }
      }
      return prev;
    }
  }

  /** Starts the key server and waits until its follower has the ledger's head. */
  private static KeyServer startServing(Vertx vertx, KeyServerConfig config, Sequencer sequencer) throws Exception {
    KeyServer ks = KeyServer.start(vertx, config, "bench passphrase".toCharArray(), Clock.systemUTC())
        .await(120, TimeUnit.SECONDS);
    long head = sequencer.head().height();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (ks.ledgerHeight() < head && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return ks;
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
