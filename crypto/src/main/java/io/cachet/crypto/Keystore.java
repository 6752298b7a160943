package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.subtle.AesGcmJce;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.crypto.codec.Json;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The keystore format: an identity's Ed25519 seed encrypted under a key that Argon2id (Bouncy
 * Castle) derives from a passphrase, as versioned JSON. AES-256-GCM (Tink) seals the seed with the
 * file's public fields (version, address, public key, KDF settings) as associated data, so editing
 * any of them, or the ciphertext, makes the file refuse to open exactly as a wrong passphrase does.
 *
 * <p>This class turns identities into bytes and back; writing the file (and fsyncing it) is the
 * caller's job, since this module does no I/O.
 */
public final class Keystore {
  public static final int VERSION = 1;
  public static final String KIND = "cachet-identity";

  /** Argon2id settings: the defaults are OWASP's first recommendation (64 MiB, t=3, p=1 is stronger than its 19 MiB, t=2). */
  public record KdfParams(int memoryKiB, int iterations, int parallelism) {
    /** Largest memory a keystore may ask for when opened, so a hostile file cannot exhaust the heap. */
    public static final int MAX_MEMORY_KIB = 1 << 20;
    /** Most passes a keystore may ask for when opened. */
    public static final int MAX_ITERATIONS = 64;

    public static final KdfParams DEFAULT = new KdfParams(64 * 1024, 3, 1);

    public KdfParams {
      if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
        throw new IllegalArgumentException("Argon2id memory must be 8*parallelism.." + MAX_MEMORY_KIB + " KiB");
      }
      if (iterations < 1 || iterations > MAX_ITERATIONS) {
        throw new IllegalArgumentException("Argon2id iterations must be 1.." + MAX_ITERATIONS);
      }
      if (parallelism < 1 || parallelism > 16) {
        throw new IllegalArgumentException("Argon2id parallelism must be 1..16");
      }
    }
  }

  /** The file as JSON. Binary fields are URL-safe base64. */
  record File(
      @JsonProperty("version") int version,
      @JsonProperty("kind") String kind,
      @JsonProperty("address") Address address,
      @JsonProperty("publicKey") VerifyingKey publicKey,
      @JsonProperty("kdf") Kdf kdf,
      @JsonProperty("cipher") Cipher cipher) {
    File {
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown keystore version " + version + " (this build reads " + VERSION + ")");
      }
      if (!KIND.equals(kind)) {
        throw new IllegalArgumentException("not a Cachet identity keystore (kind " + kind + ")");
      }
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(publicKey, "publicKey");
      Objects.requireNonNull(kdf, "kdf");
      Objects.requireNonNull(cipher, "cipher");
      if (!publicKey.address().equals(address)) {
        throw new IllegalArgumentException("address does not belong to the public key");
      }
    }
  }

  record Kdf(
      @JsonProperty("name") String name,
      @JsonProperty("memoryKiB") int memoryKiB,
      @JsonProperty("iterations") int iterations,
      @JsonProperty("parallelism") int parallelism,
      @JsonProperty("salt") byte[] salt) {
    Kdf {
      if (!"argon2id".equals(name)) {
        throw new IllegalArgumentException("unknown KDF " + name);
      }
      new KdfParams(memoryKiB, iterations, parallelism);
      if (salt == null || salt.length != SALT_LENGTH) {
        throw new IllegalArgumentException("salt must be " + SALT_LENGTH + " bytes");
      }
    }
  }

  record Cipher(@JsonProperty("name") String name, @JsonProperty("ciphertext") byte[] ciphertext) {
    Cipher {
      if (!"aes-256-gcm".equals(name)) {
        throw new IllegalArgumentException("unknown cipher " + name);
      }
      if (ciphertext == null || ciphertext.length != SEALED_SEED_LENGTH) {
        throw new IllegalArgumentException("ciphertext must be " + SEALED_SEED_LENGTH + " bytes");
      }
    }
  }

  private static final int SALT_LENGTH = 16;
  /** 12-byte nonce, 32-byte seed, 16-byte tag, as Tink's AesGcmJce lays them out. */
  private static final int SEALED_SEED_LENGTH = 12 + Identity.SEED_LENGTH + 16;

  private Keystore() {}

  /** Encrypts an identity under a passphrase. The passphrase array is left to the caller to clear. */
  public static byte[] encrypt(Identity identity, char[] passphrase, KdfParams params, SecureRandom random) {
    byte[] salt = new byte[SALT_LENGTH];
    random.nextBytes(salt);
    Kdf kdf = new Kdf("argon2id", params.memoryKiB(), params.iterations(), params.parallelism(), salt);
    byte[] seed = identity.seed();
    byte[] kek = deriveKey(passphrase, kdf);
    try {
      byte[] ct = aead(kek).encrypt(seed, associatedData(identity.address(), identity.verifyingKey(), kdf));
      return Json.writeBytes(new File(VERSION, KIND, identity.address(), identity.verifyingKey(), kdf,
          new Cipher("aes-256-gcm", ct)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    } finally {
      Arrays.fill(seed, (byte) 0);
      Arrays.fill(kek, (byte) 0);
    }
  }

  /** The address a keystore claims, read without the passphrase. */
  public static Address address(byte[] keystore) throws FormatException {
    return Json.read(keystore, File.class).address();
  }

  /** Opens a keystore; a wrong passphrase or an altered file is a {@link WrongPassphraseException}. */
  public static Identity decrypt(byte[] keystore, char[] passphrase) throws FormatException, WrongPassphraseException {
    File file = Json.read(keystore, File.class);
    byte[] kek = deriveKey(passphrase, file.kdf());
    byte[] seed = null;
    try {
      seed = aead(kek).decrypt(file.cipher().ciphertext(),
          associatedData(file.address(), file.publicKey(), file.kdf()));
      Identity identity = Identity.fromSeed(seed);
      if (!identity.verifyingKey().equals(file.publicKey())) {
        identity.destroy();
        throw new WrongPassphraseException();
      }
      return identity;
    } catch (GeneralSecurityException e) {
      throw new WrongPassphraseException();
    } finally {
      Arrays.fill(kek, (byte) 0);
      if (seed != null) {
        Arrays.fill(seed, (byte) 0);
      }
    }
  }

  private static byte[] associatedData(Address address, VerifyingKey publicKey, Kdf kdf) {
    return CanonicalWriter.tagged("cachet/keystore/v1")
        .u8(VERSION)
        .fixed(address.bytes())
        .fixed(publicKey.bytes())
        .string8(kdf.name())
        .u32(kdf.memoryKiB())
        .u32(kdf.iterations())
        .u32(kdf.parallelism())
        .bytes8(kdf.salt())
        .toByteArray();
  }

  private static Aead aead(byte[] key) throws GeneralSecurityException {
    return new AesGcmJce(key);
  }

  private static byte[] deriveKey(char[] passphrase, Kdf kdf) {
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
    byte[] pass = new byte[encoded.remaining()];
    encoded.get(pass);
    if (encoded.hasArray()) {
      Arrays.fill(encoded.array(), (byte) 0);
    }
    try {
      Argon2BytesGenerator gen = new Argon2BytesGenerator();
      gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
          .withVersion(Argon2Parameters.ARGON2_VERSION_13)
          .withSalt(kdf.salt())
          .withMemoryAsKB(kdf.memoryKiB())
          .withIterations(kdf.iterations())
          .withParallelism(kdf.parallelism())
          .build());
      byte[] key = new byte[32];
      gen.generateBytes(pass, key);
      return key;
    } finally {
      Arrays.fill(pass, (byte) 0);
    }
  }
}
