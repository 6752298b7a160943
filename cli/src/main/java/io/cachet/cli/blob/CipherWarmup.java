package io.cachet.cli.blob;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JDK's AES-GCM compiled before a command's first large seal or open.
 *
 * <p>Why: a command is a fresh JVM, and the JDK uses its AES-GCM intrinsics only from C2-compiled
 * code. Tink's streaming hands the cipher one 1 MiB segment per call, so a 256 MiB file makes only
 * a few hundred calls, far too few for the compiler: the whole file then runs through the
 * interpreted GHASH at about 60 MB/s (docs/PERFORMANCE.md). Some tens of thousands of small
 * calls, on another core while the command unlocks the keystore and connects, get the methods
 * compiled in about half a second; after that the segments run at full speed.
 *
 * <p>The key is random and used for nothing else; nothing is kept.
 */
final class CipherWarmup {
  private static final int CALLS = 20_000;
  private static final int SIZE = 1024;
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private CipherWarmup() {}

  /** Starts the warm-up on a daemon thread, once per JVM: it never delays the command or its exit. */
  static void start() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(CipherWarmup::run, "cachet-cipher-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private static void run() {
    try {
      SecureRandom random = new SecureRandom();
      byte[] keyBytes = new byte[32];
      random.nextBytes(keyBytes);
      SecretKeySpec key = new SecretKeySpec(keyBytes, "AES");
      byte[] nonce = new byte[12];
      random.nextBytes(nonce);
      byte[] plain = new byte[SIZE];
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      for (int i = 0; i < CALLS; i++) {
        // a new nonce for every encryption under the key (the JDK refuses a repeated one)
        nonce[0] = (byte) i;
        nonce[1] = (byte) (i >>> 8);
        nonce[2] = (byte) (i >>> 16);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        byte[] sealed = cipher.doFinal(plain);
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
        cipher.doFinal(sealed);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      // only speed was at stake: the command itself works without the warm-up
    }
  }
}
