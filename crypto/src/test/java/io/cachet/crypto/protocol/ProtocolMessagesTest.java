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
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.ExpiredException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
}
