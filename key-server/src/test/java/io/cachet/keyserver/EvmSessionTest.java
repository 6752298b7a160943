package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.Window;
import io.vertx.core.buffer.Buffer;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.sec.SECNamedCurves;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * EVM requesters (EIP-712 session certificates) at a key server of the embedded ledger: the
 * certificate is read and its signer recovered, then refused because it is bound to an EVM chain
 * this server does not follow, even where the embedded ledger lists the EVM address.
 */
class EvmSessionTest extends KeyServerTestBase {
  private static final long CHAIN_ID = 31337;

  private KeyServer ks;
  private EnvelopeHeader header;
  private final Identity owner = Identity.generate(Requester.RANDOM);
  private final EvmIdentity alice = EvmIdentity.generate(Requester.RANDOM).onChain(CHAIN_ID);
  private final Identity session = Identity.generate(Requester.RANDOM);
  private final Requester carrier = new Requester(clock, List.of("ks-1"));

  @BeforeEach
  void setUp() throws Exception {
    ks = start("ks-1");
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, alice.address(), Window.ALWAYS);
    header = seal(list, ks);
    caughtUp(ks);
  }

  private Reply fetchWith(SessionCertificate cert) throws Exception {
    FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", carrier.responseKey.publicKey(),
        List.of(FetchKeyItem.of(header, 1)), clock.instant(), Requester.RANDOM);
    return fetch(ks, request);
  }

  @Test
  void evmRequester_atEmbeddedLedgerKeyServer_isRefusedWithWrongChain() throws Exception {
    SessionCertificate cert = alice.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(10),
        List.of("ks-1"));

    Reply r = fetchWith(cert);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(403);
    assertThat(r.reason()).isEqualTo(SessionCertificate.WRONG_CHAIN);
    assertThat(r.body().toString()).contains("eip155:31337").contains("embedded ledger");
    AuditEvent refused = AuditLogTest.entries(ks.auditLogFile()).get(0).event();
    assertThat(refused.reason()).isEqualTo(SessionCertificate.WRONG_CHAIN);
    assertThat(refused.requester()).as("the signer was proven, so it is recorded").isEqualTo(alice.address());
  }

  @Test
  void evmCertificateSignedByAnotherKey_isRefusedAsABadSignature() throws Exception {
    SessionCertificate real = alice.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(10),
        List.of("ks-1"));
    EvmIdentity mallory = EvmIdentity.generate(Requester.RANDOM);
    SessionCertificate forged = new SessionCertificate(real.scheme(), real.chainId(), real.address(), null,
        real.sessionKey(), real.createdAtMillis(), real.ttlSeconds(), real.audience(),
        mallory.signDigest(real.typedDataDigest()));

    Reply r = fetchWith(forged);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(401);
    assertThat(r.reason()).isEqualTo("BAD_SIGNATURE");
    assertThat(AuditLogTest.entries(ks.auditLogFile()).get(0).event().requester()).isNull();
  }

  @Test
  void highSTwinOfAnAcceptedEvmCertificate_isNotServedFromTheCache() throws Exception {
    SessionCertificate cert = alice.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(10),
        List.of("ks-1"));
    assertThat(fetchWith(cert).reason()).as("signature verified and cached, then the chain refused")
        .isEqualTo(SessionCertificate.WRONG_CHAIN);
    byte[] sig = cert.signature();
    BigInteger n = SECNamedCurves.getByName("secp256k1").getN();
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] high = n.subtract(s).toByteArray();
    Arrays.fill(sig, 32, 64, (byte) 0);
    int len = Math.min(32, high.length);
    System.arraycopy(high, high.length - len, sig, 64 - len, len);
    sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
    SessionCertificate twin = new SessionCertificate(cert.scheme(), cert.chainId(), cert.address(), null,
        cert.sessionKey(), cert.createdAtMillis(), cert.ttlSeconds(), cert.audience(), sig);

    Reply r = fetchWith(twin);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(401);
    assertThat(r.reason()).isEqualTo("BAD_SIGNATURE");
    assertThat(r.body().toString()).contains("high s");
  }

  @Test
  void evmCertificateWithAnUnknownScheme_isRefusedAsMalformedNamingIt() throws Exception {
    SessionCertificate cert = alice.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(10),
        List.of("ks-1"));
    FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", carrier.responseKey.publicKey(),
        List.of(FetchKeyItem.of(header, 1)), clock.instant(), Requester.RANDOM);
    String json = request.toJson().replace("\"scheme\":\"eip712\"", "\"scheme\":\"schnorr\"");

    Reply r = post(ks, "/v1/fetch_key", Buffer.buffer(json));

    assertThat(r.status()).as("%s", r.body()).isEqualTo(400);
    assertThat(r.reason()).isEqualTo("MALFORMED");
    assertThat(r.body().toString()).contains("schnorr");
  }
}
