package io.cachet.bench;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-JVM ceiling for Cachet's body encryption: the JDK's own AES-256-GCM ({@code SunJCE},
 * the provider Tink uses) over one 1 MiB piece per operation, the size of a Cachet body segment,
 * without streaming, copies or key derivation. <b>The score in ops/s is MiB/s.</b>
 *
 * <p>Two call shapes: {@code byte[]} in and out, and heap {@link ByteBuffer}s in and out, the
 * shape Tink's segment encrypter uses.
 *
 * <p>Run (about 2.5 minutes):
 * <pre>
 * mvn -B -q -DskipTests -pl bench -am package
 * java -jar bench/target/benchmarks.jar JdkAesGcmBaselineBenchmark -f 1 -wi 6 -w 3s -i 5 -r 3s
 * </pre>
 * The warm-up is long on purpose: with 1 MiB per call, the JDK's AES-GCM reaches its C2-compiled
 * intrinsic only after about 10 seconds, and runs some 50 times slower before that.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Thread)
public class JdkAesGcmBaselineBenchmark {
  /** Plaintext bytes per operation: one MiB, as one Cachet body segment. */
  static final int PIECE_BYTES = 1 << 20;

  /** AES-256. */
  static final int KEY_BYTES = 32;

  /** GCM nonce length (96 bits, as Tink's segments use). */
  static final int IV_BYTES = 12;

  /** GCM tag length in bits. */
  static final int TAG_BITS = 128;

  private SecretKeySpec key;
  private Cipher encrypter;
  private Cipher decrypter;
  private byte[] plaintext;
  private byte[] ciphertext;
  private byte[] out;
  private ByteBuffer plaintextBuffer;
  private ByteBuffer ciphertextBuffer;
  private ByteBuffer outBuffer;
  private byte[] iv;
  private GCMParameterSpec fixedIv;
  private long counter;

  @Setup
  public void setup() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] k = new byte[KEY_BYTES];
    random.nextBytes(k);
    key = new SecretKeySpec(k, "AES");
    encrypter = Cipher.getInstance("AES/GCM/NoPadding");
    decrypter = Cipher.getInstance("AES/GCM/NoPadding");
    plaintext = new byte[PIECE_BYTES];
    random.nextBytes(plaintext);
    iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    fixedIv = new GCMParameterSpec(TAG_BITS, iv.clone());
    encrypter.init(Cipher.ENCRYPT_MODE, key, fixedIv);
    ciphertext = encrypter.doFinal(plaintext);
    out = new byte[ciphertext.length];
    plaintextBuffer = ByteBuffer.wrap(plaintext);
    ciphertextBuffer = ByteBuffer.wrap(ciphertext);
    outBuffer = ByteBuffer.allocate(ciphertext.length);
  }

  /** A fresh nonce per encryption: GCM (and the JDK) refuse to reuse one with the same key. */
  private GCMParameterSpec nextIv() {
    long c = ++counter;
    for (int i = 0; i < Long.BYTES; i++) {
      iv[IV_BYTES - 1 - i] = (byte) (c >>> (8 * i));
    }
    return new GCMParameterSpec(TAG_BITS, iv);
  }

  /** Encrypt 1 MiB byte[] to byte[]. */
  @Benchmark
  public int encryptArray() throws Exception {
    encrypter.init(Cipher.ENCRYPT_MODE, key, nextIv());
    return encrypter.doFinal(plaintext, 0, PIECE_BYTES, out, 0);
  }

  /** Decrypt and authenticate 1 MiB byte[] to byte[]. */
  @Benchmark
  public int decryptArray() throws Exception {
    decrypter.init(Cipher.DECRYPT_MODE, key, fixedIv);
    return decrypter.doFinal(ciphertext, 0, ciphertext.length, out, 0);
  }

  /** Encrypt 1 MiB heap ByteBuffer to heap ByteBuffer (Tink's shape). */
  @Benchmark
  public int encryptHeapBuffer() throws Exception {
    encrypter.init(Cipher.ENCRYPT_MODE, key, nextIv());
    plaintextBuffer.clear();
    outBuffer.clear();
    return encrypter.doFinal(plaintextBuffer, outBuffer);
  }

  /** Decrypt and authenticate 1 MiB heap ByteBuffer to heap ByteBuffer (Tink's shape). */
  @Benchmark
  public int decryptHeapBuffer() throws Exception {
    decrypter.init(Cipher.DECRYPT_MODE, key, fixedIv);
    ciphertextBuffer.clear();
    outBuffer.clear();
    return decrypter.doFinal(ciphertextBuffer, outBuffer);
  }
}
