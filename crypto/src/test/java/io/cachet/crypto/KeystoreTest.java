package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The identity keystore: it opens only with its passphrase, an edited file never yields an
 * identity (let alone another one), and a hostile file cannot make the reader derive keys at
 * an unbounded cost.
 */
class KeystoreTest {
  static final SecureRandom RANDOM = new SecureRandom();
  /** Argon2id at 8 MiB, one pass: fast enough for tests, same code path as the default. */
  static final Keystore.KdfParams SMALL = new Keystore.KdfParams(8 * 1024, 1, 1);
  static final ObjectMapper TREE = new ObjectMapper();
  static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  final Identity identity = Identity.generate(RANDOM);

  static String edit(byte[] keystore, Consumer<ObjectNode> change) throws Exception {
    ObjectNode node = (ObjectNode) TREE.readTree(keystore);
    change.accept(node);
    return TREE.writeValueAsString(node);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void assertSameIdentity(Identity opened, Identity original) throws Exception {
    assertThat(opened.verifyingKey()).isEqualTo(original.verifyingKey());
    assertThat(opened.address()).isEqualTo(original.address());
    byte[] message = utf8("signed after reopening");
    original.verifyingKey().verify(message, opened.sign(message), "reopened identity");
  }

  @Test
  void encryptThenDecrypt_smallKdf_returnsTheSameIdentity() throws Exception {
    byte[] keystore = Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM);

    assertSameIdentity(Keystore.decrypt(keystore, PASSPHRASE.clone()), identity);
  }

  @Test
  void encryptThenDecrypt_defaultKdf_returnsTheSameIdentity() throws Exception {
    byte[] keystore = Keystore.encrypt(identity, PASSPHRASE, Keystore.KdfParams.DEFAULT, RANDOM);

    assertThat(TREE.readTree(keystore).get("kdf").get("memoryKiB").asInt()).isEqualTo(64 * 1024);
    assertSameIdentity(Keystore.decrypt(keystore, PASSPHRASE.clone()), identity);
  }

  @Test
  void encrypt_sameIdentityTwice_usesFreshSaltAndNonce() throws Exception {
    var first = TREE.readTree(Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM));
    var second = TREE.readTree(Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM));

    assertThat(first.get("kdf").get("salt")).isNotEqualTo(second.get("kdf").get("salt"));
    assertThat(first.get("cipher").get("ciphertext")).isNotEqualTo(second.get("cipher").get("ciphertext"));
  }

  @Test
  void encrypt_output_neverContainsTheSeedOrPassphrase() throws Exception {
    byte[] keystore = Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM);
    String text = new String(keystore, StandardCharsets.UTF_8);
    byte[] seed = identity.seed();

    assertThat(text).doesNotContain(new String(PASSPHRASE))
        .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(seed))
        .doesNotContain(Hex.to0x(seed).substring(2));
  }

  @Test
  void decrypt_wrongPassphrase_throwsWrongPassphraseWithClearMessage() throws Exception {
    byte[] keystore = Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM);

    assertThatThrownBy(() -> Keystore.decrypt(keystore, "correct horse battery stapler".toCharArray()))
        .isExactlyInstanceOf(WrongPassphraseException.class)
        .hasMessageContaining("passphrase")
        .hasNoCause()
        .satisfies(e -> assertThat(((WrongPassphraseException) e).reason()).isEqualTo("WRONG_PASSPHRASE"));
    assertThatThrownBy(() -> Keystore.decrypt(keystore, new char[0])).isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void decrypt_unicodePassphrase_roundTripsAndNearMissFails() throws Exception {
    char[] passphrase = "Grüße aus Zürich — 秘密の合言葉 🔐🗝️".toCharArray();
    byte[] keystore = Keystore.encrypt(identity, passphrase, SMALL, RANDOM);

    assertSameIdentity(Keystore.decrypt(keystore, passphrase.clone()), identity);
    assertThatThrownBy(() -> Keystore.decrypt(keystore, "Grüße aus Zürich — 秘密の合言葉 🔐".toCharArray()))
        .isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void address_readsTheAddressWithoutThePassphrase() throws Exception {
    byte[] keystore = Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM);

    assertThat(Keystore.address(keystore)).isEqualTo(identity.address());
  }

  @Test
  void decrypt_keystoreOfAnotherIdentityWithSamePassphrase_opensAsThatIdentityOnly() throws Exception {
    Identity other = Identity.generate(RANDOM);
    byte[] mine = Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM);
    byte[] theirs = Keystore.encrypt(other, PASSPHRASE, SMALL, RANDOM);

    // Grafting my ciphertext into their file (or the reverse) must not open as either identity.
    String graft = edit(theirs, n -> n.set("cipher", readTree(mine).get("cipher")));
    String graftBoth = edit(theirs, n -> {
      n.set("cipher", readTree(mine).get("cipher"));
      n.set("kdf", readTree(mine).get("kdf"));
    });

    assertThatThrownBy(() -> Keystore.decrypt(utf8(graft), PASSPHRASE.clone()))
        .isInstanceOf(WrongPassphraseException.class);
    assertThatThrownBy(() -> Keystore.decrypt(utf8(graftBoth), PASSPHRASE.clone()))
        .isInstanceOf(WrongPassphraseException.class);
  }

  static com.fasterxml.jackson.databind.JsonNode readTree(byte[] json) {
    try {
      return TREE.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode kdf(ObjectNode n) {
    return (ObjectNode) n.get("kdf");
  }

  static ObjectNode cipher(ObjectNode n) {
    return (ObjectNode) n.get("cipher");
  }

  static Consumer<ObjectNode> flipCiphertextByte(int index) {
    return n -> {
      byte[] ct = Base64.getUrlDecoder().decode(cipher(n).get("ciphertext").asText());
      ct[Math.floorMod(index, ct.length)] ^= 0x01;
      cipher(n).put("ciphertext", Base64.getUrlEncoder().withoutPadding().encodeToString(ct));
    };
  }

  static Arguments edit(String name, Class<? extends Exception> expected, Consumer<ObjectNode> change) {
    return Arguments.of(Named.of(name, change), expected);
  }

  static Stream<Arguments> edits() {
    Identity stranger = Identity.generate(RANDOM);
    byte[] otherSalt = new byte[16];
    RANDOM.nextBytes(otherSalt);
    return Stream.of(
        edit("address of another identity", FormatException.class,
            n -> n.put("address", stranger.address().toString())),
        edit("public key of another identity", FormatException.class,
            n -> n.put("publicKey", stranger.verifyingKey().toString())),
        edit("address and public key of another identity", WrongPassphraseException.class, n -> {
          n.put("address", stranger.address().toString());
          n.put("publicKey", stranger.verifyingKey().toString());
        }),
        edit("salt", WrongPassphraseException.class,
            n -> kdf(n).put("salt", Base64.getUrlEncoder().withoutPadding().encodeToString(otherSalt))),
        edit("iterations", WrongPassphraseException.class, n -> kdf(n).put("iterations", 2)),
        edit("memory", WrongPassphraseException.class, n -> kdf(n).put("memoryKiB", 8 * 1024 + 8)),
        edit("parallelism", WrongPassphraseException.class, n -> kdf(n).put("parallelism", 2)),
        edit("kdf name", FormatException.class, n -> kdf(n).put("name", "argon2i")),
        edit("cipher name", FormatException.class, n -> cipher(n).put("name", "aes-128-gcm")),
        edit("kind", FormatException.class, n -> n.put("kind", "cachet-session")),
        edit("ciphertext nonce byte", WrongPassphraseException.class, flipCiphertextByte(0)),
        edit("ciphertext seed byte", WrongPassphraseException.class, flipCiphertextByte(12 + 7)),
        edit("ciphertext tag byte", WrongPassphraseException.class, flipCiphertextByte(-1)),
        edit("ciphertext truncated", FormatException.class, n -> {
          String ct = cipher(n).get("ciphertext").asText();
          cipher(n).put("ciphertext", ct.substring(0, ct.length() - 4));
        }),
        edit("salt shortened", FormatException.class, n -> kdf(n).put("salt", "AAAAAAAAAAAAAAAAAAAA")),
        edit("address removed", FormatException.class, n -> n.remove("address")),
        edit("salt null", FormatException.class, n -> kdf(n).putNull("salt")),
        edit("unknown field", FormatException.class, n -> n.put("hint", "my dog's name")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void decrypt_editedField_neverYieldsAnIdentity(Consumer<ObjectNode> change, Class<? extends Exception> expected)
      throws Exception {
    byte[] edited = utf8(edit(Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM), change));

    assertThatThrownBy(() -> Keystore.decrypt(edited, PASSPHRASE.clone())).isInstanceOf(expected);
  }

  @Test
  void decrypt_unknownVersion_throwsFormatNamingTheVersion() throws Exception {
    byte[] keystore = utf8(edit(Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM), n -> n.put("version", 7)));

    assertThatThrownBy(() -> Keystore.decrypt(keystore, PASSPHRASE.clone()))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("version 7");
    assertThatThrownBy(() -> Keystore.address(keystore))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("version 7");
  }

  static Stream<Arguments> hostileKdf() {
    return Stream.of(
        Arguments.of(Named.of("memory 2^30 KiB", (Consumer<ObjectNode>) n -> kdf(n).put("memoryKiB", 1 << 30))),
        Arguments.of(Named.of("memory Integer.MAX_VALUE", (Consumer<ObjectNode>) n ->
            kdf(n).put("memoryKiB", Integer.MAX_VALUE))),
        Arguments.of(Named.of("memory just over the limit", (Consumer<ObjectNode>) n ->
            kdf(n).put("memoryKiB", Keystore.KdfParams.MAX_MEMORY_KIB + 1))),
        Arguments.of(Named.of("iterations 10^6", (Consumer<ObjectNode>) n -> kdf(n).put("iterations", 1_000_000))),
        Arguments.of(Named.of("iterations just over the limit", (Consumer<ObjectNode>) n ->
            kdf(n).put("iterations", Keystore.KdfParams.MAX_ITERATIONS + 1))),
        Arguments.of(Named.of("parallelism 10^4", (Consumer<ObjectNode>) n -> kdf(n).put("parallelism", 10_000))),
        Arguments.of(Named.of("negative memory", (Consumer<ObjectNode>) n -> kdf(n).put("memoryKiB", -1))),
        Arguments.of(Named.of("zero iterations", (Consumer<ObjectNode>) n -> kdf(n).put("iterations", 0))),
        Arguments.of(Named.of("memory 2^40 (not an int)", (Consumer<ObjectNode>) n ->
            kdf(n).put("memoryKiB", 1L << 40))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileKdf")
  void decrypt_hostileKdfSettings_throwsFormatWithoutDeriving(Consumer<ObjectNode> change) throws Exception {
    byte[] hostile = utf8(edit(Keystore.encrypt(identity, PASSPHRASE, SMALL, RANDOM), change));

    // Guards against a hang or an attempted giant allocation, not a performance claim.
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
      assertThatThrownBy(() -> Keystore.decrypt(hostile, PASSPHRASE.clone())).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> Keystore.address(hostile)).isInstanceOf(FormatException.class);
    });
  }

  @Test
  void kdfParams_outsideLimits_areRefusedWhenEncrypting() {
    assertThatThrownBy(() -> new Keystore.KdfParams(1 << 30, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Keystore.KdfParams(8 * 1024, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Keystore.KdfParams(8 * 1024, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Keystore.KdfParams(8, 1, 2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void decryptAndAddress_notAKeystore_throwsFormat() {
    for (String junk : new String[] {"", "null", "[]", "{}", "{\"version\":1}", "not json", "\u0000\u0001"}) {
      assertThatThrownBy(() -> Keystore.decrypt(utf8(junk), PASSPHRASE.clone())).as(junk)
          .isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> Keystore.address(utf8(junk))).as(junk).isInstanceOf(FormatException.class);
    }
  }

  @Test
  void decrypt_callersPassphraseArray_isLeftIntact() throws Exception {
    char[] mine = PASSPHRASE.clone();
    byte[] keystore = Keystore.encrypt(identity, mine, SMALL, RANDOM);
    Keystore.decrypt(keystore, mine);

    assertThat(mine).isEqualTo(PASSPHRASE);
    assertThatCode(() -> Keystore.decrypt(keystore, mine)).doesNotThrowAnyException();
  }
}
