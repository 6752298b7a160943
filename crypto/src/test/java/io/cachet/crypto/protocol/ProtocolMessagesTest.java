package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.ExpiredException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import io.cachet.crypto.ShareUnsealException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key-server protocol messages: each one survives its JSON form unchanged, and each one's
 * verification refuses forgeries, substitutions and messages outside their time or audience.
 */
class ProtocolMessagesTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final ObjectMapper TREE = new ObjectMapper();
  static final String LEDGER = "cachet-test";
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final Duration WINDOW = Duration.ofSeconds(60);
  static final Duration TTL = Duration.ofMinutes(10);
  static final List<String> AUDIENCE = List.of("ks-1", "ks-2", "ks-3");

  /** Three key servers, each with a signing identity and an HPKE key pair. */
  static final List<Identity> SERVER_IDS = new ArrayList<>();
  static final List<HpkeKeyPair> SERVER_HPKE = new ArrayList<>();
  static final List<KeyServerKey> SERVERS = new ArrayList<>();

  static {
    for (int i = 1; i <= 3; i++) {
      SERVER_IDS.add(Identity.generate(RANDOM));
      HpkeKeyPair k = HpkeKeyPair.generate();
      SERVER_HPKE.add(k);
      SERVERS.add(new KeyServerKey("ks-" + i, k.publicKey()));
    }
  }

  final Identity person = Identity.generate(RANDOM);
  final Identity session = Identity.generate(RANDOM);
  final Identity mallory = Identity.generate(RANDOM);
  final HpkeKeyPair ephemeral = HpkeKeyPair.generate();

  // ------------------------------------------------------------------ helpers

  /** A sealed 2-of-3 envelope over {@code plaintext}: header and full envelope bytes. */
  record Sealed(EnvelopeHeader header, byte[] envelope) {}

  static Sealed seal(byte[] plaintext) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EnvelopeHeader h = Envelope.seal(new SealParameters(LEDGER, PolicyId.random(RANDOM), 2, SERVERS),
        new ByteArrayInputStream(plaintext), plaintext.length, out, RANDOM);
    return new Sealed(h, out.toByteArray());
  }

  static EnvelopeHeader header() throws Exception {
    return seal(new byte[] {1, 2, 3}).header();
  }

  static String edit(String json, Consumer<ObjectNode> change) throws Exception {
    ObjectNode node = (ObjectNode) TREE.readTree(json);
    change.accept(node);
    return TREE.writeValueAsString(node);
  }

  static byte[] unb64(String s) {
    return java.util.Base64.getUrlDecoder().decode(s);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String randomRequestId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  SessionCertificate certificate() {
    return SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(30), TTL, AUDIENCE);
  }

  FetchKeyRequest request(SessionCertificate cert, String keyServerId, List<FetchKeyItem> items, Instant at) {
    return FetchKeyRequest.create(session, cert, keyServerId, ephemeral.publicKey(), items, at, RANDOM);
  }

  /** The same request with some fields replaced and the original signature kept. */
  static FetchKeyRequest resigned(FetchKeyRequest r, Identity signer) {
    FetchKeyRequest unsigned = new FetchKeyRequest(r.version(), r.requestId(), r.keyServerId(), r.timestampMillis(),
        r.minLedgerHeight(), r.certificate(), r.responseKey(), r.items(), new byte[0]);
    return new FetchKeyRequest(r.version(), r.requestId(), r.keyServerId(), r.timestampMillis(), r.minLedgerHeight(),
        r.certificate(), r.responseKey(), r.items(), signer.sign(unsigned.signedBytes()));
  }

  // ------------------------------------------------------------------ service descriptor

  @Nested
  class ServiceDescriptorMessage {
    final ServiceDescriptor descriptor =
        ServiceDescriptor.create("ks-1", 3, SERVER_HPKE.get(0).publicKey(), SERVER_IDS.get(0), "0.1.0");

    @Test
    void create_thenJsonRoundTrip_verifiesWithSameFields() throws Exception {
      ServiceDescriptor parsed = ServiceDescriptor.fromJson(descriptor.toJson());

      assertThatCode(parsed::verify).doesNotThrowAnyException();
      assertThat(parsed.serverId()).isEqualTo("ks-1");
      assertThat(parsed.keyVersion()).isEqualTo(3);
      assertThat(parsed.hpkePublicKey()).isEqualTo(SERVER_HPKE.get(0).publicKey());
      assertThat(parsed.verifyingKey()).isEqualTo(SERVER_IDS.get(0).verifyingKey());
      assertThat(parsed.softwareVersion()).isEqualTo("0.1.0");
      assertThat(parsed.proofOfPossession()).isEqualTo(descriptor.proofOfPossession());
      assertThat(parsed.toJson()).isEqualTo(descriptor.toJson());
    }

    @Test
    void verify_proofMadeByAnotherIdentity_throwsInvalidSignature() {
      // Mallory signs a descriptor naming the honest server's verification key.
      ServiceDescriptor mallorys = ServiceDescriptor.create("ks-1", 3, SERVER_HPKE.get(0).publicKey(), mallory,
          "0.1.0");
      ServiceDescriptor forged = new ServiceDescriptor("ks-1", 3, SERVER_HPKE.get(0).publicKey(),
          SERVER_IDS.get(0).verifyingKey(), "0.1.0", mallorys.proofOfPossession());

      assertThatThrownBy(forged::verify).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_hpkeKeySwappedAfterSigning_throwsInvalidSignature() throws Exception {
      String swapped = edit(descriptor.toJson(),
          n -> n.put("hpkePublicKey", HpkeKeyPair.generate().publicKey().toString()));

      ServiceDescriptor parsed = ServiceDescriptor.fromJson(swapped);

      assertThatThrownBy(parsed::verify).isInstanceOf(InvalidSignatureException.class);
    }

    static Stream<Arguments> edits() {
      return Stream.of(
          Arguments.of(Named.of("serverId", (Consumer<ObjectNode>) n -> n.put("serverId", "ks-2"))),
          Arguments.of(Named.of("keyVersion", (Consumer<ObjectNode>) n -> n.put("keyVersion", 4))),
          Arguments.of(Named.of("softwareVersion", (Consumer<ObjectNode>) n -> n.put("softwareVersion", "0.1.1"))),
          Arguments.of(Named.of("verifyingKey", (Consumer<ObjectNode>) n ->
              n.put("verifyingKey", Identity.generate(RANDOM).verifyingKey().toString()))),
          Arguments.of(Named.of("proofOfPossession", (Consumer<ObjectNode>) n -> {
            byte[] proof = unb64(n.get("proofOfPossession").asText());
            proof[10] ^= 1;
            n.put("proofOfPossession", Base64Url.encode(proof));
          })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void verify_fieldChangedAfterSigning_throwsInvalidSignature(Consumer<ObjectNode> change) throws Exception {
      ServiceDescriptor parsed = ServiceDescriptor.fromJson(edit(descriptor.toJson(), change));

      assertThatThrownBy(parsed::verify).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void fromJson_keyVersionZero_throwsFormat() throws Exception {
      String json = edit(descriptor.toJson(), n -> n.put("keyVersion", 0));

      assertThatThrownBy(() -> ServiceDescriptor.fromJson(json)).isInstanceOf(FormatException.class);
    }
  }

  // ------------------------------------------------------------------ session certificate

  @Nested
  class SessionCertificateMessage {
    final SessionCertificate cert =
        SessionCertificate.issue(person, session.verifyingKey(), NOW, TTL, List.of("ks-1", "ks-2"));

    @Test
    void issue_thenJsonRoundTrip_verifiesWithSameDigest() throws Exception {
      SessionCertificate parsed = SessionCertificate.fromJson(cert.toJson());

      assertThatCode(parsed::verifySignature).doesNotThrowAnyException();
      assertThatCode(() -> parsed.verifyValidity(NOW, "ks-2", WINDOW)).doesNotThrowAnyException();
      assertThat(parsed.address()).isEqualTo(person.address());
      assertThat(parsed.identityKey()).isEqualTo(person.verifyingKey());
      assertThat(parsed.sessionKey()).isEqualTo(session.verifyingKey());
      assertThat(parsed.createdAt()).isEqualTo(NOW);
      assertThat(parsed.expiresAt()).isEqualTo(NOW.plus(TTL));
      assertThat(parsed.audience()).containsExactly("ks-1", "ks-2");
      assertThat(parsed.digest()).isEqualTo(cert.digest());
      assertThat(parsed.toJson()).isEqualTo(cert.toJson());
    }

    @Test
    void verifySignature_signatureBitFlipped_throwsInvalidSignature() {
      byte[] sig = cert.signature();
      sig[0] ^= 0x01;
      SessionCertificate forged = withSignature(cert, sig);

      assertThatThrownBy(forged::verifySignature).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verifySignature_signedByAnotherIdentityInVictimsName_throwsInvalidSignature() {
      SessionCertificate unsigned = new SessionCertificate(person.address(), person.verifyingKey(),
          mallory.verifyingKey(), NOW.toEpochMilli(), 600, List.of("ks-1"), new byte[0]);
      SessionCertificate forged = withSignature(unsigned, mallory.sign(unsigned.signedBytes()));

      assertThatThrownBy(forged::verifySignature).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verifySignature_addressNotOfIdentityKey_throwsInvalidSignature() {
      // Mallory's own key signs validly, but the certificate claims the victim's address.
      SessionCertificate unsigned = new SessionCertificate(person.address(), mallory.verifyingKey(),
          mallory.verifyingKey(), NOW.toEpochMilli(), 600, List.of("ks-1"), new byte[0]);
      SessionCertificate forged = withSignature(unsigned, mallory.sign(unsigned.signedBytes()));

      assertThatThrownBy(forged::verifySignature)
          .isInstanceOf(InvalidSignatureException.class)
          .hasMessageContaining("does not belong");
    }

    @Test
    void verifySignature_sessionKeySwappedAfterSigning_throwsInvalidSignature() throws Exception {
      String json = edit(cert.toJson(), n -> n.put("sessionKey", mallory.verifyingKey().toString()));
      SessionCertificate parsed = SessionCertificate.fromJson(json);

      assertThatThrownBy(parsed::verifySignature).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verifySignature_audienceWidenedAfterSigning_throwsInvalidSignature() throws Exception {
      String json = edit(cert.toJson(), n -> ((ArrayNode) n.get("audience")).add("ks-3"));
      SessionCertificate parsed = SessionCertificate.fromJson(json);

      assertThatThrownBy(parsed::verifySignature).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verifySignature_lifetimeExtendedAfterSigning_throwsInvalidSignature() throws Exception {
      String json = edit(cert.toJson(), n -> n.put("createdAtMillis", NOW.plus(TTL).toEpochMilli()));
      SessionCertificate parsed = SessionCertificate.fromJson(json);

      assertThatThrownBy(parsed::verifySignature).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verifyValidity_atExactExpiry_throwsExpired() {
      assertThatThrownBy(() -> cert.verifyValidity(NOW.plus(TTL), "ks-1", WINDOW))
          .isInstanceOfSatisfying(ExpiredException.class,
              e -> assertThat(e.reason()).isEqualTo("SESSION_EXPIRED"));
      assertThatThrownBy(() -> cert.verifyValidity(NOW.plus(TTL).plusSeconds(3600), "ks-1", WINDOW))
          .isInstanceOf(ExpiredException.class);
    }

    @Test
    void verifyValidity_oneMilliBeforeExpiry_passes() {
      assertThatCode(() -> cert.verifyValidity(NOW.plus(TTL).minusMillis(1), "ks-1", WINDOW))
          .doesNotThrowAnyException();
    }

    @Test
    void verifyValidity_createdBeyondSkewInFuture_throwsNotYetValid() {
      Instant now = NOW.minus(WINDOW).minusMillis(1);

      assertThatThrownBy(() -> cert.verifyValidity(now, "ks-1", WINDOW))
          .isInstanceOfSatisfying(ExpiredException.class,
              e -> assertThat(e.reason()).isEqualTo("SESSION_NOT_YET_VALID"));
    }

    @Test
    void verifyValidity_createdExactlyAtSkewInFuture_passes() {
      assertThatCode(() -> cert.verifyValidity(NOW.minus(WINDOW), "ks-1", WINDOW)).doesNotThrowAnyException();
    }

    @Test
    void verifyValidity_keyServerNotInAudience_throwsWrongAudience() {
      assertThatThrownBy(() -> cert.verifyValidity(NOW, "ks-3", WINDOW))
          .isExactlyInstanceOf(CachetSecurityException.class)
          .satisfies(e -> assertThat(((CachetSecurityException) e).reason()).isEqualTo("WRONG_AUDIENCE"));
    }

    @Test
    void issue_ttlOverThirtyMinutes_isRefused() {
      assertThatThrownBy(() -> SessionCertificate.issue(person, session.verifyingKey(), NOW,
          Duration.ofMinutes(30).plusSeconds(1), AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> SessionCertificate.issue(person, session.verifyingKey(), NOW,
          Duration.ofDays(1), AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void issue_ttlOfExactlyThirtyMinutes_isAccepted() throws Exception {
      SessionCertificate c = SessionCertificate.issue(person, session.verifyingKey(), NOW, Duration.ofMinutes(30),
          AUDIENCE);

      assertThat(SessionCertificate.fromJson(c.toJson()).ttlSeconds()).isEqualTo(1800);
    }

    @Test
    void issue_ttlUnderOneSecondOrNegative_isRefused() {
      assertThatThrownBy(() -> SessionCertificate.issue(person, session.verifyingKey(), NOW,
          Duration.ofMillis(999), AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> SessionCertificate.issue(person, session.verifyingKey(), NOW,
          Duration.ofSeconds(-5), AUDIENCE)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1801, 3600, 0, -1, Integer.MAX_VALUE})
    void fromJson_ttlOutsideOneSecondToThirtyMinutes_throwsFormat(int ttl) throws Exception {
      String json = edit(cert.toJson(), n -> n.put("ttlSeconds", ttl));

      assertThatThrownBy(() -> SessionCertificate.fromJson(json)).isInstanceOf(FormatException.class);
    }

    @Test
    void fromJson_emptyOrOversizedAudience_throwsFormat() throws Exception {
      String empty = edit(cert.toJson(), n -> n.putArray("audience"));
      String big = edit(cert.toJson(), n -> {
        ArrayNode a = n.putArray("audience");
        for (int i = 0; i <= SessionCertificate.MAX_AUDIENCE; i++) {
          a.add("ks-" + i);
        }
      });
      String badName = edit(cert.toJson(), n -> n.putArray("audience").add("ks 1"));

      assertThatThrownBy(() -> SessionCertificate.fromJson(empty)).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> SessionCertificate.fromJson(big)).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> SessionCertificate.fromJson(badName)).isInstanceOf(FormatException.class);
    }

    private SessionCertificate withSignature(SessionCertificate c, byte[] signature) {
      return new SessionCertificate(c.address(), c.identityKey(), c.sessionKey(), c.createdAtMillis(),
          c.ttlSeconds(), c.audience(), signature);
    }
  }

  // ------------------------------------------------------------------ fetch_key request

  @Nested
  class FetchKeyRequestMessage {
    final SessionCertificate cert = certificate();

    @Test
    void create_thenJsonRoundTrip_verifiesWithSameFields() throws Exception {
      List<FetchKeyItem> items = List.of(FetchKeyItem.of(header(), 1), FetchKeyItem.of(header(), 1));
      FetchKeyRequest req = request(cert, "ks-1", items, NOW);

      FetchKeyRequest parsed = FetchKeyRequest.fromJson(utf8(req.toJson()));

      assertThatCode(() -> parsed.verify("ks-1", NOW, WINDOW)).doesNotThrowAnyException();
      assertThat(parsed.requestId()).isEqualTo(req.requestId()).matches("[0-9a-f]{32}");
      assertThat(parsed.timestampMillis()).isEqualTo(NOW.toEpochMilli());
      assertThat(parsed.responseKey()).isEqualTo(ephemeral.publicKey());
      assertThat(parsed.certificate().digest()).isEqualTo(cert.digest());
      assertThat(parsed.items()).hasSize(2);
      for (int i = 0; i < 2; i++) {
        assertThat(parsed.items().get(i).context()).isEqualTo(items.get(i).context());
        assertThat(parsed.items().get(i).sealedShare()).isEqualTo(items.get(i).sealedShare());
      }
      assertThat(parsed.signedBytes()).isEqualTo(req.signedBytes());
      assertThat(parsed.toJson()).isEqualTo(req.toJson());
    }

    @Test
    void create_twice_usesFreshRequestIds() throws Exception {
      List<FetchKeyItem> items = List.of(FetchKeyItem.of(header(), 1));

      assertThat(request(cert, "ks-1", items, NOW).requestId())
          .isNotEqualTo(request(cert, "ks-1", items, NOW).requestId());
    }

    @Test
    void create_sessionKeyNotTheCertificates_isRefused() throws Exception {
      List<FetchKeyItem> items = List.of(FetchKeyItem.of(header(), 1));

      assertThatThrownBy(() -> FetchKeyRequest.create(mallory, cert, "ks-1", ephemeral.publicKey(), items, NOW,
          RANDOM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verify_signedByKeyOtherThanCertificateSessionKey_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);

      FetchKeyRequest bySomeoneElse = resigned(req, mallory);
      FetchKeyRequest byIdentityKey = resigned(req, person);

      assertThatThrownBy(() -> bySomeoneElse.verify("ks-1", NOW, WINDOW))
          .isInstanceOf(InvalidSignatureException.class);
      assertThatThrownBy(() -> byIdentityKey.verify("ks-1", NOW, WINDOW))
          .isInstanceOf(InvalidSignatureException.class);
      assertThatCode(() -> resigned(req, session).verify("ks-1", NOW, WINDOW)).doesNotThrowAnyException();
    }

    @Test
    void verify_itemReplacedAfterSigning_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      FetchKeyRequest changed = new FetchKeyRequest(req.version(), req.requestId(), req.keyServerId(), req.timestampMillis(),
          req.minLedgerHeight(), req.certificate(), req.responseKey(), List.of(FetchKeyItem.of(header(), 1)), req.signature());

      assertThatThrownBy(() -> changed.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_sealedShareByteChangedInJson_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      String json = edit(req.toJson(), n -> {
        ObjectNode item = (ObjectNode) n.get("items").get(0);
        byte[] share = unb64(item.get("sealedShare").asText());
        share[40] ^= 0x20;
        item.put("sealedShare", Base64Url.encode(share));
      });
      FetchKeyRequest parsed = FetchKeyRequest.fromJson(utf8(json));

      assertThatThrownBy(() -> parsed.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_responseKeyRedirectedAfterSigning_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      String json = edit(req.toJson(), n -> n.put("responseKey", HpkeKeyPair.generate().publicKey().toString()));
      FetchKeyRequest parsed = FetchKeyRequest.fromJson(utf8(json));

      assertThatThrownBy(() -> parsed.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_timestampChangedAfterSigning_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      String json = edit(req.toJson(), n -> n.put("timestampMillis", NOW.plusSeconds(1).toEpochMilli()));
      FetchKeyRequest parsed = FetchKeyRequest.fromJson(utf8(json));

      assertThatThrownBy(() -> parsed.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, -1, 3_600_000, -3_600_000})
    void verify_timestampOutsideWindow_throwsStaleRequest(long beyondMillis) throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      // The server's clock is off from the request's by the window plus beyondMillis, either way.
      Instant serverNow = beyondMillis > 0
          ? NOW.plus(WINDOW).plusMillis(beyondMillis)
          : NOW.minus(WINDOW).plusMillis(beyondMillis);
      SessionCertificate longLived = SessionCertificate.issue(person, session.verifyingKey(),
          serverNow.minus(Duration.ofMinutes(5)), Duration.ofMinutes(30), AUDIENCE);
      FetchKeyRequest stale = request(longLived, "ks-1", req.items(), NOW);

      assertThatThrownBy(() -> stale.verify("ks-1", serverNow, WINDOW))
          .isInstanceOfSatisfying(ExpiredException.class, e -> assertThat(e.reason()).isEqualTo("STALE_REQUEST"));
    }

    @Test
    void verify_timestampExactlyAtWindowEdges_passes() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);

      assertThatCode(() -> req.verify("ks-1", NOW.plus(WINDOW), WINDOW)).doesNotThrowAnyException();
      assertThatCode(() -> req.verify("ks-1", NOW.minus(WINDOW), WINDOW)).doesNotThrowAnyException();
    }

    @Test
    void verify_expiredCertificate_throwsExpired() throws Exception {
      SessionCertificate old = SessionCertificate.issue(person, session.verifyingKey(),
          NOW.minus(TTL).minusSeconds(1), TTL, AUDIENCE);
      FetchKeyRequest req = request(old, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);

      assertThatThrownBy(() -> req.verify("ks-1", NOW, WINDOW))
          .isInstanceOfSatisfying(ExpiredException.class, e -> assertThat(e.reason()).isEqualTo("SESSION_EXPIRED"));
    }

    @Test
    void verify_certificateNotForThisKeyServer_throwsWrongAudience() throws Exception {
      SessionCertificate narrow = SessionCertificate.issue(person, session.verifyingKey(), NOW, TTL,
          List.of("ks-2"));
      FetchKeyRequest req = request(narrow, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);

      assertThatThrownBy(() -> req.verify("ks-1", NOW, WINDOW))
          .isInstanceOfSatisfying(CachetSecurityException.class,
              e -> assertThat(e.reason()).isEqualTo("WRONG_AUDIENCE"));
    }

    @Test
    void verify_requestAddressedToAnotherKeyServer_throwsWrongKeyServer() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);

      assertThatThrownBy(() -> req.verify("ks-2", NOW, WINDOW))
          .isInstanceOfSatisfying(CachetSecurityException.class,
              e -> assertThat(e.reason()).isEqualTo("WRONG_KEY_SERVER"));
    }

    @Test
    void verify_itemWhoseContextNamesAnotherKeyServer_throwsWrongKeyServer() throws Exception {
      EnvelopeHeader h = header();
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(h, 1), FetchKeyItem.of(h, 2)), NOW);

      assertThatThrownBy(() -> req.verify("ks-1", NOW, WINDOW))
          .isInstanceOfSatisfying(CachetSecurityException.class, e -> {
            assertThat(e.reason()).isEqualTo("WRONG_KEY_SERVER");
            assertThat(e.getMessage()).contains("item 1").contains("ks-2");
          });
    }

    @Test
    void create_hundredItems_isAcceptedAndHundredAndOneRefused() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      FetchKeyRequest full = request(cert, "ks-1", Collections.nCopies(FetchKeyRequest.MAX_ITEMS, item), NOW);

      assertThatCode(() -> FetchKeyRequest.fromJson(utf8(full.toJson())).verify("ks-1", NOW, WINDOW))
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> request(cert, "ks-1", Collections.nCopies(FetchKeyRequest.MAX_ITEMS + 1, item), NOW))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromJson_hundredAndOneItems_throwsFormat() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      String json = edit(req.toJson(), n -> {
        ArrayNode items = (ArrayNode) n.get("items");
        JsonNode one = items.get(0);
        for (int i = 0; i < FetchKeyRequest.MAX_ITEMS; i++) {
          items.add(one.deepCopy());
        }
      });

      assertThatThrownBy(() -> FetchKeyRequest.fromJson(utf8(json)))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("101");
    }

    @Test
    void createAndFromJson_noItems_areRefused() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      String json = edit(req.toJson(), n -> n.putArray("items"));

      assertThatThrownBy(() -> request(cert, "ks-1", List.of(), NOW)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> FetchKeyRequest.fromJson(utf8(json))).isInstanceOf(FormatException.class);
    }

    @Test
    void verify_certificateSwappedForAnotherValidOneOfSamePerson_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      // Same person, same session key, same audience: only the creation time differs.
      SessionCertificate other = SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(10), TTL,
          AUDIENCE);
      assertThatCode(other::verifySignature).doesNotThrowAnyException();
      FetchKeyRequest swapped = new FetchKeyRequest(req.version(), req.requestId(), req.keyServerId(), req.timestampMillis(),
          req.minLedgerHeight(), other, req.responseKey(), req.items(), req.signature());

      assertThatThrownBy(() -> swapped.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_certificateOfAnotherPersonForSameSessionKey_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      SessionCertificate mallorys = SessionCertificate.issue(mallory, session.verifyingKey(), NOW.minusSeconds(30),
          TTL, AUDIENCE);
      FetchKeyRequest swapped = new FetchKeyRequest(req.version(), req.requestId(), req.keyServerId(), req.timestampMillis(),
          req.minLedgerHeight(), mallorys, req.responseKey(), req.items(), req.signature());

      assertThatThrownBy(() -> swapped.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void verify_minLedgerHeightChangedAfterSigning_throwsInvalidSignature() throws Exception {
      FetchKeyRequest req = FetchKeyRequest.create(session, cert, "ks-1", ephemeral.publicKey(),
          List.of(FetchKeyItem.of(header(), 1)), 41, NOW, RANDOM);
      String json = edit(req.toJson(), n -> n.put("minLedgerHeight", 0));
      FetchKeyRequest parsed = FetchKeyRequest.fromJson(utf8(json));

      assertThat(req.minLedgerHeight()).isEqualTo(41);
      assertThat(FetchKeyRequest.fromJson(utf8(req.toJson())).minLedgerHeight()).isEqualTo(41);
      assertThatCode(() -> req.verify("ks-1", NOW, WINDOW)).doesNotThrowAnyException();
      assertThatThrownBy(() -> parsed.verify("ks-1", NOW, WINDOW)).isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void fromJson_versionOneRequest_isRefusedNamingTheVersion() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      // a version 1 request: no version field and no ledger height
      String v1 = edit(req.toJson(), n -> {
        n.remove("version");
        n.remove("minLedgerHeight");
      });
      String v3 = edit(req.toJson(), n -> n.put("version", 3));

      assertThat(FetchKeyRequest.declaredVersion(utf8(v1))).isEqualTo(1);
      assertThatThrownBy(() -> FetchKeyRequest.fromJson(utf8(v1))).isInstanceOf(FormatException.class)
          .hasMessageContaining("version 1 is not supported").hasMessageContaining("reads version 2");
      assertThat(FetchKeyRequest.declaredVersion(utf8(v3))).isEqualTo(3);
      assertThatThrownBy(() -> FetchKeyRequest.fromJson(utf8(v3))).isInstanceOf(FormatException.class)
          .hasMessageContaining("version 3 is not supported");
      assertThat(FetchKeyRequest.declaredVersion(utf8("[1]"))).isEqualTo(FetchKeyRequest.UNREADABLE_VERSION);
      // an object without a version that is no v1 request either is just malformed
      assertThat(FetchKeyRequest.declaredVersion(utf8("{\"requestId\":1}")))
          .isEqualTo(FetchKeyRequest.UNREADABLE_VERSION);
      assertThat(FetchKeyRequest.declaredVersion(utf8(req.toJson()))).isEqualTo(FetchKeyRequest.VERSION);
    }

    @Test
    void signedBytes_pinTheVersionTwoLayout() throws Exception {
      FetchKeyRequest req = FetchKeyRequest.create(session, cert, "ks-1", ephemeral.publicKey(),
          List.of(FetchKeyItem.of(header(), 1)), 0x0102030405060708L, NOW, RANDOM);
      byte[] signed = req.signedBytes();
      byte[] tag = io.cachet.crypto.codec.CanonicalWriter.tagged("cachet/fetch-key/v2").toByteArray();
      // tag, then string8 request id (1 + 32), string8 key-server id (1 + 4), u64 timestamp, u64 height
      int at = tag.length + 1 + 32 + 1 + 4 + 8;

      assertThat(Arrays.copyOf(signed, tag.length)).isEqualTo(tag);
      assertThat(Arrays.copyOfRange(signed, at, at + 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void fromJson_malformedRequestId_throwsFormat() throws Exception {
      FetchKeyRequest req = request(cert, "ks-1", List.of(FetchKeyItem.of(header(), 1)), NOW);
      for (String id : List.of("", "ABCDEF0123456789ABCDEF0123456789", "0123", "0123456789abcdef0123456789abcdef0")) {
        String json = edit(req.toJson(), n -> n.put("requestId", id));
        assertThatThrownBy(() -> FetchKeyRequest.fromJson(utf8(json))).as(id).isInstanceOf(FormatException.class);
      }
    }
  }

  // ------------------------------------------------------------------ release, receipt, response

  @Nested
  class ReleaseAndReceipt {
    final Identity server = SERVER_IDS.get(0);
    final String requestId = randomRequestId();
    final byte[] blockHash = blockHash();

    byte[] blockHash() {
      byte[] h = new byte[Receipt.BLOCK_HASH_BYTES];
      Arrays.fill(h, (byte) 0x5a);
      return h;
    }

    Receipt receiptFor(ShareContext ctx, byte[] released) {
      return Receipt.sign(server, ctx.keyServerId(), requestId, person.address(), ctx.ledgerId(), ctx.policyId(),
          ctx.objectId(), ctx.index(), 1234, NOW.minusSeconds(2).toEpochMilli(), blockHash, NOW.toEpochMilli(),
          released);
    }

    /** Key server {@code index}'s side: unseal the share and re-seal it for the request. */
    byte[] release(FetchKeyItem item, int index, String reqId, HpkeKeyPair to) throws Exception {
      Share share = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(index - 1));
      try {
        return ShareRelease.reseal(share, item.context(), reqId, to.publicKey());
      } finally {
        share.destroy();
      }
    }

    @Test
    void fullFlow_requestReleaseAndOpen_recoversThePlaintext() throws Exception {
      byte[] plaintext = utf8("the quarterly numbers, in confidence");
      Sealed sealed = seal(plaintext);
      EnvelopeHeader header = EnvelopeHeader.read(new ByteArrayInputStream(sealed.envelope()));
      SessionCertificate cert = certificate();
      List<Share> shares = new ArrayList<>();

      for (int index : new int[] {3, 1}) {
        String ks = "ks-" + index;
        FetchKeyRequest req = request(cert, ks, List.of(FetchKeyItem.of(header, index)), NOW);

        // Key server: parse, verify, unseal, re-seal to the ephemeral key, sign a receipt.
        FetchKeyRequest got = FetchKeyRequest.fromJson(utf8(req.toJson()));
        got.verify(ks, NOW.plusSeconds(1), WINDOW);
        FetchKeyItem item = got.items().get(0);
        Share share = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(index - 1));
        byte[] released = ShareRelease.reseal(share, item.context(), got.requestId(), got.responseKey());
        ShareContext ctx = item.context();
        Receipt receipt = Receipt.sign(SERVER_IDS.get(index - 1), ks, got.requestId(),
            got.certificate().address(), ctx.ledgerId(), ctx.policyId(), ctx.objectId(), ctx.index(), 77,
            NOW.toEpochMilli(), new byte[0], NOW.plusSeconds(1).toEpochMilli(), released);
        String responseJson = new FetchKeyResponse(got.requestId(), ks, 77,
            List.of(ItemResult.released(0, released, receipt))).toJson();

        // Requester: parse, check the receipt, open the share.
        FetchKeyResponse response = FetchKeyResponse.fromJson(utf8(responseJson));
        assertThat(response.requestId()).isEqualTo(req.requestId());
        ItemResult result = response.items().get(0);
        assertThat(result.isReleased()).isTrue();
        result.receipt().verify(SERVER_IDS.get(index - 1).verifyingKey(), result.releasedShare());
        assertThat(result.receipt().requester()).isEqualTo(person.address());
        assertThat(result.receipt().objectId()).isEqualTo(header.objectId());
        assertThat(result.receipt().policyId()).isEqualTo(header.policyId());
        shares.add(ShareRelease.open(result.releasedShare(), header.shareContext(index), req.requestId(),
            ephemeral));
      }

      DataKey key = Envelope.recoverKey(header, shares);
      InputStream in = new ByteArrayInputStream(sealed.envelope());
      EnvelopeHeader.read(in);
      try (InputStream opened = Envelope.openStream(header, key, in)) {
        assertThat(opened.readAllBytes()).isEqualTo(plaintext);
      }
    }

    @Test
    void open_releasedForAnotherRequestId_throwsShareUnseal() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);

      assertThatThrownBy(() -> ShareRelease.open(released, item.context(), randomRequestId(), ephemeral))
          .isInstanceOf(ShareUnsealException.class);
      assertThat(ShareRelease.open(released, item.context(), requestId, ephemeral).index()).isEqualTo(1);
    }

    @Test
    void open_withAnotherEphemeralKey_throwsShareUnseal() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);

      assertThatThrownBy(() -> ShareRelease.open(released, item.context(), requestId, HpkeKeyPair.generate()))
          .isInstanceOf(ShareUnsealException.class);
    }

    @Test
    void open_underContextOfAnotherSlotOrObject_throwsShareUnseal() throws Exception {
      EnvelopeHeader h = header();
      FetchKeyItem item = FetchKeyItem.of(h, 1);
      byte[] released = release(item, 1, requestId, ephemeral);

      assertThatThrownBy(() -> ShareRelease.open(released, h.shareContext(2), requestId, ephemeral))
          .isInstanceOf(ShareUnsealException.class);
      assertThatThrownBy(() -> ShareRelease.open(released, header().shareContext(1), requestId, ephemeral))
          .isInstanceOf(ShareUnsealException.class);
    }

    @Test
    void open_truncatedOrGarbageRelease_throwsShareUnseal() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);

      assertThatThrownBy(() -> ShareRelease.open(java.util.Arrays.copyOf(released, 40), item.context(), requestId,
          ephemeral)).isInstanceOf(ShareUnsealException.class);
      assertThatThrownBy(() -> ShareRelease.open(new byte[0], item.context(), requestId, ephemeral))
          .isInstanceOf(ShareUnsealException.class);
    }

    @Test
    void reseal_shareOfAnotherSlot_isRefused() throws Exception {
      EnvelopeHeader h = header();
      Share share = Envelope.unsealShare(h, 1, SERVER_HPKE.get(0));

      assertThatThrownBy(() -> ShareRelease.reseal(share, h.shareContext(2), requestId, ephemeral.publicKey()))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void receipt_signThenJsonRoundTrip_verifies() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      Receipt receipt = receiptFor(item.context(), released);

      Receipt parsed = Receipt.fromJson(receipt.toJson());

      assertThatCode(() -> parsed.verify(server.verifyingKey(), released)).doesNotThrowAnyException();
      assertThat(parsed.signedBytes()).isEqualTo(receipt.signedBytes());
      assertThat(parsed.ledgerHeight()).isEqualTo(1234);
      assertThat(parsed.toJson()).isEqualTo(receipt.toJson());
    }

    @Test
    void receiptVerify_forAnotherReleasedShare_throwsInvalidSignature() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      byte[] another = release(item, 1, requestId, ephemeral);
      Receipt receipt = receiptFor(item.context(), released);

      assertThatThrownBy(() -> receipt.verify(server.verifyingKey(), another))
          .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void receiptVerify_underAnotherServersKey_throwsInvalidSignature() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      Receipt receipt = receiptFor(item.context(), released);

      assertThatThrownBy(() -> receipt.verify(SERVER_IDS.get(1).verifyingKey(), released))
          .isInstanceOf(InvalidSignatureException.class);
    }

    static Stream<Arguments> receiptEdits() {
      return Stream.of(
          Arguments.of(Named.of("keyServerId", (Consumer<ObjectNode>) n -> n.put("keyServerId", "ks-2"))),
          Arguments.of(Named.of("requestId", (Consumer<ObjectNode>) n -> n.put("requestId", randomRequestId()))),
          Arguments.of(Named.of("requester", (Consumer<ObjectNode>) n ->
              n.put("requester", Identity.generate(RANDOM).address().toString()))),
          Arguments.of(Named.of("policyId", (Consumer<ObjectNode>) n ->
              n.put("policyId", PolicyId.random(RANDOM).toString()))),
          Arguments.of(Named.of("objectId", (Consumer<ObjectNode>) n ->
              n.put("objectId", ObjectId.random(RANDOM).toString()))),
          Arguments.of(Named.of("shareIndex", (Consumer<ObjectNode>) n -> n.put("shareIndex", 2))),
          Arguments.of(Named.of("ledgerId", (Consumer<ObjectNode>) n -> n.put("ledgerId", "cachet-other"))),
          Arguments.of(Named.of("decisionBlockHash", (Consumer<ObjectNode>) n -> {
            byte[] h = unb64(n.get("decisionBlockHash").asText());
            h[31] ^= 1;
            n.put("decisionBlockHash", Base64Url.encode(h));
          })),
          Arguments.of(Named.of("decisionBlockHash dropped", (Consumer<ObjectNode>) n ->
              n.put("decisionBlockHash", ""))),
          Arguments.of(Named.of("ledgerHeight", (Consumer<ObjectNode>) n -> n.put("ledgerHeight", 1235))),
          Arguments.of(Named.of("ledgerTimeMillis", (Consumer<ObjectNode>) n ->
              n.put("ledgerTimeMillis", n.get("ledgerTimeMillis").asLong() + 1))),
          Arguments.of(Named.of("decidedAtMillis", (Consumer<ObjectNode>) n ->
              n.put("decidedAtMillis", n.get("decidedAtMillis").asLong() - 1))),
          Arguments.of(Named.of("releasedShareDigest", (Consumer<ObjectNode>) n -> {
            byte[] d = unb64(n.get("releasedShareDigest").asText());
            d[0] ^= 1;
            n.put("releasedShareDigest", Base64Url.encode(d));
          })),
          Arguments.of(Named.of("signature", (Consumer<ObjectNode>) n -> {
            byte[] s = unb64(n.get("signature").asText());
            s[63] ^= 0x40;
            n.put("signature", Base64Url.encode(s));
          })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("receiptEdits")
    void receiptVerify_fieldTamperedInJson_throwsInvalidSignature(Consumer<ObjectNode> change) throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      Receipt tampered = Receipt.fromJson(edit(receiptFor(item.context(), released).toJson(), change));

      assertThatThrownBy(() -> tampered.verify(server.verifyingKey(), released))
          .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void receiptFromJson_shareIndexBeyondMaxShares_throwsFormat() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      String json = receiptFor(item.context(), new byte[] {1}).toJson();

      for (int index : new int[] {0, 33, 256, 100_000}) {
        String edited = edit(json, n -> n.put("shareIndex", index));
        assertThatThrownBy(() -> Receipt.fromJson(edited)).as("shareIndex %d", index)
            .isInstanceOf(FormatException.class);
      }
    }

    @Test
    void receiptFromJson_version1WithoutLedgerId_throwsFormatNamingVersion1() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      String v1 = edit(receiptFor(item.context(), new byte[] {1}).toJson(), n -> {
        n.remove("version");
        n.remove("ledgerId");
        n.remove("decisionBlockHash");
      });

      assertThatThrownBy(() -> Receipt.fromJson(v1)).isInstanceOf(FormatException.class)
          .hasMessageContaining("receipt format version 1 is not supported");
    }

    @Test
    void receiptFromJson_version3_throwsFormatNamingVersion3() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      String v3 = edit(receiptFor(item.context(), new byte[] {1}).toJson(), n -> n.put("version", 3));

      assertThatThrownBy(() -> Receipt.fromJson(v3)).isInstanceOf(FormatException.class)
          .hasMessageContaining("receipt format version 3 is not supported");
    }

    @Test
    void responseFromJson_carryingAVersion1Receipt_throwsFormatNamingVersion1() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      String json = new FetchKeyResponse(requestId, "ks-1", 1234,
          List.of(ItemResult.released(0, released, receiptFor(item.context(), released)))).toJson();
      ObjectNode doc = (ObjectNode) TREE.readTree(json);
      ObjectNode receipt = (ObjectNode) doc.get("items").get(0).get("receipt");
      receipt.remove("version");
      receipt.remove("ledgerId");
      receipt.remove("decisionBlockHash");

      assertThatThrownBy(() -> FetchKeyResponse.fromJson(utf8(TREE.writeValueAsString(doc))))
          .isInstanceOf(FormatException.class).hasMessageContaining("receipt format version 1 is not supported");
    }

    @Test
    void receiptVerify_forContractXPresentedAsContractY_throwsInvalidSignature() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      byte[] released = release(item, 1, requestId, ephemeral);
      String contractX = "eip155:31337:0x" + "11".repeat(20);
      String contractY = "eip155:31337:0x" + "22".repeat(20);
      ShareContext ctx = item.context();
      Receipt forX = Receipt.sign(server, ctx.keyServerId(), requestId, person.address(), contractX, ctx.policyId(),
          ctx.objectId(), ctx.index(), 1234, NOW.toEpochMilli(), blockHash, NOW.toEpochMilli(), released);
      Receipt asY = Receipt.fromJson(edit(forX.toJson(), n -> n.put("ledgerId", contractY)));

      assertThatCode(() -> forX.verify(server.verifyingKey(), released)).doesNotThrowAnyException();
      assertThat(asY.ledgerId()).isEqualTo(contractY);
      assertThatThrownBy(() -> asY.verify(server.verifyingKey(), released))
          .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void receiptSignedBytes_nameTheLedgerIdAndTheBlockHash() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      Receipt receipt = receiptFor(item.context(), new byte[] {1});
      byte[] signed = receipt.signedBytes();

      assertThat(new String(signed, java.nio.charset.StandardCharsets.ISO_8859_1))
          .contains("cachet/receipt/v2").contains(LEDGER);
      String hex = java.util.HexFormat.of().formatHex(signed);
      assertThat(hex).contains("20" + java.util.HexFormat.of().formatHex(blockHash));
    }

    @Test
    void receiptFromJson_overlongRequestId_throwsFormat() throws Exception {
      FetchKeyItem item = FetchKeyItem.of(header(), 1);
      String json = edit(receiptFor(item.context(), new byte[] {1}).toJson(), n -> n.put("requestId", "a".repeat(300)));

      assertThatThrownBy(() -> Receipt.fromJson(json)).isInstanceOf(FormatException.class);
    }
  }

  @Nested
  class FetchKeyResponseMessage {
    final String requestId = randomRequestId();

    FetchKeyResponse response() throws Exception {
      EnvelopeHeader h = header();
      ShareContext ctx = h.shareContext(1);
      byte[] released = ShareRelease.reseal(Envelope.unsealShare(h, 1, SERVER_HPKE.get(0)), ctx, requestId,
          HpkeKeyPair.generate().publicKey());
      Receipt receipt = Receipt.sign(SERVER_IDS.get(0), "ks-1", requestId, Identity.generate(RANDOM).address(),
          ctx.ledgerId(), ctx.policyId(), ctx.objectId(), 1, 9, 10, new byte[0], 11, released);
      return new FetchKeyResponse(requestId, "ks-1", 9, List.of(
          ItemResult.released(0, released, receipt),
          ItemResult.denied(1, "POLICY_DENIED", "the policy does not list this address"),
          ItemResult.denied(2, "CONTEXT_MISMATCH", "the share does not open under its context")));
    }

    @Test
    void jsonRoundTrip_releasedAndDeniedItems_preservesEveryField() throws Exception {
      FetchKeyResponse original = response();
      String json = original.toJson();

      FetchKeyResponse parsed = FetchKeyResponse.fromJson(utf8(json));

      assertThat(parsed.requestId()).isEqualTo(requestId);
      assertThat(parsed.keyServerId()).isEqualTo("ks-1");
      assertThat(parsed.ledgerHeight()).isEqualTo(9);
      assertThat(parsed.items()).hasSize(3);
      ItemResult released = parsed.items().get(0);
      assertThat(released.isReleased()).isTrue();
      assertThat(released.releasedShare()).isEqualTo(original.items().get(0).releasedShare());
      assertThat(released.receipt().signedBytes()).isEqualTo(original.items().get(0).receipt().signedBytes());
      assertThatCode(() -> released.receipt().verify(SERVER_IDS.get(0).verifyingKey(), released.releasedShare()))
          .doesNotThrowAnyException();
      ItemResult denied = parsed.items().get(1);
      assertThat(denied.isReleased()).isFalse();
      assertThat(denied.status()).isEqualTo(ItemResult.DENIED);
      assertThat(denied.releasedShare()).isNull();
      assertThat(denied.receipt()).isNull();
      assertThat(denied.reason()).isEqualTo("POLICY_DENIED");
      assertThat(denied.message()).isEqualTo("the policy does not list this address");
      assertThat(parsed.toJson()).isEqualTo(json);
    }

    @Test
    void toJson_deniedItem_writesNullShareFieldsAndNoDerivedFields() throws Exception {
      JsonNode denied = TREE.readTree(response().toJson()).get("items").get(1);

      assertThat(denied.has("releasedShare")).isTrue();
      assertThat(denied.get("releasedShare").isNull()).isTrue();
      assertThat(denied.get("receipt").isNull()).isTrue();
      assertThat(denied.has("released")).isFalse();
    }

    @Test
    void jsonRoundTrip_noItems_isAccepted() throws Exception {
      FetchKeyResponse empty = new FetchKeyResponse(requestId, "ks-2", 0, List.of());

      assertThat(FetchKeyResponse.fromJson(utf8(empty.toJson())).items()).isEmpty();
    }

    static ObjectNode item(ObjectNode response, int i) {
      return (ObjectNode) response.get("items").get(i);
    }

    static Stream<Arguments> malformed() {
      return Stream.of(
          Arguments.of(Named.of("released without receipt", (Consumer<ObjectNode>) n -> item(n, 0).putNull("receipt"))),
          Arguments.of(Named.of("released without share",
              (Consumer<ObjectNode>) n -> item(n, 0).putNull("releasedShare"))),
          Arguments.of(Named.of("released with a reason",
              (Consumer<ObjectNode>) n -> item(n, 0).put("reason", "POLICY_DENIED"))),
          Arguments.of(Named.of("denied with a share",
              (Consumer<ObjectNode>) n -> item(n, 1).put("releasedShare", "AAAA"))),
          Arguments.of(Named.of("denied with a receipt",
              (Consumer<ObjectNode>) n -> item(n, 1).set("receipt", item(n, 0).get("receipt").deepCopy()))),
          Arguments.of(Named.of("denied without reason", (Consumer<ObjectNode>) n -> item(n, 1).putNull("reason"))),
          Arguments.of(Named.of("denied without message", (Consumer<ObjectNode>) n -> item(n, 1).putNull("message"))),
          Arguments.of(Named.of("unknown status", (Consumer<ObjectNode>) n -> item(n, 1).put("status", "maybe"))),
          Arguments.of(Named.of("items out of order", (Consumer<ObjectNode>) n -> {
            ArrayNode items = (ArrayNode) n.get("items");
            JsonNode first = items.remove(0);
            items.insert(1, first);
          })),
          Arguments.of(Named.of("item index repeated", (Consumer<ObjectNode>) n -> item(n, 2).put("item", 1))),
          Arguments.of(Named.of("item index skipped", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("items")).remove(1))),
          Arguments.of(Named.of("negative item index", (Consumer<ObjectNode>) n -> item(n, 0).put("item", -1))),
          Arguments.of(Named.of("negative ledger height", (Consumer<ObjectNode>) n -> n.put("ledgerHeight", -1))),
          Arguments.of(Named.of("bad key server id", (Consumer<ObjectNode>) n -> n.put("keyServerId", "ks/1"))),
          Arguments.of(Named.of("bad request id", (Consumer<ObjectNode>) n -> n.put("requestId", "not-an-id"))),
          Arguments.of(Named.of("items null", (Consumer<ObjectNode>) n -> n.putNull("items"))),
          Arguments.of(Named.of("item null", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("items")).set(1, com.fasterxml.jackson.databind.node.NullNode.getInstance()))),
          Arguments.of(Named.of("more than 100 items", (Consumer<ObjectNode>) n -> {
            ArrayNode items = (ArrayNode) n.get("items");
            for (int i = items.size(); i <= FetchKeyRequest.MAX_ITEMS; i++) {
              items.add(item(n, 1).deepCopy().put("item", i));
            }
          })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void fromJson_malformedItemCombination_throwsFormat(Consumer<ObjectNode> change) throws Exception {
      String json = edit(response().toJson(), change);

      assertThatThrownBy(() -> FetchKeyResponse.fromJson(utf8(json))).isInstanceOf(FormatException.class);
    }
  }
}
