package io.cachet.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
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
 * The keystore format: an identity's secret (an Ed25519 seed or a secp256k1 private key, both 32
 * bytes) encrypted under a key that Argon2id (Bouncy Castle) derives from a passphrase, as
 * versioned JSON. AES-256-GCM (Tink) seals the secret with the file's public fields (version, key
 * type, address, public key, KDF settings) as associated data, so editing any of them, or the
 * ciphertext, makes the file refuse to open exactly as a wrong passphrase does.
 *
 * <p>Version 2 names the key type ({@code ed25519} or {@code secp256k1}; a secp256k1 file has a
 * null {@code publicKey}, its address being all a reader needs). Version 1 files, written before
 * there were two kinds, have no key type, are Ed25519, and keep opening as they always did; this
 * build writes version 2 only.
 *
 * <p>This class turns identities into bytes and back; writing the file (and fsyncing it) is the
 * caller's job, since this module does no I/O.
 */
public final class Keystore {
  /** The version this build writes. */
  public static final int VERSION = 2;
  /** The version without a key type, read as Ed25519. */
  public static final int VERSION_1 = 1;
  public static final String KIND = "cachet-identity";

  /** Which kind of key a keystore holds. */
  public enum KeyType {
    /** An Ed25519 identity, for the embedded ledger. */
    ED25519("ed25519"),
    /** A secp256k1 identity, for EVM chains. */
    SECP256K1("secp256k1");

    private final String wireName;

    KeyType(String wireName) {
      this.wireName = wireName;
    }

    /** The name in the file's {@code keyType} field. */
    public String wireName() {
      return wireName;
    }

    static KeyType parse(String name) {
      for (KeyType t : values()) {
        if (t.wireName.equals(name)) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown key type " + name + " (this build knows ed25519, secp256k1)");
    }
  }

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

  /** A keystore of either version, as read; the key type of a version-1 file is Ed25519. */
  record File(int version, KeyType keyType, Address address, VerifyingKey publicKey, Kdf kdf, Cipher cipher) {
    File {
      Objects.requireNonNull(keyType, "keyType");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(kdf, "kdf");
      Objects.requireNonNull(cipher, "cipher");
      if (keyType == KeyType.ED25519) {
        Objects.requireNonNull(publicKey, "publicKey");
        if (!publicKey.address().equals(address)) {
          throw new IllegalArgumentException("address does not belong to the public key");
        }
      } else {
        if (publicKey != null) {
          throw new IllegalArgumentException("a secp256k1 keystore has no publicKey (its address names the key)");
        }
        if (!address.isEvm()) {
          throw new IllegalArgumentException("a secp256k1 keystore holds an EVM address, not " + address);
        }
      }
    }

    /** Reads either version, dispatching on {@code version}, each as strictly as {@link Json} reads. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static File fromWire(JsonNode node) {
      JsonNode version = node == null ? null : node.get("version");
      if (version == null || !version.isInt()) {
        throw new IllegalArgumentException("keystore has no version");
      }
      int v = version.intValue();
      try {
        if (v == VERSION_1) {
          FileV1 f = Json.read(node.toString(), FileV1.class);
          return new File(v, KeyType.ED25519, f.address(), f.publicKey(), f.kdf(), f.cipher());
        }
        if (v == VERSION) {
          FileV2 f = Json.read(node.toString(), FileV2.class);
          return new File(v, KeyType.parse(f.keyType()), f.address(), f.publicKey(), f.kdf(), f.cipher());
        }
      } catch (FormatException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      throw new IllegalArgumentException("unknown keystore version " + v + " (this build reads " + VERSION_1 + " and "
          + VERSION + ")");
    }

    @JsonValue
    FileV2 wire() {
      return new FileV2(VERSION, KIND, keyType.wireName(), address, publicKey, kdf, cipher);
    }
  }

  /** Version 1 as JSON: no key type, always Ed25519. Binary fields are URL-safe base64. */
  record FileV1(
      @JsonProperty("version") int version,
      @JsonProperty("kind") String kind,
      @JsonProperty("address") Address address,
      @JsonProperty("publicKey") VerifyingKey publicKey,
      @JsonProperty("kdf") Kdf kdf,
      @JsonProperty("cipher") Cipher cipher) {
    FileV1 {
      checkKind(kind);
    }
  }

  /** Version 2 as JSON. */
  record FileV2(
      @JsonProperty("version") int version,
      @JsonProperty("kind") String kind,
      @JsonProperty("keyType") String keyType,
      @JsonProperty("address") Address address,
      @JsonProperty("publicKey") VerifyingKey publicKey,
      @JsonProperty("kdf") Kdf kdf,
      @JsonProperty("cipher") Cipher cipher) {
    FileV2 {
      checkKind(kind);
      Objects.requireNonNull(keyType, "keyType");
    }
  }

  private static void checkKind(String kind) {
    if (!KIND.equals(kind)) {
      throw new IllegalArgumentException("not a Cachet identity keystore (kind " + kind + ")");
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
  /** 12-byte nonce, 32-byte secret (either kind), 16-byte tag, as Tink's AesGcmJce lays them out. */
  private static final int SEALED_SEED_LENGTH = 12 + Identity.SEED_LENGTH + 16;

  private Keystore() {}

  /** Encrypts an Ed25519 identity under a passphrase. The passphrase array is left to the caller to clear. */
  public static byte[] encrypt(Identity identity, char[] passphrase, KdfParams params, SecureRandom random) {
    byte[] seed = identity.seed();
    try {
      return seal(KeyType.ED25519, identity.address(), identity.verifyingKey(), seed, passphrase, params, random);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** Encrypts a secp256k1 (EVM) identity under a passphrase. The passphrase array is left to the caller to clear. */
  public static byte[] encrypt(EvmIdentity identity, char[] passphrase, KdfParams params, SecureRandom random) {
    byte[] key = identity.privateKey();
    try {
      return seal(KeyType.SECP256K1, identity.address(), null, key, passphrase, params, random);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static byte[] seal(KeyType type, Address address, VerifyingKey publicKey, byte[] secret, char[] passphrase,
      KdfParams params, SecureRandom random) {
    byte[] salt = new byte[SALT_LENGTH];
    random.nextBytes(salt);
    Kdf kdf = new Kdf("argon2id", params.memoryKiB(), params.iterations(), params.parallelism(), salt);
    byte[] kek = deriveKey(passphrase, kdf);
    try {
      File unsealed = new File(VERSION, type, address, publicKey, kdf, new Cipher("aes-256-gcm",
          new byte[SEALED_SEED_LENGTH]));
      byte[] ct = aead(kek).encrypt(secret, associatedData(unsealed));
      return Json.writeBytes(new File(VERSION, type, address, publicKey, kdf, new Cipher("aes-256-gcm", ct)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /** The address a keystore claims, read without the passphrase. */
  public static Address address(byte[] keystore) throws FormatException {
    return Json.read(keystore, File.class).address();
  }

  /** The kind of key a keystore holds, read without the passphrase. */
  public static KeyType keyType(byte[] keystore) throws FormatException {
    return Json.read(keystore, File.class).keyType();
  }

  /**
   * Opens an Ed25519 keystore; a wrong passphrase or an altered file is a
   * {@link WrongPassphraseException}, a secp256k1 keystore a {@link FormatException} saying so.
   */
  public static Identity decrypt(byte[] keystore, char[] passphrase) throws FormatException, WrongPassphraseException {
    Requester opened = open(keystore, passphrase);
    if (opened instanceof Identity identity) {
      return identity;
    }
    ((EvmIdentity) opened).destroy();
    throw new FormatException("this keystore holds a secp256k1 (EVM) key, not an Ed25519 identity");
  }

  /** Opens a secp256k1 keystore; as {@link #decrypt}, the other way round. */
  public static EvmIdentity decryptEvm(byte[] keystore, char[] passphrase)
      throws FormatException, WrongPassphraseException {
    Requester opened = open(keystore, passphrase);
    if (opened instanceof EvmIdentity identity) {
      return identity;
    }
    ((Identity) opened).destroy();
    throw new FormatException("this keystore holds an Ed25519 identity, not a secp256k1 (EVM) key");
  }

  /**
   * Opens a keystore of either kind: an {@link Identity} or an {@link EvmIdentity}. A wrong
   * passphrase or an altered file is a {@link WrongPassphraseException}.
   */
  public static Requester open(byte[] keystore, char[] passphrase) throws FormatException, WrongPassphraseException {
    File file = Json.read(keystore, File.class);
    byte[] kek = deriveKey(passphrase, file.kdf());
    byte[] secret = null;
    try {
      secret = aead(kek).decrypt(file.cipher().ciphertext(), associatedData(file));
      if (file.keyType() == KeyType.SECP256K1) {
        EvmIdentity evm = EvmIdentity.fromPrivateKey(secret);
        if (!evm.address().equals(file.address())) {
          evm.destroy();
          throw new WrongPassphraseException();
        }
        return evm;
      }
      Identity identity = Identity.fromSeed(secret);
      if (!identity.verifyingKey().equals(file.publicKey())) {
        identity.destroy();
        throw new WrongPassphraseException();
      }
      return identity;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new WrongPassphraseException();
    } finally {
      Arrays.fill(kek, (byte) 0);
      if (secret != null) {
        Arrays.fill(secret, (byte) 0);
      }
    }
  }

  /** Version 1 binds what it had; version 2 adds the key type, and a secp256k1 file's absent public key as empty. */
  private static byte[] associatedData(File file) {
    Kdf kdf = file.kdf();
    CanonicalWriter w;
    if (file.version() == VERSION_1) {
      w = CanonicalWriter.tagged("cachet/keystore/v1")
          .u8(VERSION_1)
          .fixed(file.address().bytes())
          .fixed(file.publicKey().bytes());
    } else {
      w = CanonicalWriter.tagged("cachet/keystore/v2")
          .u8(VERSION)
          .string8(file.keyType().wireName())
          .fixed(file.address().bytes())
          .bytes8(file.publicKey() == null ? new byte[0] : file.publicKey().bytes());
    }
    return w.string8(kdf.name())
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
