package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.StreamingAead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An encryptor who does not follow the protocol: shares off the polynomial, a commitment to
 * another key, shares that rebuild different keys from different subsets, a header that lies
 * about the length. Readers refuse each before releasing plaintext that others would not see.
 */
class MaliciousEncryptorTest {
  private static final TestKeys KEYS = new TestKeys(5);

  @TempDir Path dir;

  private static SealParameters params(int t, int n) {
    return new SealParameters(TestKeys.LEDGER, PolicyId.random(TestKeys.RANDOM), t, KEYS.servers.subList(0, n));
  }

  private static List<Share> unsealAll(EnvelopeHeader h) throws ShareUnsealException {
    List<Share> out = new ArrayList<>();
    for (int i = 1; i <= h.shareCount(); i++) {
      out.add(KEYS.unseal(h, i));
    }
    return out;
  }

  private static Share altered(Share s) {
    byte[] v = s.value();
    v[TestKeys.RANDOM.nextInt(v.length)] ^= (byte) (1 + TestKeys.RANDOM.nextInt(255));
    return new Share(s.index(), v);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    TestKeys.RANDOM.nextBytes(b);
    return b;
  }

  /** The same header with every field kept but the commitment. */
  private static EnvelopeHeader withCommitment(EnvelopeHeader h, byte[] commitment) {
    return new EnvelopeHeader(h.ledgerId(), h.policyId(), h.objectId(), h.threshold(), h.body(),
        h.plaintextLength(), commitment, h.slots());
  }

  /** The same header declaring another plaintext length. */
  private static EnvelopeHeader withLength(EnvelopeHeader h, long length) {
    return new EnvelopeHeader(h.ledgerId(), h.policyId(), h.objectId(), h.threshold(), h.body(), length,
        h.dekCommitment(), h.slots());
  }

  /** Header then a body of {@code plain} under {@code key}, with the header as associated data. */
  private static byte[] envelope(EnvelopeHeader header, DataKey key, byte[] plain) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(header.encoded());
    StreamingAead aead = header.body().streamingAead(key);
    try (OutputStream enc = aead.newEncryptingStream(out, header.encoded())) {
      enc.write(plain);
    }
    return out.toByteArray();
  }

  private Path write(byte[] bytes) throws Exception {
    Path f = Files.createTempFile(dir, "envelope", ".bin");
    Files.write(f, bytes);
    return f;
  }

  /** Opens the file for random access; closes it again if the envelope is refused. */
  private static SeekableByteChannel openChannel(EnvelopeHeader h, DataKey key, Path file) throws Exception {
    SeekableByteChannel raw = Files.newByteChannel(file, StandardOpenOption.READ);
    try {
      return Envelope.openChannel(h, key, raw);
    } catch (Exception e) {
      raw.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- (a) inconsistent shares

  @ParameterizedTest(name = "{0}-of-{1}, share {2} altered")
  @CsvSource({"2,3,1", "2,3,2", "2,3,3", "3,5,1", "3,5,3", "3,5,5", "1,3,1", "1,3,3", "4,5,2"})
  void recoverKey_oneOfMoreThanTSharesAltered_throwsInconsistentSharesException(int t, int n, int bad)
      throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    EnvelopeHeader h = Envelope.sealHeader(params(t, n), key, ObjectId.random(TestKeys.RANDOM), 10, TestKeys.RANDOM);
    List<Share> shares = new ArrayList<>(unsealAll(h));
    shares.set(bad - 1, altered(shares.get(bad - 1)));

    // t+1 shares that include the altered one, in either order, and all n of them.
    List<Share> tPlusOne = new ArrayList<>();
    tPlusOne.add(shares.get(bad - 1));
    for (int i = 1; tPlusOne.size() < t + 1; i++) {
      if (i != bad) {
        tPlusOne.add(shares.get(i - 1));
      }
    }
    assertThatThrownBy(() -> Envelope.recoverKey(h, tPlusOne)).isInstanceOf(InconsistentSharesException.class);
    List<Share> reversed = new ArrayList<>(tPlusOne);
    Collections.reverse(reversed);
    assertThatThrownBy(() -> Envelope.recoverKey(h, reversed)).isInstanceOf(InconsistentSharesException.class);
    assertThatThrownBy(() -> Envelope.recoverKey(h, shares)).isInstanceOf(InconsistentSharesException.class);
  }

  @Test
  void recoverKey_exactlyTSharesOneAltered_throwsCommitmentMismatchException() throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), 10, TestKeys.RANDOM);
    List<Share> shares = unsealAll(h);
    // With only t shares nothing shows the alteration but the commitment.
    assertThatThrownBy(() -> Envelope.recoverKey(h, List.of(altered(shares.get(0)), shares.get(1))))
        .isInstanceOf(CommitmentMismatchException.class);
  }

  @Test
  void recoverKey_twoDifferentSharesWithTheSameIndex_throwsInconsistentSharesException() throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), 10, TestKeys.RANDOM);
    List<Share> shares = unsealAll(h);
    Share other = new Share(1, random(DataKey.LENGTH));
    assertThatThrownBy(() -> Envelope.recoverKey(h, List.of(shares.get(0), other, shares.get(1))))
        .isInstanceOf(InconsistentSharesException.class);
    assertThatThrownBy(() -> Envelope.recoverKey(h, List.of(shares.get(1), other, shares.get(0))))
        .isInstanceOf(InconsistentSharesException.class);
  }

  @Test
  void recoverKey_sameShareTwiceAndAnother_recoversTheKey() throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), 10, TestKeys.RANDOM);
    List<Share> shares = unsealAll(h);
    Share copy = new Share(1, shares.get(0).value());
    assertThat(Envelope.recoverKey(h, List.of(shares.get(0), copy, shares.get(2))).sameKeyAs(key)).isTrue();
  }

  // ---------------------------------------------------------------- (b) commitment

  @Test
  void recoverKey_headerCommitsToAnotherKey_throwsCommitmentMismatchException() throws Exception {
    DataKey keyA = DataKey.generate(TestKeys.RANDOM);
    DataKey keyB = DataKey.generate(TestKeys.RANDOM);
    ObjectId object = ObjectId.random(TestKeys.RANDOM);
    EnvelopeHeader honest = Envelope.sealHeader(params(2, 3), keyA, object, 10, TestKeys.RANDOM);
    EnvelopeHeader lying = withCommitment(honest, DekCommitment.compute(keyB, object));
    List<Share> shares = unsealAll(lying);

    assertThat(Envelope.recoverKey(honest, shares.subList(0, 2)).sameKeyAs(keyA)).isTrue();
    assertThatThrownBy(() -> Envelope.recoverKey(lying, shares.subList(0, 2)))
        .isInstanceOf(CommitmentMismatchException.class);
    assertThatThrownBy(() -> Envelope.recoverKey(lying, shares))
        .isInstanceOf(CommitmentMismatchException.class);
  }

  @Test
  void recoverKey_commitmentForAnotherObjectId_throwsCommitmentMismatchException() throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    EnvelopeHeader honest = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), 10,
        TestKeys.RANDOM);
    EnvelopeHeader lying = withCommitment(honest, DekCommitment.compute(key, ObjectId.random(TestKeys.RANDOM)));
    assertThatThrownBy(() -> Envelope.recoverKey(lying, unsealAll(lying)))
        .isInstanceOf(CommitmentMismatchException.class);
  }

  @Test
  void openStreamAndChannel_keyNotMatchingTheCommitment_throwCommitmentMismatchException() throws Exception {
    DataKey keyA = DataKey.generate(TestKeys.RANDOM);
    DataKey keyB = DataKey.generate(TestKeys.RANDOM);
    byte[] plain = random(5000);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), keyA, ObjectId.random(TestKeys.RANDOM), plain.length,
        TestKeys.RANDOM);
    // A body that really is under key B, with this header as associated data: it would decrypt.
    byte[] underB = envelope(h, keyB, plain);
    byte[] body = Arrays.copyOfRange(underB, h.encodedLength(), underB.length);
    assertThatThrownBy(() -> Envelope.openStream(h, keyB, new ByteArrayInputStream(body)))
        .isInstanceOf(CommitmentMismatchException.class);
    Path file = write(underB);
    assertThatThrownBy(() -> openChannel(h, keyB, file))
        .isInstanceOf(CommitmentMismatchException.class);
  }

  @Test
  void open_sharesRebuildingDifferentKeysFromDifferentSubsets_onlyTheCommittedKeyOpens() throws Exception {
    // Three arbitrary 32-byte values are a valid-looking 2-of-3 sharing, but of three different
    // lines: {1,2}, {1,3} and {2,3} each rebuild another key. The encryptor commits to the first.
    ObjectId object = ObjectId.random(TestKeys.RANDOM);
    SealParameters p = params(2, 3);
    List<Share> raw = List.of(new Share(1, random(32)), new Share(2, random(32)), new Share(3, random(32)));
    DataKey k12 = Shamir.combine(List.of(raw.get(0), raw.get(1)), 2, 3);
    DataKey k13 = Shamir.combine(List.of(raw.get(0), raw.get(2)), 2, 3);
    assertThat(k12.sameKeyAs(k13)).isFalse();

    List<KeyServerSlot> slots = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      KeyServerKey server = p.keyServers().get(i - 1);
      ShareContext context = new ShareContext(Envelope.VERSION, p.ledgerId(), p.policyId(), object, 2, 3,
          server.id(), i);
      slots.add(new KeyServerSlot(i, server.id(), server.key().fingerprint(),
          server.key().seal(raw.get(i - 1).value(), context.info())));
    }
    byte[] plain = random(2000);
    EnvelopeHeader h = new EnvelopeHeader(p.ledgerId(), p.policyId(), object, 2, BodyLayout.DEFAULT,
        plain.length, DekCommitment.compute(k12, object), slots);
    byte[] env = envelope(h, k12, plain);
    byte[] body = Arrays.copyOfRange(env, h.encodedLength(), env.length);
    List<Share> shares = unsealAll(EnvelopeHeader.parse(h.encoded()));

    DataKey opened = Envelope.recoverKey(h, List.of(shares.get(0), shares.get(1)));
    try (InputStream in = Envelope.openStream(h, opened, new ByteArrayInputStream(body))) {
      assertThat(in.readAllBytes()).isEqualTo(plain);
    }
    assertThatThrownBy(() -> Envelope.recoverKey(h, List.of(shares.get(0), shares.get(2))))
        .isInstanceOf(CommitmentMismatchException.class);
    assertThatThrownBy(() -> Envelope.recoverKey(h, List.of(shares.get(1), shares.get(2))))
        .isInstanceOf(CommitmentMismatchException.class);
    assertThatThrownBy(() -> Envelope.recoverKey(h, shares)).isInstanceOf(InconsistentSharesException.class);
  }

  // ---------------------------------------------------------------- (c) lying about the length

  @ParameterizedTest(name = "declares {0}, holds {1}")
  @CsvSource({"100,200", "0,1", "0,5000", "1000,1001", "4999,5000"})
  void open_bodyLongerThanDeclared_throwsTrailingDataException(int declared, int actual) throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    byte[] plain = random(actual);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), declared,
        TestKeys.RANDOM);
    byte[] env = envelope(h, key, plain);
    byte[] body = Arrays.copyOfRange(env, h.encodedLength(), env.length);

    Path file = write(env);
    assertThatThrownBy(() -> openChannel(h, key, file)).isInstanceOf(TrailingDataException.class);

    // Read one byte at a time: no more than the declared length is ever handed out.
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertThatThrownBy(() -> {
      try (InputStream in = Envelope.openStream(h, key, new ByteArrayInputStream(body))) {
        for (int b; (b = in.read()) >= 0; ) {
          got.write(b);
        }
      }
    }).isInstanceOf(TrailingDataException.class);
    assertThat(got.toByteArray()).isEqualTo(Arrays.copyOf(plain, declared));

    assertThatThrownBy(() -> {
      try (InputStream in = Envelope.openStream(h, key, new ByteArrayInputStream(body))) {
        in.readAllBytes();
      }
    }).isInstanceOf(TrailingDataException.class);
  }

  @ParameterizedTest(name = "declares {0}, holds {1}")
  @CsvSource({"200,100", "1,0", "5000,0", "1001,1000", "5000,4999"})
  void open_bodyShorterThanDeclared_throwsTruncatedBodyException(int declared, int actual) throws Exception {
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    byte[] plain = random(actual);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), declared,
        TestKeys.RANDOM);
    byte[] env = envelope(h, key, plain);
    byte[] body = Arrays.copyOfRange(env, h.encodedLength(), env.length);

    Path file = write(env);
    assertThatThrownBy(() -> openChannel(h, key, file)).isInstanceOf(TruncatedBodyException.class);

    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertThatThrownBy(() -> {
      try (InputStream in = Envelope.openStream(h, key, new ByteArrayInputStream(body))) {
        byte[] buf = new byte[333];
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      }
    }).isInstanceOf(TruncatedBodyException.class);
    assertThat(got.toByteArray()).isEqualTo(plain);
  }

  @ParameterizedTest(name = "the header declares {0} bytes")
  @ValueSource(longs = {99, 101, 0, 1 << 20})
  void open_honestBodyUnderAHeaderWithAnotherLength_isRefused(long length) throws Exception {
    // Rewriting the declared length changes the associated data, so the body no longer authenticates
    // under that header: the length is bound to the body, not only checked against it.
    DataKey key = DataKey.generate(TestKeys.RANDOM);
    byte[] plain = random(100);
    EnvelopeHeader h = Envelope.sealHeader(params(2, 3), key, ObjectId.random(TestKeys.RANDOM), plain.length,
        TestKeys.RANDOM);
    byte[] env = envelope(h, key, plain);
    byte[] body = Arrays.copyOfRange(env, h.encodedLength(), env.length);
    EnvelopeHeader lying = withLength(h, length);
    assertThat(Envelope.recoverKey(lying, unsealAll(lying)).sameKeyAs(key)).isTrue();
    assertThatThrownBy(() -> {
      try (InputStream in = Envelope.openStream(lying, key, new ByteArrayInputStream(body))) {
        in.readAllBytes();
      }
    }).isInstanceOf(BodyIntegrityException.class);

    byte[] relabelled = Arrays.copyOf(lying.encoded(), lying.encodedLength() + body.length);
    System.arraycopy(body, 0, relabelled, lying.encodedLength(), body.length);
    Path file = write(relabelled);
    assertThatThrownBy(() -> {
      try (SeekableByteChannel ch = openChannel(lying, key, file)) {
        ch.read(ByteBuffer.allocate(1));
      }
    }).isInstanceOf(BodyIntegrityException.class);
  }
}
