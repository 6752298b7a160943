package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.soak.Outcomes.Outcome;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Policy;
import io.cachet.policy.Window;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * One soak client: an owner with an allow-list and a time lock, and a reader the owner grants,
 * revokes and moves in time. Its operations, picked from its own seeded random, are puts, whole
 * and ranged gets checked byte for byte, and changes to the reader's access followed by a read
 * whose outcome is judged against what the reader should be allowed. A failure is counted with
 * its reason and the load goes on.
 *
 * <p>After a change of access the reader starts a new client session: a session keeps the data
 * keys it fetched, so only a new one asks the key servers again.
 */
final class LoadWorker implements Runnable {
  /** Weights of put, get, ranged get, access change, time-lock read, out of their sum. */
  private static final int[] WEIGHTS = {30, 25, 20, 15, 10};
  /** How near a time lock's opening a read is not judged (clocks of parts differ, blocks are late). */
  private static final Duration UNLOCK_MARGIN = Duration.ofSeconds(10);
  /** Pause after a failure, so a worker does not spin against a part that is down. */
  private static final long FAILURE_PAUSE_MILLIS = 300;
  /** How many ordinary puts come before a profile's large put. */
  private static final int LARGE_PUT_AFTER = 3;

  /** What the reader is allowed now, as far as this worker knows. */
  private enum Access { ALLOWED, REVOKED, NOT_YET_VALID, UNKNOWN }

  private final int index;
  private final SoakProfile profile;
  private final ClientConfig config;
  private final Identity owner;
  private final Identity reader;
  private final Address auditor;
  private final String auditorName;
  private final Path descriptorCache;
  private final SplittableRandom random;
  private final Outcomes outcomes;
  private final SoakRecords records;
  private final TxNonces nonces;
  private final Clock clock;
  private final BooleanSupplier stopping;
  private final int largePuts;
  private final List<SoakRecords.Put> mine = new ArrayList<>();
  private final List<SoakRecords.Put> locked = new ArrayList<>();

  private volatile long opStartedNanos;
  private volatile String opKind = "setup";
  private CachetClient ownerClient;
  private CachetClient readerClient;
  private PolicyId policy;
  private PolicyId timeLock;
  private Instant unlockAt;
  private Access access = Access.UNKNOWN;
  private int ordinaryPuts;
  private int largeDone;

  LoadWorker(int index, SoakProfile profile, ClientConfig config, Identity owner, Identity reader, Identity auditor,
      String auditorName, Path descriptorCache, long seed, Outcomes outcomes, SoakRecords records, TxNonces nonces,
      Clock clock, BooleanSupplier stopping, int largePuts) {
    this.index = index;
    this.profile = profile;
    this.config = config;
    this.owner = owner;
    this.reader = reader;
    this.auditor = auditor.address();
    this.auditorName = auditorName;
    this.descriptorCache = descriptorCache;
    this.random = new SplittableRandom(seed);
    this.outcomes = outcomes;
    this.records = records;
    this.nonces = nonces;
    this.clock = clock;
    this.stopping = stopping;
    this.largePuts = largePuts;
  }

  /** The kind of the operation under way and when it began (System.nanoTime), for the hang watch. */
  String opKind() {
    return opKind;
  }

  long opStartedNanos() {
    return opStartedNanos;
  }

  @Override
  public void run() {
    try {
      ownerClient = CachetClient.open(config, owner, descriptorCache);
      readerClient = CachetClient.open(config, reader, descriptorCache);
      while (!stopping.getAsBoolean() && !setUp()) {
        pause();
      }
      while (!stopping.getAsBoolean()) {
        int pick = pick();
        switch (pick) {
          case 0 -> put();
          case 1 -> read(false);
          case 2 -> read(true);
          case 3 -> changeAccess();
          default -> readLocked();
        }
      }
    } finally {
      opStartedNanos = 0;
      close(ownerClient);
      close(readerClient);
    }
  }

  // ---------------------------------------------------------------- setup

  private boolean setUp() {
    try {
      begin("create");
      if (policy == null) {
        policy = ownerClient.createAllowList();
        ack("create", -1);
      }
      if (timeLock == null) {
        Instant at = clock.instant().plus(profile.load().dividedBy(3));
        timeLock = ownerClient.createTimeLock(at);
        unlockAt = at;
        ack("create", -1);
      }
      outcomes.ok("create");
      begin("grant");
      ensureAllowed(auditor);
      ensureAllowed(reader.address());
      access = Access.ALLOWED;
      outcomes.ok("grant");
      return true;
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      outcomes.failed(opKind, e);
      return false;
    } finally {
      opStartedNanos = 0;
    }
  }

  /** Makes {@code member} a member of the allow-list for always, whatever it was. */
  private void ensureAllowed(Address member) throws IOException, CachetSecurityException {
    Policy p = ownerClient.policy(policy);
    Window w = p instanceof AllowList list ? list.members().get(member) : null;
    if (w == null) {
      ack("grant", ownerClient.grant(policy, member, Window.ALWAYS));
    } else if (!w.equals(Window.ALWAYS)) {
      ack("window", ownerClient.changeWindow(policy, member, Window.ALWAYS));
    }
  }

  // ---------------------------------------------------------------- operations

  private void put() {
    boolean large = largeDone < largePuts && ordinaryPuts >= LARGE_PUT_AFTER;
    long size = large ? profile.largePut() : logUniform(SoakProfile.MIN_PUT, profile.maxPut());
    boolean underLock = random.nextInt(10) == 0;
    SeededBlob blob = new SeededBlob(random.nextLong(), size);
    String kind = underLock ? "put-timelock" : "put";
    begin(kind);
    try (InputStream in = blob.stream()) {
      StoredObject stored = ownerClient.put(in, size, underLock ? timeLock : policy, config.defaultEpochs());
      SoakRecords.Put p = new SoakRecords.Put(stored, blob, blob.sha256(), auditorName, clock.millis());
      records.put(p);
      (underLock ? locked : mine).add(p);
      outcomes.ok(kind);
      if (large) {
        largeDone++;
      } else {
        ordinaryPuts++;
      }
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      failed(kind, e);
    } finally {
      opStartedNanos = 0;
    }
  }

  private void read(boolean ranged) {
    if (mine.isEmpty()) {
      put();
      return;
    }
    SoakRecords.Put p = mine.get(random.nextInt(mine.size()));
    Boolean expectAllowed = switch (access) {
      case ALLOWED -> true;
      case REVOKED, NOT_YET_VALID -> false;
      case UNKNOWN -> null;
    };
    readAndJudge(ranged ? "get-range" : "get", p, ranged, expectAllowed, readerClient);
  }

  private void readLocked() {
    if (locked.isEmpty()) {
      read(false);
      return;
    }
    SoakRecords.Put p = locked.get(random.nextInt(locked.size()));
    Instant now = clock.instant();
    Boolean expectOpen = now.isAfter(unlockAt.plus(UNLOCK_MARGIN)) ? Boolean.TRUE
        : now.isBefore(unlockAt.minus(UNLOCK_MARGIN)) ? Boolean.FALSE : null;
    // A new session: one that read the blob once keeps its key and would not ask again.
    renewReader();
    readAndJudge("get-timelock", p, false, expectOpen, readerClient);
  }

  /**
   * Takes the reader's access away (a revoke, or a window that begins in an hour) or gives it
   * back, then reads as the reader in a new session.
   */
  private void changeAccess() {
    String kind = access == Access.ALLOWED ? (random.nextBoolean() ? "revoke" : "window") : "restore";
    begin(kind);
    try {
      switch (kind) {
        case "revoke" -> {
          access = Access.UNKNOWN;
          ack("revoke", ownerClient.revoke(policy, reader.address()));
          access = Access.REVOKED;
        }
        case "window" -> {
          long from = clock.millis() + Duration.ofHours(1).toMillis();
          access = Access.UNKNOWN;
          ack("window", ownerClient.changeWindow(policy, reader.address(), new Window(from,
              from + Duration.ofHours(1).toMillis())));
          access = Access.NOT_YET_VALID;
        }
        default -> {
          access = Access.UNKNOWN;
          ensureAllowed(reader.address());
          access = Access.ALLOWED;
        }
      }
      outcomes.ok(kind);
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      failed(kind, e);
      return;
    } finally {
      opStartedNanos = 0;
    }
    renewReader();
    if (!mine.isEmpty()) {
      read(false);
    }
  }

  private void readAndJudge(String kind, SoakRecords.Put p, boolean ranged, Boolean expectAllowed,
      CachetClient client) {
    long size = p.blob().size();
    long offset = ranged ? random.nextLong(size) : 0;
    long length = ranged ? 1 + random.nextLong(size - offset) : size;
    begin(kind);
    try (InputStream in = ranged ? client.open(p.stored().blobId(), offset, length) : client.open(p.stored().blobId())) {
      long diff = p.blob().firstDifference(in, offset, length);
      if (diff >= 0) {
        outcomes.count(kind, Outcome.WRONG_BYTES, "at " + (offset + diff));
      } else if (Boolean.FALSE.equals(expectAllowed)) {
        outcomes.count(kind, Outcome.RELEASED_AFTER_CHANGE, null);
      } else {
        outcomes.ok(kind);
      }
    } catch (AccessRefusedException e) {
      if (Boolean.FALSE.equals(expectAllowed)) {
        outcomes.count(kind, Outcome.REFUSED_AS_EXPECTED, e.reason());
      } else {
        failed(kind, e);
      }
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      failed(kind, e);
    } finally {
      opStartedNanos = 0;
    }
  }

  // ---------------------------------------------------------------- plumbing

  private void ack(String kind, long height) {
    nonces.record(owner.address(), kind, height);
  }

  private void renewReader() {
    close(readerClient);
    readerClient = CachetClient.open(config, reader, descriptorCache);
  }

  private void begin(String kind) {
    opKind = kind;
    opStartedNanos = System.nanoTime();
  }

  private void failed(String kind, Throwable e) {
    outcomes.failed(kind, e);
    pause();
  }

  private void pause() {
    try {
      Thread.sleep(FAILURE_PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private int pick() {
    int total = 0;
    for (int w : WEIGHTS) {
      total += w;
    }
    int r = random.nextInt(total);
    for (int i = 0; i < WEIGHTS.length; i++) {
      r -= WEIGHTS[i];
      if (r < 0) {
        return i;
      }
    }
    return 0;
  }

  /** A size between {@code min} and {@code max} whose logarithm is uniform: as many 1-2 KiB puts as 32-64 MiB ones. */
  private long logUniform(long min, long max) {
    double lo = Math.log(min);
    double hi = Math.log(max);
    return Math.max(min, Math.min(max, Math.round(Math.exp(lo + random.nextDouble() * (hi - lo)))));
  }

  private static void close(CachetClient c) {
    if (c != null) {
      c.close();
    }
  }

  @Override
  public String toString() {
    return "client-" + index;
  }
}
