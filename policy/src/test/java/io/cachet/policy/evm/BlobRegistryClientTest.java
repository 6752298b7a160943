package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.policy.Reason;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The blob registry on a real anvil: who records, and lifetimes that only go up. */
class BlobRegistryClientTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static StockContractsChain chain;
  private static BlobRegistryClient operator;
  private static BlobRegistryClient stranger;

  @BeforeAll
  static void start() throws Exception {
    chain = StockContractsChain.start();
    operator = client(0);
    stranger = client(2);
  }

  @AfterAll
  static void stop() {
    operator.close();
    stranger.close();
    chain.close();
  }

  private static BlobRegistryClient client(int dev) throws Exception {
    return new BlobRegistryClient(StockContractsChain.credentials(dev), chain.anvil.chainId(), chain.anvil.rpcUrl(),
        chain.addresses.blobRegistry());
  }

  private static byte[] word() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }

  @Test
  void record_thenRead_returnsEveryField() throws Exception {
    byte[] blob = word();
    byte[] digest = word();
    List<byte[]> signers = List.of(word(), word(), word());
    operator.record(blob, 1234, 40, digest, signers);
    BlobRegistryClient.Recorded r = operator.certificate(blob).orElseThrow();
    assertEquals(1234, r.size());
    assertEquals(40, r.endEpoch());
    assertArrayEquals(digest, r.certificateDigest());
    assertEquals(3, r.signerKeys().size());
    assertArrayEquals(signers.get(2), r.signerKeys().get(2));
    assertTrue(r.recordedAtSeconds() > 0);
    assertTrue(stranger.certificate(word()).isEmpty());
  }

  @Test
  void reader_withNoAccount_readsWhatWasRecorded_andNothingForAnUnknownBlob() throws Exception {
    byte[] blob = word();
    byte[] digest = word();
    operator.record(blob, 77, 12, digest, List.of(word(), word()));
    try (BlobRegistryReader reader = new BlobRegistryReader(chain.anvil.rpcUrl(), chain.addresses.blobRegistry())) {
      BlobRegistryClient.Recorded r = reader.certificate(blob).orElseThrow();
      assertEquals(77, r.size());
      assertEquals(12, r.endEpoch());
      assertArrayEquals(digest, r.certificateDigest());
      assertEquals(2, r.signerKeys().size());
      assertTrue(reader.certificate(word()).isEmpty());
    }
  }

  @Test
  void record_shorterLifetime_changesNothing_longerReplaces() throws Exception {
    byte[] blob = word();
    operator.record(blob, 10, 50, word(), List.of(word()));
    operator.record(blob, 10, 49, word(), List.of(word()));
    operator.record(blob, 10, 50, word(), List.of(word()));
    assertEquals(50, operator.certificate(blob).orElseThrow().endEpoch());
    byte[] digest = word();
    operator.record(blob, 10, 51, digest, List.of(word()));
    assertEquals(51, operator.certificate(blob).orElseThrow().endEpoch());
    assertArrayEquals(digest, operator.certificate(blob).orElseThrow().certificateDigest());
  }

  @Test
  void record_byStranger_refusedNotAuthorized_untilTheOperatorAppointsIt() throws Exception {
    byte[] blob = word();
    CachetSecurityException e = assertThrows(CachetSecurityException.class,
        () -> stranger.record(blob, 1, 1, word(), List.of(word())));
    assertEquals(Reason.NOT_AUTHORIZED.name(), e.reason());
    assertEquals(Reason.NOT_AUTHORIZED.name(), assertThrows(CachetSecurityException.class,
        () -> stranger.setRecorder(StockContractsChain.address(2), true)).reason());
    operator.setRecorder(StockContractsChain.address(2), true);
    stranger.record(blob, 1, 1, word(), List.of(word()));
    assertEquals(1, stranger.certificate(blob).orElseThrow().endEpoch());
  }

  @Test
  void record_withoutSigners_refusedBadCertificate() {
    CachetSecurityException e = assertThrows(CachetSecurityException.class,
        () -> operator.record(word(), 1, 1, word(), List.of()));
    assertEquals(Reason.BAD_CERTIFICATE.name(), e.reason());
  }
}
