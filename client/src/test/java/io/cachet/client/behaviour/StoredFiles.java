package io.cachet.client.behaviour;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.StoredObject;
import io.cachet.client.behaviour.BehaviourNetwork.Party;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.policy.PolicyRef;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.walrus.WalrusBlobStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

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

  /**
   * {@code put}'s envelope with the one occurrence of {@code from} replaced by {@code to} (same
   * length), stored as a blob of its own: an envelope as a tamperer would move it.
   */
  static Put rewritten(BehaviourNetwork net, Put put, byte[] from, byte[] to) throws Exception {
    WalrusBlobStore store = WalrusBlobStore.connect(net.storage.gatewayUrl(), net.storage.gatewayUrl());
    try {
      byte[] envelope;
      try (InputStream in = store.read(put.stored().blobId())) {
        envelope = in.readAllBytes();
      }
      byte[] moved = replaceOnce(envelope, from, to);
      StoredObject s = put.stored();
      BlobId blob = store.store(BlobSource.ofBytes(moved), StoreOptions.epochs(EPOCHS)).blobId();
      return new Put(new StoredObject(blob, s.objectId(), s.policyId(), s.plaintextLength(), moved.length,
          s.endEpoch(), List.of()), put.plain());
    } finally {
      store.close();
    }
  }

  private static byte[] replaceOnce(byte[] bytes, byte[] from, byte[] to) {
    assertThat(to).hasSameSizeAs(from);
    int found = -1;
    for (int i = 0; i + from.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
        assertThat(found).as("what is replaced occurs once in the envelope").isEqualTo(-1);
        found = i;
      }
    }
    assertThat(found).as("what is replaced is in the envelope").isNotEqualTo(-1);
    byte[] out = bytes.clone();
    System.arraycopy(to, 0, out, found, to.length);
    return out;
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
