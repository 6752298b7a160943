package io.cachet.crypto;

import io.cachet.crypto.protocol.SessionCertificate;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.security.auth.Destroyable;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;

/**
 * A secp256k1 identity for EVM chains: the 32-byte private key and the address it owns, the last
 * 20 bytes of Keccak-256 of its uncompressed public key. Signs session certificates as EIP-712
 * typed data, as a wallet would. Never prints its secret; {@link #destroy} zeroes the bytes this
 * object holds (web3j keeps the key as an immutable {@code BigInteger}, which Java cannot zero:
 * destroying drops every reference to it).
 *
 * <p>An EIP-712 session certificate names the chain it is for, so {@link #certify(VerifyingKey,
 * Instant, Duration, List)} needs the identity bound to a chain first ({@link #onChain}); a key
 * server refuses a certificate for another chain than the one it follows.
 */
public final class EvmIdentity implements Requester, Destroyable {
  /** Bytes of a secp256k1 private key. */
  public static final int KEY_LENGTH = 32;

  private final byte[] secret;
  private final Address address;
  /** The chain this identity certifies sessions for; {@link #UNBOUND} until {@link #onChain}. */
  private final long chainId;
  private volatile ECKeyPair keyPair;
  private volatile boolean destroyed;

  /** The chain id of an identity not yet bound to a chain. */
  public static final long UNBOUND = 0;

  private EvmIdentity(byte[] secret) {
    this(secret, UNBOUND);
  }

  private EvmIdentity(byte[] secret, long chainId) {
    if (secret == null || secret.length != KEY_LENGTH) {
      throw new IllegalArgumentException("a secp256k1 private key is " + KEY_LENGTH + " bytes");
    }
    BigInteger d = new BigInteger(1, secret);
    if (d.signum() == 0 || d.compareTo(EvmSignatures.ORDER) >= 0) {
      throw new IllegalArgumentException("not a secp256k1 private key (must be 1..n-1)");
    }
    if (chainId < 0) {
      throw new IllegalArgumentException("chain id must not be negative");
    }
    this.chainId = chainId;
    this.secret = secret.clone();
    this.keyPair = ECKeyPair.create(d);
    this.address = EvmSignatures.addressOf(keyPair.getPublicKey());
  }

  /** A new key from {@code random}. */
  public static EvmIdentity generate(SecureRandom random) {
    byte[] secret = new byte[KEY_LENGTH];
    try {
      while (true) {
        random.nextBytes(secret);
        BigInteger d = new BigInteger(1, secret);
        // Fewer than 2^-127 of draws fall outside 1..n-1; drawing again keeps the key uniform.
        if (d.signum() > 0 && d.compareTo(EvmSignatures.ORDER) < 0) {
          return new EvmIdentity(secret);
        }
      }
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /** Rebuilds an identity from its 32-byte private key (as a keystore holds it). */
  public static EvmIdentity fromPrivateKey(byte[] secret) {
    return new EvmIdentity(secret);
  }

  /**
   * Imports a private key written as 64 hex digits, with or without {@code 0x}, surrounding white
   * space ignored (as wallets and anvil print keys).
   */
  public static EvmIdentity fromHex(String text) throws FormatException {
    String t = text == null ? "" : text.strip();
    if (!t.startsWith("0x") && !t.startsWith("0X")) {
      t = "0x" + t;
    } else {
      t = "0x" + t.substring(2);
    }
    byte[] secret = Hex.from0x(t.toLowerCase(Locale.ROOT), KEY_LENGTH, "secp256k1 private key");
    try {
      return new EvmIdentity(secret);
    } catch (IllegalArgumentException e) {
      throw new FormatException(e.getMessage());
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  @Override
  public Address address() {
    return address;
  }

  /**
   * Signs a 32-byte digest as 65 bytes {@code r ‖ s ‖ v} (low s, v 27 or 28). The digest is not
   * hashed again: pass an EIP-712 digest, never a message.
   */
  public byte[] signDigest(byte[] digest) {
    return EvmSignatures.sign(digest, live());
  }

  /** web3j credentials for signing transactions with this key. */
  public Credentials credentials() {
    return Credentials.create(live());
  }

  /**
   * The same key, certifying sessions for chain {@code chainId} (EIP-155 id, positive). The copy
   * is destroyed on its own; destroying it leaves this one intact.
   */
  public EvmIdentity onChain(long chainId) {
    if (chainId <= 0) {
      throw new IllegalArgumentException("an EVM chain id is positive");
    }
    byte[] copy = privateKey();
    try {
      return new EvmIdentity(copy, chainId);
    } finally {
      Arrays.fill(copy, (byte) 0);
    }
  }

  /** The chain this identity certifies sessions for, or {@link #UNBOUND}. */
  public long chainId() {
    return chainId;
  }

  /**
   * A certificate for the chain this identity is bound to.
   *
   * @throws IllegalStateException if it is not bound to a chain ({@link #onChain})
   */
  @Override
  public SessionCertificate certify(VerifyingKey sessionKey, Instant createdAt, Duration ttl, List<String> audience) {
    if (chainId == UNBOUND) {
      throw new IllegalStateException("an EVM session certificate names its chain: bind " + address
          + " to one with onChain(chainId) first");
    }
    return certify(chainId, sessionKey, createdAt, ttl, audience);
  }

  /** A certificate for {@code sessionKey}, signed as EIP-712 typed data for chain {@code chainId}. */
  public SessionCertificate certify(long chainId, VerifyingKey sessionKey, Instant createdAt, Duration ttl,
      List<String> audience) {
    return SessionCertificate.issueEvm(this, chainId, sessionKey, createdAt, ttl, audience);
  }

  /** The private key, for a keystore to encrypt. The caller zeroes the copy it receives. */
  byte[] privateKey() {
    live();
    return secret.clone();
  }

  private ECKeyPair live() {
    ECKeyPair k = keyPair;
    if (destroyed || k == null) {
      throw new IllegalStateException("identity was destroyed");
    }
    return k;
  }

  @Override
  public void destroy() {
    destroyed = true;
    keyPair = null;
    Arrays.fill(secret, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "EvmIdentity[" + address + "]";
  }
}
