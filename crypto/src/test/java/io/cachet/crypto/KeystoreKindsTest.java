package io.cachet.crypto;

import static io.cachet.crypto.KeystoreTest.PASSPHRASE;
import static io.cachet.crypto.KeystoreTest.SMALL;
import static io.cachet.crypto.KeystoreTest.edit;
import static io.cachet.crypto.KeystoreTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Keystores of both kinds, and the version-1 files written before there were two. */
class KeystoreKindsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The identity in the committed kat: its seed is 0x40, 0x41, ... 0x5f. */
  private static final String V1_ADDRESS = "0xd5d5bc3b2e893b9bd0166b73b5cdb657a0ff40779984aadaea9239a3d63340e3";

  private final EvmIdentity evm = EvmIdentity.generate(RANDOM);

  private static byte[] committedV1() throws Exception {
    try (InputStream in = KeystoreKindsTest.class.getResourceAsStream("/keystore/identity-v1.json")) {
      return in.readAllBytes();
    }
  }

  @Test
  void decrypt_committedVersion1File_opensAsEd25519() throws Exception {
    byte[] v1 = committedV1();
    assertThat(Keystore.keyType(v1)).isEqualTo(Keystore.KeyType.ED25519);
    assertThat(Keystore.address(v1).toString()).isEqualTo(V1_ADDRESS);
    Identity opened = Keystore.decrypt(v1, PASSPHRASE.clone());
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) (0x40 + i);
    }
    assertThat(opened.verifyingKey()).isEqualTo(Identity.fromSeed(seed).verifyingKey());
    assertThat(Keystore.open(v1, PASSPHRASE.clone())).isInstanceOf(Identity.class);
  }

  @Test
  void decrypt_version1FileGivenAKeyType_isRefused() throws Exception {
    byte[] edited = utf8(edit(committedV1(), n -> n.put("keyType", "ed25519")));
    assertThatThrownBy(() -> Keystore.decrypt(edited, PASSPHRASE.clone())).isInstanceOf(FormatException.class);
  }

  @Test
  void encrypt_ed25519_writesVersion2WithItsKeyType() throws Exception {
    Identity id = Identity.generate(RANDOM);
    byte[] ks = Keystore.encrypt(id, PASSPHRASE, SMALL, RANDOM);
    assertThat(KeystoreTest.readTree(ks).get("version").asInt()).isEqualTo(2);
    assertThat(KeystoreTest.readTree(ks).get("keyType").asText()).isEqualTo("ed25519");
    assertThat(Keystore.decrypt(ks, PASSPHRASE.clone()).address()).isEqualTo(id.address());
  }

  @Test
  void encryptThenOpen_secp256k1_returnsTheSameEvmIdentity() throws Exception {
    byte[] ks = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    assertThat(Keystore.keyType(ks)).isEqualTo(Keystore.KeyType.SECP256K1);
    assertThat(Keystore.address(ks)).isEqualTo(evm.address());
    assertThat(KeystoreTest.readTree(ks).get("publicKey").isNull()).isTrue();
    EvmIdentity opened = Keystore.decryptEvm(ks, PASSPHRASE.clone());
    assertThat(opened.address()).isEqualTo(evm.address());
    byte[] digest = new byte[32];
    assertThat(opened.signDigest(digest)).isEqualTo(evm.signDigest(digest));
    assertThat(Keystore.open(ks, PASSPHRASE.clone())).isInstanceOf(EvmIdentity.class);
  }

  @Test
  void encrypt_secp256k1_neverContainsTheKey() throws Exception {
    byte[] ks = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    String hex = Hex.to0x(evm.privateKey()).substring(2);
    String text = new String(ks, StandardCharsets.UTF_8);
    assertThat(text).doesNotContain(hex).doesNotContain(Base64Url.encode(evm.privateKey()));
  }

  @Test
  void decrypt_theOtherKind_isRefusedSayingWhichKindItHolds() throws Exception {
    byte[] evmFile = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    byte[] edFile = Keystore.encrypt(Identity.generate(RANDOM), PASSPHRASE, SMALL, RANDOM);
    assertThatThrownBy(() -> Keystore.decrypt(evmFile, PASSPHRASE.clone()))
        .isInstanceOf(FormatException.class).hasMessageContaining("secp256k1");
    assertThatThrownBy(() -> Keystore.decryptEvm(edFile, PASSPHRASE.clone()))
        .isInstanceOf(FormatException.class).hasMessageContaining("Ed25519");
  }

  @Test
  void decrypt_keyTypeSwapped_neverOpens() throws Exception {
    byte[] evmFile = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    byte[] edFile = Keystore.encrypt(Identity.generate(RANDOM), PASSPHRASE, SMALL, RANDOM);
    byte[] evmAsEd = utf8(edit(evmFile, n -> n.put("keyType", "ed25519")));
    byte[] edAsEvm = utf8(edit(edFile, n -> n.put("keyType", "secp256k1")));
    assertThatThrownBy(() -> Keystore.open(evmAsEd, PASSPHRASE.clone())).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> Keystore.open(edAsEvm, PASSPHRASE.clone())).isInstanceOf(FormatException.class);
  }

  @Test
  void decrypt_secp256k1AddressSwapped_failsAsAWrongPassphrase() throws Exception {
    byte[] evmFile = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    EvmIdentity other = EvmIdentity.generate(RANDOM);
    byte[] swapped = utf8(edit(evmFile, n -> n.put("address", other.address().toString())));
    assertThatThrownBy(() -> Keystore.open(swapped, PASSPHRASE.clone())).isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void decrypt_version2DowngradedToVersion1_neverOpens() throws Exception {
    byte[] edFile = Keystore.encrypt(Identity.generate(RANDOM), PASSPHRASE, SMALL, RANDOM);
    byte[] evmFile = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    byte[] edDowngraded = utf8(edit(edFile, n -> {
      n.put("version", 1);
      n.remove("keyType");
    }));
    byte[] evmDowngraded = utf8(edit(evmFile, n -> {
      n.put("version", 1);
      n.remove("keyType");
    }));
    assertThatThrownBy(() -> Keystore.open(edDowngraded, PASSPHRASE.clone()))
        .isInstanceOf(WrongPassphraseException.class);
    assertThatThrownBy(() -> Keystore.open(evmDowngraded, PASSPHRASE.clone())).isInstanceOf(FormatException.class);
  }

  @Test
  void decrypt_unknownKeyType_isRefusedByName() throws Exception {
    byte[] evmFile = Keystore.encrypt(evm, PASSPHRASE, SMALL, RANDOM);
    byte[] edited = utf8(edit(evmFile, n -> n.put("keyType", "p256")));
    assertThatThrownBy(() -> Keystore.open(edited, PASSPHRASE.clone()))
        .isInstanceOf(FormatException.class).hasMessageContaining("p256");
  }
}
