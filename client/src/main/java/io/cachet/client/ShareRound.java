package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.KeyServerSlot;
import io.cachet.crypto.Share;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

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
 */
final class ShareRound {
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
          all.add(new ServerOutcome(slot.keyServerId(), ServerOutcome.Kind.NOT_NEEDED, 0, null, null));
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
        return Envelope.recoverKey(header, subset);
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

  private void finish() {
    done = true;
    shares.forEach(Share::destroy);
  }
}
