package io.cachet.keyserver;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.config.TinkConfig2026;
import com.google.crypto.tink.hybrid.HpkePrivateKey;
import com.google.crypto.tink.signature.Ed25519PrivateKey;
import com.google.crypto.tink.signature.Ed25519PublicKey;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.Bytes;
import com.google.crypto.tink.util.SecretBytes;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.crypto.codec.CanonicalWriter;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key server's keys: one Ed25519 signing key (service descriptor, receipts) and its HPKE keys,
 * one per version, the newest being the one new envelopes should seal to. Older versions stay:
 * the shares of old envelopes were sealed to them, and each slot's key fingerprint says which.
 *
 * <h2>On disk</h2>
 *
 * {@code keys.json} in the data directory, written whole (temporary file, fsync, atomic rename,
 * fsync of the directory) and readable by its owner only:
 *
 * <pre>
 * {"version":1, "kind":"cachet-key-server-keys", "serverId":"ks-1",
 *  "kdf":{"name":"argon2id","memoryKiB":65536,"iterations":3,"parallelism":1,"salt":"&lt;16 bytes&gt;"},
 *  "signingKeyset":"&lt;Tink encrypted keyset, JSON&gt;", "hpkeKeyset":"&lt;Tink encrypted keyset, JSON&gt;"}
 * </pre>
 *
 * Both keysets are Tink encrypted keysets ({@link TinkJsonProtoKeysetFormat#serializeEncryptedKeyset})
 * under AES-256-GCM with a key-encryption key that Argon2id derives from the passphrase and the
 * salt; the associated data binds the server id, the keyset's purpose and the KDF settings, so a
 * keyset moved to another server's file or another slot does not open. The HPKE keyset's entry
 * ids are the key versions and its primary is the current one. No secret is ever written in
 * clear or logged; a wrong passphrase and an altered file are refused alike.
 *
 * <p>Thread-safety: the current state is an immutable snapshot behind a volatile field;
 * {@link #rotate} is synchronized and swaps the snapshot only after the file is durable.
 */
final class KeyRing {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);

  static final String FILE_NAME = "keys.json";
  static final int FORMAT_VERSION = 1;
  static final String KIND = "cachet-key-server-keys";
  private static final int SALT_LENGTH = 16;
  private static final int KEK_LENGTH = 32;
  /** Most HPKE key versions a key server keeps; far above any sane rotation schedule. */
  static final int MAX_VERSIONS = 1000;
  /** Largest key file read: a thousand versions fit with room. */
  private static final long MAX_FILE_BYTES = 4L << 20;

  /** One HPKE key version. */
  record Version(int version, HpkeKeyPair pair, byte[] fingerprint) {
    @Override
    public String toString() {
      return "Version[" + version + ", " + Hex.to0x(fingerprint) + "]";
    }
  }

  private record State(Map<ByteBuffer, Version> byFingerprint, Version current, KeysetHandle hpkeKeyset) {}

  private final Path file;
  private final String serverId;
  private final Identity signing;
  private final String signingKeysetJson;
  private final JsonObject kdf;
  private final Aead kek;
  private final byte[] kdfBinding;
  private volatile State state;

  private KeyRing(Path file, String serverId, Identity signing, String signingKeysetJson, JsonObject kdf, Aead kek,
      byte[] kdfBinding, KeysetHandle hpke) throws GeneralSecurityException {
    this.file = file;
    this.serverId = serverId;
    this.signing = signing;
    this.signingKeysetJson = signingKeysetJson;
    this.kdf = kdf;
    this.kek = kek;
    this.kdfBinding = kdfBinding;
    this.state = index(hpke);
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens the key file in {@code dataDir}, or on first start generates a signing key and HPKE key
   * version 1 and writes them. Argon2id runs here: call it off the event loop.
   *
   * @throws WrongPassphraseException if the file does not open with this passphrase
   * @throws IOException if the file cannot be read or written, or is not a key file of this server
   */
  static KeyRing openOrCreate(Path dataDir, String serverId, char[] passphrase, int kdfMemoryKiB, int kdfIterations,
      SecureRandom random) throws IOException, WrongPassphraseException {
    if (passphrase == null || passphrase.length == 0) {
      throw new IllegalArgumentException("the key passphrase must not be empty");
    }
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (Files.exists(file)) {
        return open(file, serverId, passphrase);
      }
      return create(file, serverId, passphrase, kdfMemoryKiB, kdfIterations, random);
    } catch (GeneralSecurityException e) {
      if (e instanceof WrongPassphraseException w) {
        throw w;
      }
      throw new IOException(file + ": keys cannot be used: " + e.getMessage(), e);
    }
  }

  private static KeyRing create(Path file, String serverId, char[] passphrase, int memoryKiB, int iterations,
      SecureRandom random) throws IOException, GeneralSecurityException {
    byte[] salt = new byte[SALT_LENGTH];
    random.nextBytes(salt);
    JsonObject kdf = new JsonObject().put("name", "argon2id").put("memoryKiB", memoryKiB)
        .put("iterations", iterations).put("parallelism", 1).put("salt", Base64Url.encode(salt));
    byte[] kekBytes = deriveKek(passphrase, salt, memoryKiB, iterations);
    Aead kek;
    try {
      kek = new AesGcmJce(kekBytes);
    } finally {
      Arrays.fill(kekBytes, (byte) 0);
    }
    byte[] binding = kdfBinding(kdf);

    byte[] seed = new byte[Identity.SEED_LENGTH];
    random.nextBytes(seed);
    Identity signing;
    KeysetHandle signingKeyset;
    try {
      signing = Identity.fromSeed(seed);
      Ed25519PublicKey pub = Ed25519PublicKey.create(Bytes.copyFrom(signing.verifyingKey().bytes()));
      Ed25519PrivateKey priv = Ed25519PrivateKey.create(pub, SecretBytes.copyFrom(seed, InsecureSecretKeyAccess.get()));
      signingKeyset = KeysetHandle.newBuilder()
          .addEntry(KeysetHandle.importKey(priv).withFixedId(1).makePrimary())
          .build();
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
    String signingJson = TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(signingKeyset, kek,
        associatedData(serverId, "signing", binding), TinkConfig2026.get());
    KeysetHandle hpke = KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.importKey(HpkeKeyPair.generate().tinkKey()).withFixedId(1).makePrimary())
        .build();
    KeyRing ring = new KeyRing(file, serverId, signing, signingJson, kdf, kek, binding, hpke);
    ring.write(hpke);
    LOG.info("event=keys_created server={} file={} signingKey={} hpkeVersion=1 hpkeFingerprint={}", serverId, file,
        signing.verifyingKey(), Hex.to0x(ring.current().fingerprint()));
    return ring;
  }

  private static KeyRing open(Path file, String serverId, char[] passphrase)
      throws IOException, GeneralSecurityException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes, not a key file");
    }
    JsonObject doc;
    try {
      doc = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (DecodeException | java.nio.charset.MalformedInputException e) {
      throw new IOException(file + ": not a key file (malformed JSON)", e);
    }
    try {
      if (!Set.of("version", "kind", "serverId", "kdf", "signingKeyset", "hpkeKeyset").equals(doc.fieldNames())) {
        throw new IOException(file + ": not a key file (fields " + doc.fieldNames() + ")");
      }
      if (!Integer.valueOf(FORMAT_VERSION).equals(doc.getInteger("version")) || !KIND.equals(doc.getString("kind"))) {
        throw new IOException(file + ": not a version " + FORMAT_VERSION + " key-server key file");
      }
      if (!serverId.equals(doc.getString("serverId"))) {
        throw new IOException(file + ": holds the keys of key server " + doc.getString("serverId") + ", not "
            + serverId);
      }
      JsonObject kdf = doc.getJsonObject("kdf");
      if (!Set.of("name", "memoryKiB", "iterations", "parallelism", "salt").equals(kdf.fieldNames())
          || !"argon2id".equals(kdf.getString("name")) || kdf.getInteger("parallelism") != 1) {
        throw new IOException(file + ": unknown key derivation " + kdf.encode());
      }
      int memoryKiB = kdf.getInteger("memoryKiB");
      int iterations = kdf.getInteger("iterations");
      if (memoryKiB < 8 || memoryKiB > 1 << 20 || iterations < 1 || iterations > 64) {
        throw new IOException(file + ": Argon2id settings out of range (memory " + memoryKiB + " KiB, iterations "
            + iterations + ")");
      }
      byte[] salt = Base64Url.decode(kdf.getString("salt"), SALT_LENGTH, "salt");
      byte[] kekBytes = deriveKek(passphrase, salt, memoryKiB, iterations);
      Aead kek;
      try {
        kek = new AesGcmJce(kekBytes);
      } finally {
        Arrays.fill(kekBytes, (byte) 0);
      }
      byte[] binding = kdfBinding(kdf);
      String signingJson = doc.getString("signingKeyset");
      KeysetHandle signingKeyset;
      KeysetHandle hpke;
      try {
        signingKeyset = TinkJsonProtoKeysetFormat.parseEncryptedKeyset(signingJson, kek,
            associatedData(serverId, "signing", binding), TinkConfig2026.get());
        hpke = TinkJsonProtoKeysetFormat.parseEncryptedKeyset(doc.getString("hpkeKeyset"), kek,
            associatedData(serverId, "hpke", binding), TinkConfig2026.get());
      } catch (GeneralSecurityException e) {
        throw new WrongPassphraseException();
      }
      if (signingKeyset.size() != 1 || !(signingKeyset.getAt(0).getKey() instanceof Ed25519PrivateKey ed)) {
        throw new IOException(file + ": the signing keyset must hold one Ed25519 key");
      }
      byte[] seed = ed.getPrivateKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
      Identity signing;
      try {
        signing = Identity.fromSeed(seed);
      } finally {
        Arrays.fill(seed, (byte) 0);
      }
      if (!Arrays.equals(signing.verifyingKey().bytes(), ed.getPublicKey().getPublicKeyBytes().toByteArray())) {
        throw new IOException(file + ": the signing key does not match its public key");
      }
      KeyRing ring = new KeyRing(file, serverId, signing, signingJson, kdf, kek, binding, hpke);
      LOG.info("event=keys_loaded server={} file={} signingKey={} hpkeVersions={} current={}", serverId, file,
          signing.verifyingKey(), ring.state.byFingerprint.size(), ring.current().version());
      return ring;
    } catch (ClassCastException | NullPointerException | FormatException | IllegalArgumentException e) {
      throw new IOException(file + ": not a key file: " + e.getMessage(), e);
    }
  }

  private static State index(KeysetHandle hpke) throws GeneralSecurityException {
    if (hpke.size() < 1 || hpke.size() > MAX_VERSIONS) {
      throw new GeneralSecurityException("the HPKE keyset holds " + hpke.size() + " keys");
    }
    Map<ByteBuffer, Version> byFingerprint = new HashMap<>();
    Version current = null;
    for (int i = 0; i < hpke.size(); i++) {
      KeysetHandle.Entry e = hpke.getAt(i);
      if (!(e.getKey() instanceof HpkePrivateKey key) || e.getId() < 1) {
        throw new GeneralSecurityException("HPKE keyset entry " + i + " is not an HPKE private key with a version");
      }
      HpkeKeyPair pair = HpkeKeyPair.fromTink(key);
      Version v = new Version(e.getId(), pair, pair.publicKey().fingerprint());
      if (byFingerprint.put(ByteBuffer.wrap(v.fingerprint()), v) != null) {
        throw new GeneralSecurityException("HPKE keyset holds one key twice");
      }
      if (e.isPrimary()) {
        current = v;
      }
    }
    if (current == null) {
      throw new GeneralSecurityException("HPKE keyset has no current version");
    }
    return new State(Collections.unmodifiableMap(byFingerprint), current, hpke);
  }

  // ---------------------------------------------------------------- use

  String serverId() {
    return serverId;
  }

  Identity signing() {
    return signing;
  }

  /** The version new envelopes should seal to. */
  Version current() {
    return state.current();
  }

  /** The version whose public key has this fingerprint, or null if this server holds no such key. */
  Version byFingerprint(byte[] fingerprint) {
    return state.byFingerprint().get(ByteBuffer.wrap(fingerprint));
  }

  /** Every version, oldest first. */
  List<Version> versions() {
    List<Version> all = new ArrayList<>(state.byFingerprint().values());
    all.sort((a, b) -> Integer.compare(a.version(), b.version()));
    return all;
  }

  /**
   * Generates the next HPKE key version and makes it current. The file is durable before the new
   * version is used; older versions keep opening the shares sealed to them.
   */
  synchronized Version rotate() throws IOException {
    State s = state;
    int next = versions().get(s.byFingerprint().size() - 1).version() + 1;
    if (s.byFingerprint().size() >= MAX_VERSIONS) {
      throw new IllegalStateException("key server " + serverId + " already holds " + MAX_VERSIONS + " key versions");
    }
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(s.hpkeKeyset());
      b.addEntry(KeysetHandle.importKey(HpkeKeyPair.generate().tinkKey()).withFixedId(next).makePrimary());
      KeysetHandle rotated = b.build();
      State fresh = index(rotated);
      write(rotated);
      state = fresh;
      LOG.info("event=key_rotated server={} version={} fingerprint={} previous={}", serverId, next,
          Hex.to0x(fresh.current().fingerprint()), s.current().version());
      return fresh.current();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HPKE key generation failed", e);
    }
  }

  // ---------------------------------------------------------------- writing

  private void write(KeysetHandle hpke) throws IOException, GeneralSecurityException {
    String hpkeJson = TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(hpke, kek,
        associatedData(serverId, "hpke", kdfBinding), TinkConfig2026.get());
    JsonObject doc = new JsonObject()
        .put("version", FORMAT_VERSION)
        .put("kind", KIND)
        .put("serverId", serverId)
        .put("kdf", kdf)
        .put("signingKeyset", signingKeysetJson)
        .put("hpkeKeyset", hpkeJson);
    writeAtomically(file, doc.encodePrettily().getBytes(StandardCharsets.UTF_8));
  }

  /** The old file or the new, never half, and readable by its owner alone. */
  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    DurableFiles.write(file, bytes, true);
  }

  // ---------------------------------------------------------------- key encryption key

  private static byte[] kdfBinding(JsonObject kdf) {
    return CanonicalWriter.tagged("cachet/key-server-kdf/v1")
        .string8(kdf.getString("name"))
        .u32(kdf.getInteger("memoryKiB"))
        .u32(kdf.getInteger("iterations"))
        .u32(kdf.getInteger("parallelism"))
        .string8(kdf.getString("salt"))
        .toByteArray();
  }

  private static byte[] associatedData(String serverId, String purpose, byte[] kdfBinding) {
    return CanonicalWriter.tagged("cachet/key-server-keys/v1")
        .string8(serverId)
        .string8(purpose)
        .bytes8(kdfBinding)
        .toByteArray();
  }

  private static byte[] deriveKek(char[] passphrase, byte[] salt, int memoryKiB, int iterations) {
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
          .withSalt(salt)
          .withMemoryAsKB(memoryKiB)
          .withIterations(iterations)
          .withParallelism(1)
          .build());
      byte[] key = new byte[KEK_LENGTH];
      gen.generateBytes(pass, key);
      return key;
    } finally {
      Arrays.fill(pass, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "KeyRing[" + serverId + ", current=" + current() + "]";
  }
}
