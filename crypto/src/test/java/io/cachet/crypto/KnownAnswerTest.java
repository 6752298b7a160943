package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A committed version-1 envelope and the key-server keys that open it, plus pinned encodings of
 * the share context, the DEK commitment and an address. If any of these fail, this build no longer
 * reads (or no longer writes) what earlier builds did: that is a format change, not a test to
 * regenerate. The generator below exists only to document how the vectors were made.
 */
class KnownAnswerTest {
  private static final String KAT = "/kat/";
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** SHA-256 of kat/envelope-v1.bin: regenerating the vector must be a deliberate change here too. */
  private static final String ENVELOPE_SHA256 =
      "1e6b0ddc7c9343b036a75826254bce6a72d118997b548abe8d2c494271f84002";

  private static byte[] envelope;
  private static byte[] plaintext;
  private static JsonNode keys;
  private static List<HpkeKeyPair> serverKeys;

  @TempDir Path dir;

  /** Loaded on first use rather than in a {@code @BeforeAll}, so the generator can run without them. */
  private static synchronized void load() throws IOException {
    if (envelope != null) {
      return;
    }
    plaintext = resource("plaintext.txt");
    keys = JSON.readTree(resource("keys.json"));
    serverKeys = new ArrayList<>();
    for (JsonNode server : keys.get("keyServers")) {
      serverKeys.add(HpkeKeyPair.fromPrivateKey(HEX.parseHex(server.get("privateKey").asText())));
    }
    envelope = resource("envelope-v1.bin");
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = KnownAnswerTest.class.getResourceAsStream(KAT + name)) {
      if (in == null) {
        throw new IOException("missing test resource " + KAT + name);
      }
      return in.readAllBytes();
    }
  }

  // ---------------------------------------------------------------- the committed envelope

  @Test
  void committedEnvelope_isTheOnePinned() throws Exception {
    load();
    assertThat(HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(envelope))).isEqualTo(ENVELOPE_SHA256);
  }

  @Test
  void parse_committedHeader_hasTheRecordedFieldsAndReencodesToTheSameBytes() throws Exception {
    load();
    EnvelopeHeader h = EnvelopeHeader.read(new ByteArrayInputStream(envelope));
    assertThat(h.formatVersion()).isEqualTo(1);
    assertThat(h.ledgerId()).isEqualTo(keys.get("ledgerId").asText());
    assertThat(h.policyId()).isEqualTo(PolicyId.parse(keys.get("policyId").asText()));
    assertThat(h.objectId()).isEqualTo(ObjectId.parse(keys.get("objectId").asText()));
    assertThat(h.threshold()).isEqualTo(2).isEqualTo(keys.get("threshold").asInt());
    assertThat(h.shareCount()).isEqualTo(3);
    assertThat(h.body().algorithmId()).isEqualTo(BodyLayout.AES256_GCM_HKDF_SHA256);
    assertThat(h.body().ciphertextSegmentSize()).isEqualTo(1 << 20);
    assertThat(h.plaintextLength()).isEqualTo(plaintext.length);
    assertThat((long) envelope.length).isEqualTo(h.envelopeLength());
    for (int i = 1; i <= 3; i++) {
      JsonNode server = keys.get("keyServers").get(i - 1);
      KeyServerSlot slot = h.slot(i);
      assertThat(slot.index()).isEqualTo(i).isEqualTo(server.get("index").asInt());
      assertThat(slot.keyServerId()).isEqualTo(server.get("id").asText());
      assertThat(serverKeys.get(i - 1).publicKey().toString()).isEqualTo(server.get("publicKey").asText());
      assertThat(slot.keyFingerprint()).isEqualTo(serverKeys.get(i - 1).publicKey().fingerprint());
    }

    byte[] headerBytes = Arrays.copyOf(envelope, h.encodedLength());
    assertThat(h.encoded()).isEqualTo(headerBytes);
    assertThat(EnvelopeHeader.parse(headerBytes).encoded()).isEqualTo(headerBytes);
    EnvelopeHeader rebuilt = new EnvelopeHeader(h.ledgerId(), h.policyId(), h.objectId(), h.threshold(), h.body(),
        h.plaintextLength(), h.dekCommitment(), h.slots());
    assertThat(rebuilt.encoded()).isEqualTo(headerBytes);
  }

  @ParameterizedTest(name = "key servers {0} and {1}")
  @CsvSource({"1,2", "1,3", "2,3", "2,1"})
  void open_committedEnvelopeWithAnyTwoKeyServers_givesThePlaintext(int a, int b) throws Exception {
    load();
    InputStream in = new ByteArrayInputStream(envelope);
    EnvelopeHeader h = EnvelopeHeader.read(in);
    DataKey key = Envelope.recoverKey(h, List.of(
        Envelope.unsealShare(h, a, serverKeys.get(a - 1)), Envelope.unsealShare(h, b, serverKeys.get(b - 1))));
    try (InputStream p = Envelope.openStream(h, key, in)) {
      assertThat(p.readAllBytes()).isEqualTo(plaintext);
    }

    Path file = dir.resolve("envelope-v1.bin");
    Files.write(file, envelope);
    try (SeekableByteChannel ch = Envelope.openChannel(h, key, Files.newByteChannel(file, StandardOpenOption.READ))) {
      ByteBuffer all = ByteBuffer.allocate(plaintext.length);
      while (all.hasRemaining() && ch.read(all) >= 0) {
        // read to the end
      }
      assertThat(all.array()).isEqualTo(plaintext);
    }
  }

  @Test
  void open_committedEnvelopeWithAllThreeKeyServers_givesThePlaintext() throws Exception {
    load();
    InputStream in = new ByteArrayInputStream(envelope);
    EnvelopeHeader h = EnvelopeHeader.read(in);
    List<Share> shares = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      shares.add(Envelope.unsealShare(h, i, serverKeys.get(i - 1)));
    }
    try (InputStream p = Envelope.openStream(h, Envelope.recoverKey(h, shares), in)) {
      assertThat(new String(p.readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo(new String(plaintext, StandardCharsets.US_ASCII));
    }
  }

  // ---------------------------------------------------------------- pinned encodings

  private static byte[] filled(int value) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] counting() {
    byte[] b = new byte[32];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void shareContextInfo_fixedFields_isPinned() {
    ShareContext c = new ShareContext(1, "cachet-kat", PolicyId.of(filled(0x11)), ObjectId.of(filled(0x22)),
        2, 3, "ks-kat-2", 2);
    assertThat(HEX.formatHex(c.info())).isEqualTo(
        "0f" + "6361636865742f73686172652f7631" // "cachet/share/v1"
        + "01" // format version
        + "0a" + "6361636865742d6b6174" // "cachet-kat"
        + "11".repeat(32) // policy id
        + "22".repeat(32) // object id
        + "02" + "03" // t, n
        + "08" + "6b732d6b61742d32" // "ks-kat-2"
        + "02"); // index
  }

  @Test
  void dekCommitment_fixedKeyAndObject_isPinned() {
    byte[] commitment = DekCommitment.compute(DataKey.of(counting()), ObjectId.of(filled(0x22)));
    // BLAKE2b-256("cachet/dek-commitment/v1" || object id || key), checked against Python's hashlib.
    assertThat(HEX.formatHex(commitment)).isEqualTo("085af0e993fc33e98bb1128f930e986ce750e78d07565fafea0fbf172b9b9970");
  }

  @Test
  void addressOfEd25519_fixedKey_isPinned() {
    // The public key of RFC 8032, section 7.1, test 1.
    byte[] publicKey = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    // 0x + BLAKE2b-256(0x00 || key), checked against Python's hashlib.
    assertThat(Address.ofEd25519(publicKey).toString())
        .isEqualTo("0x304af458e90e97c841685b8cbbc59b909f3e2cf150df590ada4c81452c29737d");
    assertThat(VerifyingKey.of(publicKey).address()).isEqualTo(Address.ofEd25519(publicKey));
  }

  @Test
  void hpkeKeyFingerprint_fixedKey_isPinned() {
    // Alice's key pair of RFC 7748, section 6.1.
    HpkeKeyPair alice = HpkeKeyPair.fromPrivateKey(
        HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    assertThat(HEX.formatHex(alice.publicKey().bytes()))
        .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    // BLAKE2b-256("cachet/hpke-key/v1" || key), checked against Python's hashlib.
    assertThat(HEX.formatHex(alice.publicKey().fingerprint()))
        .isEqualTo("5eef8a6a8a0f5147b42c5213e3b8cc06b97b3f5104f5c951f5c109bbc1c7216b");
  }

  // ---------------------------------------------------------------- generator

  /**
   * Wrote src/test/resources/kat once. Run it only for a new format version, into new files: the
   * version-1 vectors must keep opening.
   */
  @Test
  @Disabled("generator: writes src/test/resources/kat")
  void generate() throws Exception {
    Path out = Path.of("src", "test", "resources", "kat");
    Files.createDirectories(out);
    StringBuilder text = new StringBuilder();
    for (int line = 1; text.length() < 1000; line++) {
      text.append(String.format("Cachet known-answer envelope, format version 1, sentence %02d: "
          + "sphinx of black quartz, judge my vow. ", line));
    }
    byte[] plain = text.toString().trim().getBytes(StandardCharsets.US_ASCII);

    String ledgerId = "cachet-kat";
    PolicyId policy = PolicyId.random(TestKeys.RANDOM);
    List<HpkeKeyPair> pairs = new ArrayList<>();
    List<KeyServerKey> servers = new ArrayList<>();
    ObjectNode doc = JSON.createObjectNode();
    doc.put("ledgerId", ledgerId);
    doc.put("policyId", policy.toString());
    ArrayNode list = JSON.createArrayNode();
    for (int i = 1; i <= 3; i++) {
      HpkeKeyPair pair = HpkeKeyPair.generate();
      pairs.add(pair);
      servers.add(new KeyServerKey("ks-kat-" + i, pair.publicKey()));
      list.addObject()
          .put("index", i)
          .put("id", "ks-kat-" + i)
          .put("privateKey", HEX.formatHex(
              pair.tinkKey().getPrivateKeyBytes().toByteArray(InsecureSecretKeyAccess.get())))
          .put("publicKey", pair.publicKey().toString());
    }
    ByteArrayOutputStream env = new ByteArrayOutputStream();
    EnvelopeHeader h = Envelope.seal(new SealParameters(ledgerId, policy, 2, servers),
        new ByteArrayInputStream(plain), plain.length, env, TestKeys.RANDOM);
    doc.put("objectId", h.objectId().toString());
    doc.put("threshold", 2);
    doc.set("keyServers", list);

    Files.write(out.resolve("envelope-v1.bin"), env.toByteArray());
    Files.write(out.resolve("plaintext.txt"), plain);
    Files.writeString(out.resolve("keys.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
  }
}
