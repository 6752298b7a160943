package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.policy.evm.EvmPolicyLedger;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import io.cachet.policy.evm.EvmTestChain;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On an EVM key server a policy id names a policy only together with its contract. Mallory seals
 * under her own contract with the victim's policy id; the receipt she gets must name her contract
 * (and the block decided at), so that it cannot pass for a release under the victim's contract.
 * (Found by review: receipt v1 signed the policy id alone.)
 */
class ReceiptBindingTest {
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock();
  private Vertx vertx;
  private WebClient http;
  private EvmTestChain chain;
  private KeyServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    chain = EvmTestChain.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.closeAndWait();
    }
    chain.close();
    http.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void receipt_underAnAttackersContractWithTheVictimsPolicyId_namesTheContract() throws Exception {
    Address victimContract = chain.deploy("SettablePolicy");
    Address malloryContract = chain.deploy("SettablePolicy");
    PolicyId victimPolicy = PolicyId.random(Requester.RANDOM);
    EvmIdentity mallory = EvmIdentity.generate(Requester.RANDOM).onChain(chain.chainId());
    chain.set(malloryContract, victimPolicy, mallory.address(), 0, EvmPolicyLedger.NEVER);

    KeyServerConfig config = KeyServerConfig.defaultsEvm("ks-1", dir.resolve("ks-1"),
        new KeyServerEvmConfig(chain.rpcUrl(), null, chain.chainId(), 0, Duration.ofMillis(100)))
        .with(Map.of("port", "0", "rate-limit-ip", "0", "rate-limit-requester", "0", "worker-threads", "2",
            "kdf-memory", "64", "kdf-iterations", "1"));
    server = KeyServer.start(vertx, config, PASSPHRASE.clone(), clock).await(30, TimeUnit.SECONDS);
    server.awaitLedgerHeight(chain.head()).await(30, TimeUnit.SECONDS);

    String malloryLedger = new EvmLedgerId(chain.chainId(), malloryContract).toString();
    byte[] plain = "mallory's own bytes".getBytes(StandardCharsets.UTF_8);
    EnvelopeHeader header = Envelope.seal(new SealParameters(malloryLedger, victimPolicy, 1,
        List.of(new KeyServerKey("ks-1", server.descriptor().hpkePublicKey()))), new ByteArrayInputStream(plain),
        plain.length, new ByteArrayOutputStream(), Requester.RANDOM);

    Identity session = Identity.generate(Requester.RANDOM);
    SessionCertificate cert = mallory.certify(session.verifyingKey(), clock.instant(), Duration.ofMinutes(10),
        List.of("ks-1"));
    Requester carrier = new Requester(clock, List.of("ks-1"));
    FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", carrier.responseKey.publicKey(),
        List.of(FetchKeyItem.of(header, 1)), clock.instant(), Requester.RANDOM);
    HttpResponse<Buffer> r = http.post(server.port(), "127.0.0.1", "/v1/fetch_key")
        .sendBuffer(Buffer.buffer(request.toJson())).await(30, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    FetchKeyResponse response = FetchKeyResponse.fromJson(r.body().getBytes());
    ItemResult item = response.items().get(0);
    assertThat(item.isReleased()).as("released: %s %s", item.reason(), item.message()).isTrue();
    Receipt receipt = response.receipt();
    ReceiptEntry entry = receipt.entries().get(0);
    assertThat(entry.policyId()).isEqualTo(victimPolicy);

    String signed = new String(receipt.signedBytes(), StandardCharsets.ISO_8859_1);
    assertThat(signed).as("the key server's signature binds which contract decided (victim's is %s)",
        victimContract).contains(malloryLedger);
    assertThat(entry.ledgerId()).isEqualTo(malloryLedger);
    receipt.verify(server.descriptor().verifyingKey(), response.sealedShares());

    // the same receipt presented as one under the victim's contract does not verify
    String victimLedger = new EvmLedgerId(chain.chainId(), victimContract).toString();
    Receipt asVictims = Receipt.fromJson(receipt.toJson().replace(malloryLedger, victimLedger));
    assertThat(asVictims.entries().get(0).ledgerId()).isEqualTo(victimLedger);
    assertThatThrownBy(() -> asVictims.verify(server.descriptor().verifyingKey(), response.sealedShares()))
        .isInstanceOf(InvalidSignatureException.class);

    // it names the block the decision was taken at, by hash
    long height = entry.ledgerHeight();
    JsonObject block = (JsonObject) chain.rpc("eth_getBlockByNumber", "0x" + Long.toHexString(height), false);
    assertThat(Hex.to0x(entry.decisionBlockHash())).isEqualTo(block.getString("hash"));

    // and so does the audit log's entry for the release
    AuditEvent audited = AuditLogTest.entries(server.auditLogFile()).stream().map(AuditEntry::event)
        .filter(e -> e.outcome() == AuditEvent.Outcome.RELEASED).findFirst().orElseThrow();
    assertThat(audited.ledgerId()).isEqualTo(malloryLedger);
    assertThat(audited.policy()).isEqualTo(victimPolicy);
    assertThat(Hex.to0x(audited.blockHash())).isEqualTo(block.getString("hash"));
  }
}
