package io.cachet.cli.agent;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Requester;
import io.cachet.crypto.WrongPassphraseException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The identities an agent holds unlocked, each until its time-to-live passes.
 *
 * <p>How a key is held: a command destroys the identity it was given when it is done, so the agent
 * cannot hand out the one object it holds. It keeps each identity sealed in a fresh in-memory
 * keystore under a random 32-byte passphrase with the cheapest Argon2id setting (the random
 * passphrase, not the KDF, is what protects it, and it never leaves this object), and opens a
 * fresh copy for each command in well under a millisecond. {@link #lock}, expiry and
 * {@link #remove} zero both the sealed keystore and its passphrase.
 *
 * <p>Expiry is decided on the injected clock at every lookup, so a held identity is never
 * handed out past its end even if no sweep has run; {@link #sweep} zeroes expired ones promptly.
 * Thread-safe.
 */
public final class HeldIdentities {
  /** Argon2id for the in-memory re-seal: the minimum, because the passphrase is 256 random bits. */
  private static final Keystore.KdfParams IN_MEMORY_KDF = new Keystore.KdfParams(8, 1, 1);
  /** Bytes of randomness in the in-memory passphrase. */
  private static final int SEAL_PASSPHRASE_BYTES = 32;

  /** What a status shows of one held identity; no secret. */
  public record Held(String name, Address address, Instant until) {}

  private static final class Sealed {
    final Address address;
    final Instant until;
    final byte[] keystore;
    final char[] passphrase;

    Sealed(Address address, Instant until, byte[] keystore, char[] passphrase) {
      this.address = address;
      this.until = until;
      this.keystore = keystore;
      this.passphrase = passphrase;
    }

    void zero() {
      Arrays.fill(keystore, (byte) 0);
      Arrays.fill(passphrase, '\0');
    }
  }

  private final Clock clock;
  private final Duration defaultTtl;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Sealed> held = new LinkedHashMap<>();

  public HeldIdentities(Clock clock, Duration defaultTtl) {
    if (defaultTtl.isNegative() || defaultTtl.isZero()) {
      throw new IllegalArgumentException("a time-to-live is positive");
    }
    this.clock = clock;
    this.defaultTtl = defaultTtl;
  }

  public Duration defaultTtl() {
    return defaultTtl;
  }

  /**
   * Opens {@code keystore} with {@code passphrase} and holds the identity under {@code name} for
   * {@code ttl} (null: the agent's), replacing one held under that name. The caller zeroes the
   * passphrase.
   */
  public Held add(String name, byte[] keystore, char[] passphrase, Duration ttl)
      throws FormatException, WrongPassphraseException {
    Requester opened = Keystore.open(keystore, passphrase);
    char[] sealPass = newPassphrase();
    byte[] sealed;
    try {
      sealed = opened instanceof EvmIdentity e ? Keystore.encrypt(e, sealPass, IN_MEMORY_KDF, random)
          : Keystore.encrypt((Identity) opened, sealPass, IN_MEMORY_KDF, random);
    } finally {
      destroy(opened);
    }
    Instant until = clock.instant().plus(ttl == null ? defaultTtl : ttl);
    Sealed s = new Sealed(opened.address(), until, sealed, sealPass);
    synchronized (this) {
      Sealed before = held.put(name, s);
      if (before != null) {
        before.zero();
      }
    }
    return new Held(name, s.address, until);
  }

  /**
   * A fresh copy of the identity held as {@code name}, if it is held, unexpired and still the one
   * at {@code address} (a keystore replaced under the same name is not this one); else null.
   * The caller destroys the copy.
   */
  public Requester open(String name, Address address) {
    byte[] keystore;
    char[] pass;
    synchronized (this) {
      sweep();
      Sealed s = held.get(name);
      if (s == null || !s.address.equals(address)) {
        return null;
      }
      keystore = s.keystore.clone();
      pass = s.passphrase.clone();
    }
    try {
      return Keystore.open(keystore, pass);
    } catch (FormatException | WrongPassphraseException e) {
      throw new IllegalStateException("the agent's own sealed copy of '" + name + "' did not open", e);
    } finally {
      Arrays.fill(keystore, (byte) 0);
      Arrays.fill(pass, '\0');
    }
  }

  /** What is held now (expired ones are dropped first). */
  public synchronized List<Held> list() {
    sweep();
    List<Held> out = new ArrayList<>();
    held.forEach((name, s) -> out.add(new Held(name, s.address, s.until)));
    return out;
  }

  /**
   * Forgets the identity held as {@code name}, zeroing what held it; returns whether one was held.
   * The keystore on disk is untouched: unlocking it again needs its passphrase.
   */
  public synchronized boolean remove(String name) {
    Sealed s = held.remove(name);
    if (s == null) {
      return false;
    }
    s.zero();
    return true;
  }

  /** Forgets every identity at once, zeroing what held them; returns how many there were. */
  public synchronized int lock() {
    int n = held.size();
    held.values().forEach(Sealed::zero);
    held.clear();
    return n;
  }

  /** Drops and zeroes every identity whose time has passed. */
  public synchronized void sweep() {
    Instant now = clock.instant();
    held.values().removeIf(s -> {
      if (!now.isBefore(s.until)) {
        s.zero();
        return true;
      }
      return false;
    });
  }

  private char[] newPassphrase() {
    byte[] raw = new byte[SEAL_PASSPHRASE_BYTES];
    random.nextBytes(raw);
    byte[] text = Base64.getUrlEncoder().withoutPadding().encode(raw);
    char[] out = new char[text.length];
    for (int i = 0; i < text.length; i++) {
      out[i] = (char) text[i];
    }
    Arrays.fill(raw, (byte) 0);
    Arrays.fill(text, (byte) 0);
    return out;
  }

  private static void destroy(Requester who) {
    if (who instanceof EvmIdentity e) {
      e.destroy();
    } else if (who instanceof Identity i) {
      i.destroy();
    }
  }
}
