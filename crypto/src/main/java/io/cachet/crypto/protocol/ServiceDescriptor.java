package io.cachet.crypto.protocol;

import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.util.Objects;

/**
 * What {@code GET /v1/service} answers: the key server's id, the HPKE key new envelopes should
 * seal to (and its version), the Ed25519 key that signs its receipts, and a proof of possession:
 * the signing key's signature over all of these, so nobody can advertise another server's keys
 * under their own id or graft their own HPKE key onto another server's identity.
 */
public record ServiceDescriptor(
    String serverId,
    int keyVersion,
    HpkeRecipientKey hpkePublicKey,
    VerifyingKey verifyingKey,
    String softwareVersion,
    byte[] proofOfPossession) {

  public ServiceDescriptor {
    Names.check(serverId, "serverId");
    if (keyVersion < 1) {
      throw new IllegalArgumentException("keyVersion starts at 1");
    }
    Objects.requireNonNull(hpkePublicKey, "hpkePublicKey");
    Objects.requireNonNull(verifyingKey, "verifyingKey");
    Names.check(softwareVersion, "softwareVersion");
    Objects.requireNonNull(proofOfPossession, "proofOfPossession");
    proofOfPossession = proofOfPossession.clone();
  }

  public static ServiceDescriptor create(String serverId, int keyVersion, HpkeRecipientKey hpkePublicKey,
      Identity signingKey, String softwareVersion) {
    byte[] unsigned = signedBytes(serverId, keyVersion, hpkePublicKey, signingKey.verifyingKey(), softwareVersion);
    return new ServiceDescriptor(serverId, keyVersion, hpkePublicKey, signingKey.verifyingKey(), softwareVersion,
        signingKey.sign(unsigned));
  }

  private static byte[] signedBytes(String serverId, int keyVersion, HpkeRecipientKey hpke, VerifyingKey vk,
      String softwareVersion) {
    return CanonicalWriter.tagged("cachet/service/v1")
        .string8(serverId)
        .u32(keyVersion)
        .fixed(hpke.bytes())
        .fixed(vk.bytes())
        .string8(softwareVersion)
        .toByteArray();
  }

  /** Checks the proof of possession. */
  public void verify() throws InvalidSignatureException {
    verifyingKey.verify(signedBytes(serverId, keyVersion, hpkePublicKey, verifyingKey, softwareVersion),
        proofOfPossession, "service descriptor of " + serverId);
  }

  @Override
  public byte[] proofOfPossession() {
    return proofOfPossession.clone();
  }

  public String toJson() {
    return Json.write(this);
  }

  public static ServiceDescriptor fromJson(String json) throws FormatException {
    return Json.read(json, ServiceDescriptor.class);
  }
}
