package io.cachet.crypto;

import io.cachet.crypto.protocol.SessionCertificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Who asks key servers for shares: an address and the power to vouch for a session key under it.
 * An Ed25519 {@link Identity} (embedded ledger) signs the certificate itself; an {@link
 * EvmIdentity} signs it as EIP-712 typed data, as a standard wallet could, for the chain it is
 * bound to ({@link EvmIdentity#onChain}).
 */
public interface Requester {
  Address address();

  /** A certificate vouching for {@code sessionKey}, signed by this requester. */
  SessionCertificate certify(VerifyingKey sessionKey, Instant createdAt, Duration ttl, List<String> audience);
}
