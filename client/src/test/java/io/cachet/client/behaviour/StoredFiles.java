package io.cachet.client.behaviour;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.StoredObject;
import io.cachet.client.behaviour.BehaviourNetwork.Party;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.policy.PolicyRef;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Real files on the test network's storage, put and opened through {@link CachetClient}: what a
 * story asserts a decision with.
 */
final class StoredFiles {
  /** What a reader is told when the file opens whole. */
  static final String RELEASED = "RELEASED";
  /** Epochs a test file is stored for. */
  private static final int EPOCHS = 2;
  private static final SecureRandom RANDOM = new SecureRandom();

  private StoredFiles() {}

  /** A small file put under a policy, with its bytes. */
  record Put(StoredObject stored, byte[] plain) {}

  /** A file of random bytes put by {@code who} under {@code policy}. */
  static Put put(BehaviourNetwork net, Party who, PolicyRef policy) throws Exception {
    byte[] plain = new byte[1000 + RANDOM.nextInt(1000)];
    RANDOM.nextBytes(plain);
    try (CachetClient c = net.clientAs(who)) {
      return new Put(c.put(new ByteArrayInputStream(plain), plain.length, policy, EPOCHS), plain);
    }
  }

  /**
   * What {@code who} gets opening {@code put} now: {@link #RELEASED} once the bytes came back whole,
   * or the reason of the key servers' refusal. A fresh client each time, so no key is cached.
   */
  static String openAs(BehaviourNetwork net, Party who, Put put) throws Exception {
    try (CachetClient c = net.clientAs(who); InputStream in = c.open(put.stored().blobId())) {
      assertThat(in.readAllBytes()).as("the plaintext, byte for byte").isEqualTo(put.plain());
      return RELEASED;
    } catch (AccessRefusedException e) {
      return e.reason();
    }
  }

  /** The reason a write is refused with; fails if it is not refused. */
  static String refusalOf(ThrowingRunnable write) {
    Throwable t = catchThrowable(write::run);
    assertThat(t).as("the write is refused").isInstanceOf(CachetSecurityException.class);
    return ((CachetSecurityException) t).reason();
  }

  /** A step of a story that may throw. */
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
