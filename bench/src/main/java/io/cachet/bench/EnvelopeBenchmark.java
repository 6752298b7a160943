package io.cachet.bench;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingKey;
import com.google.crypto.tink.streamingaead.AesGcmHkdfStreamingParameters;
import com.google.crypto.tink.streamingaead.subtle.AesGcmHkdfStreamingAead;
import com.google.crypto.tink.util.SecretBytes;
import io.cachet.crypto.BodyLayout;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Body throughput of a 64 MiB envelope, one thread: sealing, opening as a stream, opening as a
 * seekable channel, and the same body through Tink's streaming AEAD alone (no Cachet header,
 * wrappers or copy buffer) to show what Cachet adds on top of Tink.
 *
 * <p>Every method declares 64 operations per call, one per MiB of plaintext, so <b>the score in
 * ops/s is MiB/s of plaintext</b> (multiply by 1.048576 for MB/s).
 *
 * <p>Run (about 5 minutes):
 * <pre>
 * mvn -B -q -DskipTests -pl bench -am package
 * java -jar bench/target/benchmarks.jar EnvelopeBenchmark -f 1 -wi 6 -w 3s -i 5 -r 3s
 * </pre>
 * The warm-up is long on purpose: with 1 MiB per call, the JDK's AES-GCM reaches its C2-compiled
 * intrinsic only after about 10 seconds, and runs some 50 times slower before that.
 *
 * <p>Opening starts from the unsealed shares (made in setup): it parses the header, recovers and
 * checks the key, and decrypts. Share unsealing and key recovery on their own are in
 * {@link KeyMaterialBenchmark}; they cost a fixed amount per object (3.5 µs for key recovery,
 * about 185 µs per HPKE unseal), not per byte.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Thread)
public class EnvelopeBenchmark {
  /** Plaintext size in MiB; also the operations declared per call, so scores read as MiB/s. */
  static final int MIB_PER_ENVELOPE = 64;

  /** One MiB. */
  static final int MIB = 1 << 20;

  /** Plaintext bytes per envelope. */
  static final int PLAINTEXT_BYTES = MIB_PER_ENVELOPE * MIB;

  /** Buffer the reader drains the plaintext stream or channel with. */
  static final int READ_BUFFER = MIB;

  /** Chunk the Tink-only variant writes plaintext in, the same as Cachet's own copy buffer. */
  static final int WRITE_CHUNK = MIB;

  /** Key servers (slots) per envelope, and the threshold: a typical 2-of-3 setup. */
  static final int KEY_SERVERS = 3;

  /** Shares needed to open. */
  static final int THRESHOLD = 2;

  /** Seed of the plaintext bytes; any value, fixed so every run encrypts the same data. */
  static final long PLAINTEXT_SEED = 0xCAC4E7L;

  /** Associated data length for the Tink-only variant, about what a 2-of-3 header encodes to. */
  static final int TINK_AD_BYTES = 512;

  private byte[] plaintext;
  private SealParameters params;
  private SecureRandom random;
  private byte[] envelope;
  private List<Share> shares;
  private byte[] readBuffer;
  private ByteBuffer channelBuffer;
  private InMemory.Source plaintextSource;
  private InMemory.CountingSink sink;
  private StreamingAead tink;
  private byte[] tinkAd;
  private byte[] tinkBody;

  @Setup
  public void setup() throws Exception {
    plaintext = new byte[PLAINTEXT_BYTES];
    new Random(PLAINTEXT_SEED).nextBytes(plaintext);
    random = new SecureRandom();
    BenchKeyServers ks = BenchKeyServers.generate(KEY_SERVERS);
    List<HpkeKeyPair> servers = ks.pairs();
    params = new SealParameters("bench-ledger", PolicyId.random(random), THRESHOLD, ks.keys());
    plaintextSource = new InMemory.Source(plaintext);
    sink = new InMemory.CountingSink();
    readBuffer = new byte[READ_BUFFER];
    channelBuffer = ByteBuffer.allocate(READ_BUFFER);

    ByteArraySink sealed = new ByteArraySink(PLAINTEXT_BYTES + PLAINTEXT_BYTES / 1000 + 64 * 1024);
    EnvelopeHeader header = Envelope.seal(params, plaintextSource.rewind(), PLAINTEXT_BYTES, sealed, random);
    envelope = sealed.toByteArray();
    if (envelope.length != header.envelopeLength()) {
      throw new IllegalStateException("sealed " + envelope.length + " bytes, header says " + header.envelopeLength());
    }
    shares = new ArrayList<>();
    for (int i = 1; i <= THRESHOLD; i++) {
      shares.add(Envelope.unsealShare(header, i, servers.get(i - 1)));
    }

    byte[] tinkKey = new byte[32];
    random.nextBytes(tinkKey);
    tink = AesGcmHkdfStreamingAead.create(AesGcmHkdfStreamingKey.create(
        AesGcmHkdfStreamingParameters.builder()
            .setKeySizeBytes(32)
            .setDerivedAesGcmKeySizeBytes(32)
            .setHkdfHashType(AesGcmHkdfStreamingParameters.HashType.SHA256)
            .setCiphertextSegmentSizeBytes(BodyLayout.SEGMENT_SIZE)
            .build(),
        SecretBytes.copyFrom(tinkKey, InsecureSecretKeyAccess.get())));
    tinkAd = new byte[TINK_AD_BYTES];
    random.nextBytes(tinkAd);
    ByteArraySink tinkSealed = new ByteArraySink(envelope.length);
    tinkEncryptInto(tinkSealed);
    tinkBody = tinkSealed.toByteArray();

    // Every variant must give back exactly the plaintext before any of them is timed.
    check("open", readAll(openStreamForCheck()));
    check("openChannel", readAllChannel());
    check("tinkOpen", readAll(tink.newDecryptingStream(new InMemory.Source(tinkBody), tinkAd)));
  }

  // ---------------------------------------------------------------- Cachet

  /** Envelope.seal from memory into a counting null sink: header (split, 3 HPKE seals) and body. */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long seal() throws IOException {
    Envelope.seal(params, plaintextSource.rewind(), PLAINTEXT_BYTES, sink.reset(), random);
    return sink.count();
  }

  /** Header read, key recovery from 2 shares, and the whole plaintext stream read with a 1 MiB buffer. */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long open() throws Exception {
    InMemory.Source in = new InMemory.Source(envelope);
    EnvelopeHeader header = EnvelopeHeader.read(in);
    DataKey key = Envelope.recoverKey(header, shares);
    try (InputStream plain = Envelope.openStream(header, key, in)) {
      return drain(plain);
    } finally {
      key.destroy();
    }
  }

  /** As {@link #open}, through the seekable channel (length and last segment checked up front). */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long openChannel() throws Exception {
    EnvelopeHeader header = EnvelopeHeader.read(new InMemory.Source(envelope));
    DataKey key = Envelope.recoverKey(header, shares);
    try (SeekableByteChannel plain = Envelope.openChannel(header, key, new InMemory.Channel(envelope))) {
      long total = 0;
      while (true) {
        channelBuffer.clear();
        int n = plain.read(channelBuffer);
        if (n < 0) {
          return total;
        }
        total += n;
      }
    } finally {
      key.destroy();
    }
  }

  // ---------------------------------------------------------------- Tink alone

  /** Tink's AES-GCM-HKDF streaming encryption of the same plaintext, written straight from the array. */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long tinkSeal() throws IOException {
    tinkEncryptInto(sink.reset());
    return sink.count();
  }

  /** Tink's streaming decryption of the same body, read with a 1 MiB buffer. */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long tinkOpen() throws Exception {
    try (InputStream plain = tink.newDecryptingStream(new InMemory.Source(tinkBody), tinkAd)) {
      return drain(plain);
    }
  }

  /** Size of the buffer between the plaintext stream and Tink in {@link #tinkSealFromStream}. */
  @State(Scope.Thread)
  public static class CopyBuffer {
    /** Bytes; Envelope.writeBody uses 1 MiB. */
    @Param({"65536", "262144", "1048576"})
    public int bytes;

    byte[] buffer;

    @Setup
    public void setup() {
      buffer = new byte[bytes];
    }
  }

  /**
   * What Envelope.writeBody does, on Tink alone: read the plaintext stream into a copy buffer and
   * write that to Tink. Against {@link #tinkSeal} it prices the stream copy; across buffer sizes,
   * whether the buffer's size matters.
   */
  @Benchmark
  @OperationsPerInvocation(MIB_PER_ENVELOPE)
  public long tinkSealFromStream(CopyBuffer copy) throws IOException {
    InMemory.Source in = plaintextSource.rewind();
    try (OutputStream enc = tink.newEncryptingStream(sink.reset(), tinkAd)) {
      for (int n; (n = in.read(copy.buffer)) >= 0; ) {
        enc.write(copy.buffer, 0, n);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    return sink.count();
  }

  // ---------------------------------------------------------------- helpers

  private void tinkEncryptInto(OutputStream out) throws IOException {
    try (OutputStream enc = tink.newEncryptingStream(out, tinkAd)) {
      for (int off = 0; off < PLAINTEXT_BYTES; off += WRITE_CHUNK) {
        enc.write(plaintext, off, Math.min(WRITE_CHUNK, PLAINTEXT_BYTES - off));
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private long drain(InputStream in) throws IOException {
    long total = 0;
    for (int n; (n = in.read(readBuffer)) >= 0; ) {
      total += n;
    }
    return total;
  }

  private InputStream openStreamForCheck() throws Exception {
    InMemory.Source in = new InMemory.Source(envelope);
    EnvelopeHeader header = EnvelopeHeader.read(in);
    return Envelope.openStream(header, Envelope.recoverKey(header, shares), in);
  }

  private byte[] readAllChannel() throws Exception {
    EnvelopeHeader header = EnvelopeHeader.read(new InMemory.Source(envelope));
    try (SeekableByteChannel plain = Envelope.openChannel(header, Envelope.recoverKey(header, shares),
        new InMemory.Channel(envelope))) {
      ByteBuffer all = ByteBuffer.allocate(PLAINTEXT_BYTES);
      while (all.hasRemaining() && plain.read(all) >= 0) {
        // fill
      }
      return all.array();
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private void check(String what, byte[] got) {
    if (!Arrays.equals(plaintext, got)) {
      throw new IllegalStateException(what + " did not give back the plaintext");
    }
  }

  /** A fixed-capacity byte sink for the one-off seals in setup (no doubling as it grows). */
  private static final class ByteArraySink extends OutputStream {
    private byte[] bytes;
    private int size;

    ByteArraySink(int capacity) {
      bytes = new byte[capacity];
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (size + len > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + len));
      }
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }
  }
}
