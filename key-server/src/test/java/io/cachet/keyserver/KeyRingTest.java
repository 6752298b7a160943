package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Hex;
import io.cachet.crypto.WrongPassphraseException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key file: generated once, encrypted under the passphrase, bound to its server, never in clear. */
class KeyRingTest {
  private static final char[] PASS = "a passphrase".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  private KeyRing open(String id, char[] pass) throws Exception {
    return KeyRing.openOrCreate(dir, id, pass, 64, 1, RANDOM);
  }

  @Test
  void firstStart_generates_thenReopensTheSameKeys() throws Exception {
    KeyRing created = open("ks-1", PASS);
    KeyRing reopened = open("ks-1", PASS);

    assertThat(reopened.signing().verifyingKey()).isEqualTo(created.signing().verifyingKey());
    assertThat(reopened.current().version()).isEqualTo(1);
    assertThat(reopened.current().pair().publicKey()).isEqualTo(created.current().pair().publicKey());
    assertThat(Files.getPosixFilePermissions(dir.resolve(KeyRing.FILE_NAME)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void keyFile_holdsNoPrivateKeyInClear() throws Exception {
    KeyRing ring = open("ks-1", PASS);
    ring.rotate();
    String file = Files.readString(dir.resolve(KeyRing.FILE_NAME), StandardCharsets.UTF_8);

    for (KeyRing.Version v : ring.versions()) {
      byte[] secret = v.pair().tinkKey().getPrivateKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
      assertThat(file).doesNotContain(Base64Url.encode(secret))
          .doesNotContain(Base64.getEncoder().encodeToString(secret))
          .doesNotContain(Hex.to0x(secret).substring(2));
    }
    assertThat(ring.toString()).doesNotContain("private");
    assertThat(new JsonObject(file).fieldNames()).containsExactlyInAnyOrder("version", "kind", "serverId", "kdf",
        "signingKeyset", "hpkeKeyset");
  }

  @Test
  void rotation_keepsOldVersions_andPicksByFingerprint() throws Exception {
    KeyRing ring = open("ks-1", PASS);
    KeyRing.Version v1 = ring.current();
    KeyRing.Version v2 = ring.rotate();
    KeyRing.Version v3 = ring.rotate();

    KeyRing reopened = open("ks-1", PASS);
    assertThat(reopened.current().version()).isEqualTo(3);
    assertThat(reopened.versions()).extracting(KeyRing.Version::version).containsExactly(1, 2, 3);
    for (KeyRing.Version v : java.util.List.of(v1, v2, v3)) {
      assertThat(reopened.byFingerprint(v.fingerprint()).version()).isEqualTo(v.version());
    }
    assertThat(reopened.byFingerprint(new byte[32])).isNull();
  }

  @Test
  void wrongPassphrase_isRefused() throws Exception {
    open("ks-1", PASS);
    assertThatThrownBy(() -> open("ks-1", "wrong".toCharArray())).isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void anotherServersFile_orEditedSettings_areRefused() throws Exception {
    open("ks-1", PASS);
    assertThatThrownBy(() -> open("ks-2", PASS)).isInstanceOf(IOException.class).hasMessageContaining("ks-1");

    Path file = dir.resolve(KeyRing.FILE_NAME);
    JsonObject doc = new JsonObject(Files.readString(file));
    doc.getJsonObject("kdf").put("iterations", 2);
    Files.writeString(file, doc.encode());
    assertThatThrownBy(() -> open("ks-1", PASS)).isInstanceOf(WrongPassphraseException.class);

    doc = new JsonObject(Files.readString(file));
    doc.put("serverId", "ks-2");
    Files.writeString(file, doc.encode());
    assertThatThrownBy(() -> open("ks-2", PASS)).isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void garbage_isNotAKeyFile() throws Exception {
    Files.writeString(dir.resolve(KeyRing.FILE_NAME), "{\"version\":1}");
    assertThatThrownBy(() -> open("ks-1", PASS)).isInstanceOf(IOException.class).hasMessageContaining("not a key file");
    Files.writeString(dir.resolve(KeyRing.FILE_NAME), "not json");
    assertThatThrownBy(() -> open("ks-1", PASS)).isInstanceOf(IOException.class).hasMessageContaining("not a key file");
  }
}
