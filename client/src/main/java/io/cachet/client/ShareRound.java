package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.Share;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers of one fetch; completes once, when t shares rebuild the committed key or when that
 * can no longer happen.
 *
 * <p>A released share is checked against its receipt and its context, but nothing ties its value
 * to the key: a key server with its own valid key can release a wrong share, and t shares that
 * include it rebuild a key the header's commitment rejects. One such server must not deny what
 * the others would allow, so a mismatch is not the end while servers are still to answer: each
 * later share is tried in every t-subset it completes (at most {@link #MAX_SUBSETS} in all), and
 * only when no server is left does the fetch fail, as COMMITMENT_MISMATCH naming the servers
 * whose shares were tried.
 *
 * <p>When the key is rebuilt after a mismatch, the servers whose shares are off the polynomial of
 * the subset that rebuilt it are named ({@link #wrongShares()}, and a warning in the log): the
 * reader got the file, but an operator should know that a key server released a wrong share.
 */
final class ShareRound {
  private static final Logger LOG = LoggerFactory.getLogger(ShareRound.class);
  /** A bound on the combinations tried, so a fetch with many lying servers cannot spin. */
  static final int MAX_SUBSETS = 1_000;

  final Promise<DataKey> promise = Promise.promise();
  private final EnvelopeHeader header;
  private final List<Share> shares = new ArrayList<>();
  private final List<String> shareServers = new ArrayList<>();
  private final List<ServerOutcome> outcomes = new ArrayList<>();
  private CachetSecurityException mismatch;
  private int tried;
  private boolean done;
  /** Indices into {@link #shares} of the t-subset that rebuilt the committed key. */
  private int[] winner;
  private final List<String> wrongShares = new ArrayList<>();

  ShareRound(EnvelopeHeader header) {
    this.header = header;
  }

  synchronized void answer(ServerOutcome outcome, Share share) {
    if (done) {
      if (share != null) {
        share.destroy();
      }
      return;
    }
    outcomes.add(outcome);
    if (share != null) {
      shares.add(share);
      shareServers.add(outcome.serverId());
    }
    int n = header.shareCount();
    int t = header.threshold();
    if (share != null && shares.size() >= t) {
      DataKey key = rebuildWithNewest(t);
      if (key != null) {
        if (mismatch != null) {
          nameWrongShares(t);
        }
        finish();
        promise.complete(key);
        return;
      }
    }
    if (outcomes.size() >= n || n - (outcomes.size() - shares.size()) < t) {
      finish();
      if (mismatch != null && shares.size() >= t) {
        promise.fail(new CachetSecurityException("COMMITMENT_MISMATCH", "the shares released by "
            + String.join(", ", shareServers) + " do not rebuild the key this envelope commits to: a key server "
            + "released a wrong share, or the envelope was sealed wrongly (" + mismatch.getMessage() + "). "
            + KeyServersUnavailableException.list(outcomes)));
        return;
      }
      List<ServerOutcome> all = new ArrayList<>(outcomes);
      for (KeyServerSlot slot : header.slots()) {
        if (all.stream().noneMatch(o -> o.serverId().equals(slot.keyServerId()))) {
          all.add(ServerOutcome.notNeeded(slot.keyServerId(), outcomes.size(), n));
        }
      }
      boolean denied = all.stream().anyMatch(o -> o.kind() == ServerOutcome.Kind.DENIED);
      promise.fail(denied ? new AccessRefusedException(header.policyId(), t, all)
          : new KeyServersUnavailableException(t, all));
    }
  }

  /** The key from a t-subset that holds the newest share and matches the commitment, else null. */
  private DataKey rebuildWithNewest(int t) {
    Share newest = shares.get(shares.size() - 1);
    int others = shares.size() - 1;
    int[] pick = new int[t - 1];
    for (int i = 0; i < pick.length; i++) {
      pick[i] = i;
    }
    while (tried < MAX_SUBSETS) {
      List<Share> subset = new ArrayList<>(t);
      for (int i : pick) {
        subset.add(shares.get(i));
      }
      subset.add(newest);
      tried++;
      try {
        DataKey key = Envelope.recoverKey(header, subset);
        winner = Arrays.copyOf(pick, t);
        winner[t - 1] = shares.size() - 1;
        return key;
      } catch (CachetSecurityException e) {
        mismatch = e;
      }
      // the next combination of t - 1 among the earlier shares, in lexicographic order
      int i = pick.length - 1;
      while (i >= 0 && pick[i] == others - pick.length + i) {
        i--;
      }
      if (i < 0) {
        return null;
      }
      pick[i]++;
      for (int j = i + 1; j < pick.length; j++) {
        pick[j] = pick[j - 1] + 1;
      }
    }
    return null;
  }

  /**
   * Each share outside the winning subset, tried with t - 1 of the subset's: a share on the same
   * polynomial rebuilds the committed key with them, a wrong one (but with negligible chance) does not.
   */
  private void nameWrongShares(int t) {
    List<Share> base = new ArrayList<>(t);
    for (int i = 0; i < t - 1; i++) {
      base.add(shares.get(winner[i]));
    }
    for (int j = 0; j < shares.size(); j++) {
      int index = j;
      if (Arrays.stream(winner).anyMatch(w -> w == index)) {
        continue;
      }
      List<Share> probe = new ArrayList<>(base);
      probe.add(shares.get(j));
      try {
        Envelope.recoverKey(header, probe).destroy();
      } catch (CachetSecurityException e) {
        wrongShares.add(shareServers.get(j));
        LOG.warn("event=wrong_share_outvoted server={} policy={} object={}", shareServers.get(j), header.policyId(),
            header.objectId());
      }
    }
  }

  /** Whether the round has completed: nothing more is needed from any server. */
  synchronized boolean isDone() {
    return done;
  }

  /** The servers found to have released a wrong share in a round that still rebuilt the key. */
  synchronized List<String> wrongShares() {
    return List.copyOf(wrongShares);
  }

  private void finish() {
    done = true;
    shares.forEach(Share::destroy);
  }
}
