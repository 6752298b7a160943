package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.DekCommitment;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How one key fetch ends, given each key server's answer in the order they arrive: with real
 * shares of a real envelope, and wrong shares from lying servers (a server signs whatever it
 * releases, so only the envelope's key commitment catches a wrong value).
 */
class ShareRoundTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A sealed envelope's header and each server's true share. */
  private record Sealed(EnvelopeHeader header, List<Share> shares) {}

  private static Sealed seal(int t, int n) throws Exception {
    List<HpkeKeyPair> keys = new ArrayList<>();
    List<KeyServerKey> servers = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      HpkeKeyPair k = HpkeKeyPair.generate();
      keys.add(k);
      servers.add(new KeyServerKey("ks-" + i, k.publicKey()));
    }
    EnvelopeHeader header = Envelope.seal(new SealParameters("test-ledger", PolicyId.random(RANDOM), t, servers),
        new ByteArrayInputStream(new byte[10]), 10, new ByteArrayOutputStream(), RANDOM);
    List<Share> shares = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      shares.add(Envelope.unsealShare(header, header.slots().get(i).index(), keys.get(i)));
    }
    return new Sealed(header, shares);
  }

  /** The round destroys the shares it is given; the true ones are reused across rounds. */
  private static Share copy(Share share) {
    return new Share(share.index(), share.value());
  }

  private static Share lie(Share truth) {
    byte[] value = new byte[truth.value().length];
    RANDOM.nextBytes(value);
    return new Share(truth.index(), value);
  }

  private static ServerOutcome released(int server) {
    return new ServerOutcome("ks-" + (server + 1), ServerOutcome.Kind.RELEASED, 200, null, null);
  }

  private static ServerOutcome down(int server) {
    return new ServerOutcome("ks-" + (server + 1), ServerOutcome.Kind.UNAVAILABLE, 0, "UNREACHABLE", "refused");
  }

  private static void assertTheCommittedKey(EnvelopeHeader header, DataKey key) throws Exception {
    DekCommitment.check(key, header.objectId(), header.dekCommitment());
  }

  @Test
  void honestServers_endTheRoundAtTheThreshold() throws Exception {
    Sealed s = seal(2, 3);
    ShareRound round = new ShareRound(s.header());
    round.answer(released(0), copy(s.shares().get(0)));
    assertThat(round.promise.future().isComplete()).isFalse();
    round.answer(released(1), copy(s.shares().get(1)));
    assertThat(round.promise.future().succeeded()).isTrue();
    assertTheCommittedKey(s.header(), round.promise.future().result());
  }

  @Test
  void oneLyingServer_isOutvotedByTheNextHonestAnswer() throws Exception {
    Sealed s = seal(2, 3);
    ShareRound round = new ShareRound(s.header());
    round.answer(released(0), lie(s.shares().get(0)));
    round.answer(released(1), copy(s.shares().get(1)));
    assertThat(round.promise.future().isComplete()).as("a mismatch with a server still to answer is not the end")
        .isFalse();
    round.answer(released(2), copy(s.shares().get(2)));
    assertThat(round.promise.future().succeeded()).isTrue();
    assertTheCommittedKey(s.header(), round.promise.future().result());
    assertThat(round.wrongShares()).as("the liar is named").containsExactly("ks-1");
  }

  @Test
  void aLiarAndAServerDown_failAsCommitmentMismatch_namingWhoseSharesWereTried() throws Exception {
    Sealed s = seal(2, 3);
    ShareRound round = new ShareRound(s.header());
    round.answer(released(0), copy(s.shares().get(0)));
    round.answer(released(2), lie(s.shares().get(2)));
    round.answer(down(1), null);
    assertThat(round.promise.future().failed()).isTrue();
    Throwable e = round.promise.future().cause();
    assertThat(e).isInstanceOf(CachetSecurityException.class);
    assertThat(((CachetSecurityException) e).reason()).isEqualTo("COMMITMENT_MISMATCH");
    assertThat(e.getMessage()).contains("ks-1, ks-3").contains("ks-2: unavailable");
  }

  @Test
  void twoDenials_decideATwoOfThreeRound_andTheThirdServerSaysNoAnswerNeeded() throws Exception {
    Sealed s = seal(2, 3);
    ShareRound round = new ShareRound(s.header());
    round.answer(new ServerOutcome("ks-2", ServerOutcome.Kind.DENIED, 200, "NOT_A_MEMBER", "not on the list"), null);
    round.answer(new ServerOutcome("ks-3", ServerOutcome.Kind.DENIED, 200, "NOT_A_MEMBER", "not on the list"), null);
    AccessRefusedException e = (AccessRefusedException) round.promise.future().cause();
    assertThat(e.threshold()).isEqualTo(2);
    assertThat(e.outcomes()).hasSize(3).last().satisfies(o -> {
      assertThat(o.serverId()).isEqualTo("ks-1");
      assertThat(o.kind()).isEqualTo(ServerOutcome.Kind.NOT_NEEDED);
      assertThat(o.message()).isEqualTo("no answer needed: 2 of 3 already decided");
    });
    assertThat(e.getMessage()).contains("refused by 2 of 3 key servers, 2 needed")
        .contains("ks-1: no answer needed: 2 of 3 already decided").doesNotContain("not waited for");
  }

  @Test
  void twoServersDown_failAsUnavailable_countingWhatWasReleased() throws Exception {
    Sealed s = seal(2, 3);
    ShareRound round = new ShareRound(s.header());
    round.answer(down(1), null);
    round.answer(down(2), null);
    KeyServersUnavailableException e = (KeyServersUnavailableException) round.promise.future().cause();
    assertThat(e.needed()).isEqualTo(2);
    assertThat(e.servers()).isEqualTo(3);
    assertThat(e.forSealing()).isFalse();
    assertThat(e.getMessage()).startsWith("2 of 3 key servers must release a share and only 0 did");
  }

  /**
   * Every arrival order of 5 answers (3-of-5) and every set of liars and servers down: the round
   * opens exactly when at least 3 honest shares arrive, with the committed key, and otherwise fails
   * with a typed error once the last answer is in or the threshold is out of reach.
   */
  @Test
  void everyOrder_everyLiarSet_opensIffThresholdHonestSharesArrive() throws Exception {
    int t = 3;
    int n = 5;
    Sealed s = seal(t, n);
    int rounds = 0;
    for (int[] order : permutations(n)) {
      // each server is honest (0), lies (1) or is down (2): 3^5 cases
      for (int mask = 0; mask < 243; mask++) {
        int[] kind = new int[n];
        int honest = 0;
        for (int i = 0, m = mask; i < n; i++, m /= 3) {
          kind[i] = m % 3;
          honest += kind[i] == 0 ? 1 : 0;
        }
        ShareRound round = new ShareRound(s.header());
        List<String> liarsHeard = new ArrayList<>();
        for (int server : order) {
          if (round.promise.future().isComplete()) {
            break;
          }
          if (kind[server] == 1) {
            liarsHeard.add("ks-" + (server + 1));
          }
          switch (kind[server]) {
            case 0 -> round.answer(released(server), copy(s.shares().get(server)));
            case 1 -> round.answer(released(server), lie(s.shares().get(server)));
            default -> round.answer(down(server), null);
          }
        }
        assertThat(round.promise.future().isComplete()).isTrue();
        if (honest >= t) {
          assertThat(round.promise.future().succeeded()).as("kinds %s", java.util.Arrays.toString(kind)).isTrue();
          assertTheCommittedKey(s.header(), round.promise.future().result());
          // exactly the liars heard before the key was rebuilt are named
          assertThat(round.wrongShares()).as("kinds %s", java.util.Arrays.toString(kind))
              .containsExactlyInAnyOrderElementsOf(liarsHeard);
        } else {
          assertThat(round.promise.future().cause()).as("kinds %s", java.util.Arrays.toString(kind))
              .isInstanceOfAny(CachetSecurityException.class, KeyServersUnavailableException.class);
        }
        rounds++;
      }
    }
    assertThat(rounds).isEqualTo(120 * 243);
  }

  private static List<int[]> permutations(int n) {
    List<int[]> out = new ArrayList<>();
    permute(new int[n], new boolean[n], 0, out);
    return out;
  }

  private static void permute(int[] current, boolean[] used, int at, List<int[]> out) {
    if (at == current.length) {
      out.add(current.clone());
      return;
    }
    for (int i = 0; i < current.length; i++) {
      if (!used[i]) {
        used[i] = true;
        current[at] = i;
        permute(current, used, at + 1, out);
        used[i] = false;
      }
    }
  }
}
