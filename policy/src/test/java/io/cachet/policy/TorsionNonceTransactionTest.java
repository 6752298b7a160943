package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger user who signs a transaction with a nonce point carrying a small-order component makes
 * a signature that RFC 8032's cofactored check accepts and the cofactorless one refuses. Every
 * Cachet release has checked ledger signatures cofactorless; a sequencer that accepted more would
 * commit a block every follower of an earlier release refuses, halting its key servers. So the
 * sequencer refuses it, as the followers do.
 */
class TorsionNonceTransactionTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  @TempDir Path dir;

  @Test
  void torsionNonceTransaction_isRefusedBySequencer_likeByEveryEarlierFollower() throws Exception {
    byte[] seed = new byte[32];
    RANDOM.nextBytes(seed);
    Identity sender = Identity.fromSeed(seed);
    Identity sequencerKey = Identity.generate(RANDOM);
    try (Sequencer sequencer = Sequencer.open(
        new Sequencer.Config(dir, "cachet-review", Duration.ofHours(1), Clock.systemUTC()), sequencerKey)) {
      Transaction honest = Transaction.sign(sender, sequencer.ledger(), 0, new Operation.CreateTimeLock(1));
      byte[] encoded = honest.encoded();
      byte[] unsigned = Arrays.copyOf(encoded, encoded.length - 64);
      byte[] crafted = torsionSignature(seed, sender.verifyingKey().bytes(), unsigned);
      byte[] craftedTx = Arrays.copyOf(unsigned, encoded.length);
      System.arraycopy(crafted, 0, craftedTx, unsigned.length, 64);

      Transaction tx = Transaction.decode(craftedTx);
      // the crafted signature is the key holder's own: the cofactored check takes it
      sender.verifyingKey().verifyCofactored(unsigned, crafted, "transaction");
      assertThatThrownBy(tx::verifySignature).isInstanceOf(InvalidSignatureException.class);
      assertThatThrownBy(() -> sequencer.submit(tx).get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(TransactionRefusedException.class);
      // the ledger goes on: the honest transaction of the same nonce is committed
      assertThat(sequencer.submit(honest).get(30, TimeUnit.SECONDS).height()).isPositive();
    }
  }

  /**
   * A signature by the key holder whose R is [r]B plus the point of order 2, (0, -1): encoded as
   * (-x, -y) of [r]B. S = r + k a with k over the crafted R.
   */
  static byte[] torsionSignature(byte[] seed, byte[] publicKey, byte[] message) throws Exception {
    BigInteger a = clampedScalar(seed);
    byte[] nonceSeed = new byte[32];
    RANDOM.nextBytes(nonceSeed);
    BigInteger r = clampedScalar(nonceSeed);
    byte[] rPoint = Identity.fromSeed(nonceSeed).verifyingKey().bytes(); // [r]B
    byte[] le = rPoint.clone();
    int sign = (le[31] >> 7) & 1;
    le[31] &= 0x7f;
    BigInteger y = fromLe(le);
    byte[] crafted = toLe(P.subtract(y).mod(P));
    crafted[31] |= (byte) ((sign ^ 1) << 7);
    MessageDigest sha = MessageDigest.getInstance("SHA-512");
    sha.update(crafted);
    sha.update(publicKey);
    sha.update(message);
    BigInteger k = fromLe(sha.digest()).mod(L);
    byte[] signature = new byte[64];
    System.arraycopy(crafted, 0, signature, 0, 32);
    System.arraycopy(toLe(r.add(k.multiply(a)).mod(L)), 0, signature, 32, 32);
    return signature;
  }

  private static BigInteger clampedScalar(byte[] seed) throws Exception {
    byte[] h = Arrays.copyOf(MessageDigest.getInstance("SHA-512").digest(seed), 32);
    h[0] &= (byte) 248;
    h[31] &= 127;
    h[31] |= 64;
    return fromLe(h);
  }

  private static BigInteger fromLe(byte[] le) {
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] toLe(BigInteger v) {
    byte[] out = new byte[32];
    byte[] be = v.toByteArray();
    for (int i = 0; i < be.length && i < 32; i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }
}
