package io.cachet.bench;

import com.google.crypto.tink.HybridDecrypt;
import com.google.crypto.tink.HybridEncrypt;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.hybrid.HybridConfig2026;
import com.google.crypto.tink.subtle.Ed25519Sign;
import com.google.crypto.tink.subtle.Ed25519Verify;
import com.google.crypto.tink.subtle.X25519;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
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
 * The public-key primitives under a key server's work, Tink and Bouncy Castle side by side, one
 * thread, in microseconds per operation: raw X25519, HPKE seal and open of a 32-byte share
 * (Cachet's {@link HpkeRecipientKey#seal} and {@link HpkeKeyPair#open} run Bouncy Castle; the
 * {@code tink} ones run Tink's HPKE on the same key), Ed25519 sign and verify (Cachet's
 * {@link Identity} and {@link VerifyingKey} run Bouncy Castle, the latter with the decoded point
 * kept; {@code ed25519VerifyBcBytes} decodes the key on every call), and the per-key checks: a
 * response key parsed ({@link HpkeRecipientKey#of}, the low-order check included) and an Ed25519
 * key's full validation (a new session key, once).
 *
 * <p>Run (about 3 minutes):
 * <pre>
 * mvn -B -q -DskipTests -pl bench -am package
 * java -jar bench/target/benchmarks.jar PrimitivesBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class PrimitivesBenchmark {
  /** Bytes sealed: one Shamir share of a 32-byte data key. */
  static final int SHARE_BYTES = DataKey.LENGTH;

  /** Bytes of context info: about a share context's. */
  static final int INFO_BYTES = 120;

  /** Bytes signed and verified: about one signed protocol message. */
  static final int MESSAGE_BYTES = 256;

  private final SecureRandom random = new SecureRandom();
  private byte[] share;
  private byte[] info;

  private byte[] x25519Private;
  private byte[] x25519PeerPublic;
  private final byte[] x25519Out = new byte[32];

  private HpkeKeyPair server;
  private HybridEncrypt tinkSeal;
  private HybridDecrypt tinkOpen;
  private byte[] sealed;

  private byte[] seed;
  private Identity identity;
  private Ed25519Sign tinkSigner;
  private byte[] publicKey;
  private VerifyingKey verifyingKey;
  private Ed25519Verify tinkVerifier;
  private byte[] message;
  private byte[] signature;

  @Setup
  public void setup() throws Exception {
    share = bytes(SHARE_BYTES);
    info = bytes(INFO_BYTES);
    x25519Private = X25519.generatePrivateKey();
    x25519PeerPublic = X25519.publicFromPrivate(X25519.generatePrivateKey());

    server = HpkeKeyPair.generate();
    tinkSeal = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(server.tinkKey().getPublicKey()).withRandomId().makePrimary())
        .build().getPrimitive(HybridConfig2026.get(), HybridEncrypt.class);
    tinkOpen = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(server.tinkKey()).withRandomId().makePrimary())
        .build().getPrimitive(HybridConfig2026.get(), HybridDecrypt.class);
    sealed = server.publicKey().seal(share, info);

    seed = bytes(Identity.SEED_LENGTH);
    identity = Identity.fromSeed(seed);
    tinkSigner = new Ed25519Sign(seed);
    publicKey = identity.verifyingKey().bytes();
    verifyingKey = VerifyingKey.of(publicKey);
    tinkVerifier = new Ed25519Verify(publicKey);
    message = bytes(MESSAGE_BYTES);
    signature = identity.sign(message);
    verifyingKey.verifyCofactored(message, signature, "bench");
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  // ---------------------------------------------------------------- X25519

  /** One X25519 exchange, Tink. */
  @Benchmark
  public byte[] x25519Tink() throws Exception {
    return X25519.computeSharedSecret(x25519Private, x25519PeerPublic);
  }

  /** One X25519 exchange, Bouncy Castle. */
  @Benchmark
  public boolean x25519Bc() {
    return org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(x25519Private, 0, x25519PeerPublic, 0, x25519Out, 0);
  }

  // ---------------------------------------------------------------- HPKE

  /** HPKE seal of a share, Tink (ephemeral key generation, one exchange, HKDF, AES-GCM). */
  @Benchmark
  public byte[] hpkeSealTink() throws Exception {
    return tinkSeal.encrypt(share, info);
  }

  /** The same seal, Cachet's path (Bouncy Castle). */
  @Benchmark
  public byte[] hpkeSealBc() {
    return server.publicKey().seal(share, info);
  }

  /** HPKE open of a share, Tink (one exchange, HKDF, AES-GCM). */
  @Benchmark
  public byte[] hpkeOpenTink() throws Exception {
    return tinkOpen.decrypt(sealed, info);
  }

  /** The same open, Cachet's path (Bouncy Castle). */
  @Benchmark
  public byte[] hpkeOpenBc() throws Exception {
    return server.open(sealed, info);
  }

  /** A response key from its 32 bytes, as a key server parses one per request (low-order check, fingerprint). */
  @Benchmark
  public HpkeRecipientKey hpkeRecipientKeyOf() {
    return HpkeRecipientKey.of(x25519PeerPublic);
  }

  // ---------------------------------------------------------------- Ed25519

  /** Ed25519 signature over a 256-byte message, Tink. */
  @Benchmark
  public byte[] ed25519SignTink() throws Exception {
    return tinkSigner.sign(message);
  }

  /** The same signature (same bytes), Cachet's {@link Identity#sign} (Bouncy Castle). */
  @Benchmark
  public byte[] ed25519SignBc() {
    return identity.sign(message);
  }

  /** Ed25519 verification, Tink. */
  @Benchmark
  public Ed25519Verify ed25519VerifyTink() throws Exception {
    tinkVerifier.verify(signature, message);
    return tinkVerifier;
  }

  /** Bouncy Castle verification from the key's bytes (the point decoded on every call). */
  @Benchmark
  public boolean ed25519VerifyBcBytes() {
    return Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
  }

  /** Cachet's {@link VerifyingKey#verifyCofactored} (a key server's check of a request): Bouncy Castle with the fully validated point kept. */
  @Benchmark
  public VerifyingKey ed25519VerifyBcPoint() throws Exception {
    verifyingKey.verifyCofactored(message, signature, "bench");
    return verifyingKey;
  }

  /** Full validation of a new Ed25519 key (prime-order check), paid once per key object. */
  @Benchmark
  public boolean ed25519KeyFullValidation() {
    return VerifyingKey.of(publicKey).isSound();
  }
}
