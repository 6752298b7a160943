package io.cachet.bench;

import com.google.crypto.tink.subtle.X25519;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Shamir;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.VerifyingKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-object and per-request key material, one thread, in operations per second: HPKE share
 * sealing and unsealing, Shamir split and combine, Ed25519 signatures, raw X25519, and the fixed
 * cost of an envelope (sealing an empty one; recovering its key from shares).
 *
 * <p>Run (about 4 minutes):
 * <pre>
 * mvn -B -q -DskipTests -pl bench -am package
 * java -jar bench/target/benchmarks.jar KeyMaterialBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class KeyMaterialBenchmark {
  /** Bytes HPKE seals: one Shamir share of a 32-byte data key. */
  static final int SHARE_BYTES = DataKey.LENGTH;

  /** Bytes signed and verified: about one signed protocol message (request, grant, receipt). */
  static final int MESSAGE_BYTES = 256;

  /** Key servers of the envelope used for the per-object costs. */
  static final int KEY_SERVERS = 3;

  /** Its threshold. */
  static final int THRESHOLD = 2;

  private SecureRandom random;
  private HpkeKeyPair server;
  private byte[] shareValue;
  private byte[] contextInfo;
  private byte[] sealedShare;
  private Identity identity;
  private VerifyingKey verifyingKey;
  private byte[] message;
  private byte[] signature;
  private byte[] x25519Private;
  private byte[] x25519PeerPublic;
  private SealParameters params;
  private byte[] emptyEnvelopeHeader;
  private List<Share> envelopeShares;
  private final InMemory.Source emptySource = new InMemory.Source(new byte[0]);

  @Setup
  public void setup() throws Exception {
    random = new SecureRandom();
    server = HpkeKeyPair.generate();
    shareValue = new byte[SHARE_BYTES];
    random.nextBytes(shareValue);
    contextInfo = new ShareContext(Envelope.VERSION, "bench-ledger", PolicyId.random(random),
        ObjectId.random(random), THRESHOLD, KEY_SERVERS, "ks-1", 1).info();
    sealedShare = server.publicKey().seal(shareValue, contextInfo);

    identity = Identity.generate(random);
    verifyingKey = identity.verifyingKey();
    message = new byte[MESSAGE_BYTES];
    random.nextBytes(message);
    signature = identity.sign(message);

    x25519Private = X25519.generatePrivateKey();
    x25519PeerPublic = X25519.publicFromPrivate(X25519.generatePrivateKey());

    BenchKeyServers ks = BenchKeyServers.generate(KEY_SERVERS);
    List<HpkeKeyPair> servers = ks.pairs();
    params = new SealParameters("bench-ledger", PolicyId.random(random), THRESHOLD, ks.keys());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EnvelopeHeader header = Envelope.seal(params, new ByteArrayInputStream(new byte[0]), 0, out, random);
    emptyEnvelopeHeader = header.encoded();
    envelopeShares = new ArrayList<>();
    for (int i = 1; i <= THRESHOLD; i++) {
      envelopeShares.add(Envelope.unsealShare(header, i, servers.get(i - 1)));
    }
  }

  // ---------------------------------------------------------------- HPKE

  /** HPKE base-mode seal of one share to a key server (X25519 keygen + DH, HKDF, AES-GCM; Bouncy Castle). */
  @Benchmark
  public byte[] hpkeSeal() {
    return server.publicKey().seal(shareValue, contextInfo);
  }

  /** HPKE open of one sealed share by the key server (one X25519 DH, HKDF, AES-GCM; Bouncy Castle). */
  @Benchmark
  public byte[] hpkeOpen() throws Exception {
    return server.open(sealedShare, contextInfo);
  }

  /** A fresh HPKE key pair, as a requester makes one per request (one base-point multiplication). */
  @Benchmark
  public HpkeKeyPair hpkeKeyPairGenerate() {
    return HpkeKeyPair.generate();
  }

  /** A recipient key from its 32 bytes, as read from a request or config (low-order check, fingerprint). */
  @Benchmark
  public HpkeRecipientKey hpkeRecipientKeyOf() {
    return HpkeRecipientKey.of(x25519PeerPublic);
  }

  // ---------------------------------------------------------------- X25519

  /** One raw X25519 scalar multiplication (Tink's; {@link PrimitivesBenchmark} has Bouncy Castle's beside it). */
  @Benchmark
  public byte[] x25519SharedSecret() throws Exception {
    return X25519.computeSharedSecret(x25519Private, x25519PeerPublic);
  }

  // ---------------------------------------------------------------- Shamir

  /** The sharing schemes measured. */
  @State(Scope.Thread)
  public static class Scheme {
    /** "t-of-n". */
    @Param({"2-of-3", "3-of-5"})
    public String scheme;

    int t;
    int n;
    DataKey key;
    List<Share> threshold;
    List<Share> all;

    @Setup
    public void setup() {
      String[] parts = scheme.split("-of-");
      t = Integer.parseInt(parts[0]);
      n = Integer.parseInt(parts[1]);
      SecureRandom random = new SecureRandom();
      key = DataKey.generate(random);
      all = Shamir.split(key, t, n, random);
      threshold = all.subList(0, t);
    }
  }

  /** Split a data key into n shares with threshold t (Bouncy Castle, GF(2^8) table mode). */
  @Benchmark
  public List<Share> shamirSplit(Scheme s) {
    return Shamir.split(s.key, s.t, s.n, random);
  }

  /** Rebuild the key from exactly t shares. */
  @Benchmark
  public DataKey shamirCombine(Scheme s) throws Exception {
    return Shamir.combine(s.threshold, s.t, s.n);
  }

  /** Rebuild from all n shares: one extra interpolation per share beyond t, to check consistency. */
  @Benchmark
  public DataKey shamirCombineAll(Scheme s) throws Exception {
    return Shamir.combine(s.all, s.t, s.n);
  }

  // ---------------------------------------------------------------- Ed25519

  /** Ed25519 signature over a 256-byte message (Bouncy Castle). */
  @Benchmark
  public byte[] ed25519Sign() {
    return identity.sign(message);
  }

  /** Ed25519 verification of that signature, the ledger's cofactorless check (Tink; {@code PrimitivesBenchmark} has the cofactored one). */
  @Benchmark
  public VerifyingKey ed25519Verify() throws Exception {
    verifyingKey.verify(message, signature, "bench");
    return verifyingKey;
  }

  // ---------------------------------------------------------------- per-envelope fixed costs

  /** Seal an empty 2-of-3 envelope: key, split, three HPKE seals, commitment, header, empty body. */
  @Benchmark
  public EnvelopeHeader envelopeSealEmpty() throws Exception {
    return Envelope.seal(params, emptySource.rewind(), 0, new InMemory.CountingSink(), random);
  }

  /** Parse a 2-of-3 header and recover its key from two unsealed shares, commitment checked. */
  @Benchmark
  public DataKey envelopeRecoverKey() throws Exception {
    EnvelopeHeader header = EnvelopeHeader.parse(emptyEnvelopeHeader);
    return Envelope.recoverKey(header, envelopeShares);
  }
}
