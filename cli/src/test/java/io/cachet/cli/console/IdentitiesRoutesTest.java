package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import io.cachet.cli.TestIdentities;
import io.cachet.crypto.Address;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The identities and contacts routes over real HTTP against a real {@link ConsoleServer}, as the
 * page calls them. Identities the test only unlocks are written with cheap Argon2id
 * ({@link TestIdentities}); the one created through the console pays the real cost.
 */
class IdentitiesRoutesTest {
  static final String PASS = "vellum-orchard-7-tangerine";

  @TempDir Path home;
  ConsoleServer console;
  ConsoleHttp http;

  @BeforeEach
  void start() throws Exception {
    console = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()));
    http = ConsoleHttp.open(console);
  }

  @AfterEach
  void stop() {
    console.close();
  }

  private Address cheapIdentity(String name) throws Exception {
    Path file = home.resolve("pass-" + name + ".txt");
    Files.writeString(file, PASS + "\n");
    return TestIdentities.ed25519(home, name, file);
  }

  private static JsonObject unlockBody(String pass) {
    return new JsonObject().put("passphrase", pass);
  }

  private JsonObject listed(String name) throws Exception {
    JsonArray ids = http.get("/api/identities").json().getJsonArray("identities");
    for (int i = 0; i < ids.size(); i++) {
      if (ids.getJsonObject(i).getString("name").equals(name)) {
        return ids.getJsonObject(i);
      }
    }
    return null;
  }

  @Test
  void create_isUnlockedAtOnce_andListedWithItsAddress() throws Exception {
    ConsoleHttp.Answer made = http.post("/api/identities",
        new JsonObject().put("name", "alice").put("passphrase", PASS).put("evm", false));
    assertThat(made.status()).as(made.text()).isEqualTo(200);
    String address = made.json().getString("address");
    assertThat(address).startsWith("0x").hasSize(66);
    assertThat(made.json().getBoolean("unlocked")).isTrue();
    assertThat(made.json().containsKey("keystore")).as("no file path in an answer").isFalse();

    JsonObject alice = listed("alice");
    assertThat(alice.getString("address")).isEqualTo(address);
    assertThat(alice.getBoolean("unlocked")).isTrue();
    assertThat(alice.getString("until")).isNotNull();
    assertThat(alice.getBoolean("default")).isTrue();
    assertThat(alice.getString("kind")).isEqualTo("ed25519");
    assertThat(alice.containsKey("keystore")).isFalse();
    assertThat(http.get("/api/identities/acting?as=alice").json().getString("address")).isEqualTo(address);

    ConsoleHttp.Answer again = http.post("/api/identities",
        new JsonObject().put("name", "alice").put("passphrase", PASS));
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.reason()).isEqualTo("IDENTITY_EXISTS");
    assertThat(again.text()).doesNotContain(home.toString());
  }

  @Test
  void create_evm_isASecp256k1Identity_heldUnlocked() throws Exception {
    ConsoleHttp.Answer made = http.post("/api/identities",
        new JsonObject().put("name", "carol").put("passphrase", PASS).put("evm", true));
    assertThat(made.status()).as(made.text()).isEqualTo(200);
    assertThat(made.json().getString("kind")).isEqualTo("secp256k1");
    assertThat(made.json().getString("address")).startsWith("0x").hasSize(42);
    assertThat(listed("carol").getBoolean("unlocked")).isTrue();
  }

  @Test
  void create_withoutAPassphrase_orWithANameLikeAnOption_isRefused_andWritesNothing() throws Exception {
    assertThat(http.post("/api/identities", new JsonObject().put("name", "alice")).reason())
        .isEqualTo("NO_PASSPHRASE");
    ConsoleHttp.Answer option = http.post("/api/identities",
        new JsonObject().put("name", "--home=/tmp/elsewhere").put("passphrase", PASS));
    assertThat(option.status()).isEqualTo(400);
    assertThat(option.reason()).isEqualTo("BAD_NAME");
    ConsoleHttp.Answer bad = http.post("/api/identities",
        new JsonObject().put("name", "Alice Smith").put("passphrase", PASS));
    assertThat(bad.reason()).isEqualTo("BAD_NAME");
    assertThat(Files.exists(home.resolve("ids"))).isFalse();
  }

  @Test
  void unlock_withAWrongPassphrase_isRefusedWithoutDetail_andTheRightOneUnlocks() throws Exception {
    Address bob = cheapIdentity("bob");
    ConsoleHttp.Answer wrong = http.post("/api/identities/bob/unlock", unlockBody("not-" + PASS));
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(wrong.reason()).isEqualTo("WRONG_PASSPHRASE");
    assertThat(wrong.error().getString("message")).isEqualTo("wrong passphrase");
    assertThat(wrong.error().containsKey("hint")).isFalse();
    assertThat(listed("bob").getBoolean("unlocked")).isFalse();

    ConsoleHttp.Answer right = http.post("/api/identities/bob/unlock", unlockBody(PASS));
    assertThat(right.status()).as(right.text()).isEqualTo(200);
    assertThat(right.json().getString("address")).isEqualTo(bob.toString());
    assertThat(listed("bob").getBoolean("unlocked")).isTrue();
  }

  @Test
  void unlock_afterFiveWrongPassphrases_refusesEvenTheRightOne_forThatNameOnly() throws Exception {
    cheapIdentity("bob");
    cheapIdentity("carol");
    for (int i = 0; i < UnlockTries.MAX_WRONG; i++) {
      assertThat(http.post("/api/identities/bob/unlock", unlockBody("guess-" + i)).reason())
          .isEqualTo("WRONG_PASSPHRASE");
    }
    ConsoleHttp.Answer sixth = http.post("/api/identities/bob/unlock", unlockBody(PASS));
    assertThat(sixth.status()).isEqualTo(429);
    assertThat(sixth.reason()).isEqualTo("TOO_MANY_TRIES");
    assertThat(sixth.firstValue("Retry-After")).isPresent();
    assertThat(listed("bob").getBoolean("unlocked")).isFalse();

    assertThat(http.post("/api/identities/carol/unlock", unlockBody(PASS)).status()).isEqualTo(200);
  }

  @Test
  void unlock_ofAnUnknownName_isNoSuchIdentity_withoutAPath() throws Exception {
    ConsoleHttp.Answer r = http.post("/api/identities/nobody/unlock", unlockBody(PASS));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.reason()).isEqualTo("NO_SUCH_IDENTITY");
    assertThat(r.text()).doesNotContain(home.toString());
  }

  @Test
  void lock_thenActingAsIt_isLockedIdentity() throws Exception {
    cheapIdentity("bob");
    assertThat(http.post("/api/identities/bob/unlock", unlockBody(PASS)).status()).isEqualTo(200);
    assertThat(http.get("/api/identities/acting?as=bob").status()).isEqualTo(200);

    ConsoleHttp.Answer lock = http.post("/api/identities/bob/lock", new JsonObject());
    assertThat(lock.status()).isEqualTo(200);
    assertThat(lock.json().getBoolean("wasUnlocked")).isTrue();
    assertThat(listed("bob").getBoolean("unlocked")).isFalse();

    ConsoleHttp.Answer acting = http.get("/api/identities/acting?as=bob");
    assertThat(acting.status()).isEqualTo(409);
    assertThat(acting.reason()).isEqualTo("LOCKED_IDENTITY");
    assertThat(http.get("/api/identities/acting").reason()).isEqualTo("NO_IDENTITY");
  }

  @Test
  void list_saysWhenTheNetworksChainIsEvm_forThePagesDefault() throws Exception {
    assertThat(http.get("/api/identities").json().containsKey("evmNetwork")).isFalse();
    Files.writeString(home.resolve("network.json"), "{\"format\": \"cachet-network/1\", \"chain\": {\"kind\":"
        + " \"evm\", \"rpcUrl\": \"http://127.0.0.1:8545\", \"chainId\": 31337, \"confirmations\": 0,"
        + " \"policies\": \"0x5FbDB2315678afecb367f032d93F642f64180aa3\", \"blobRegistry\":"
        + " \"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"}, \"keyServers\": {\"threshold\": 1, \"servers\":"
        + " [{\"id\": \"ks-1\", \"url\": \"http://127.0.0.1:7201\", \"signingKey\":"
        + " \"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\"}]}, \"storage\": {\"publisher\":"
        + " \"http://127.0.0.1:7300\", \"aggregator\": \"http://127.0.0.1:7300\", \"epochs\": 3}}");
    assertThat(http.get("/api/identities").json().getBoolean("evmNetwork")).isTrue();
  }

  @Test
  void address_downloadsAsNameDotAddress() throws Exception {
    Address bob = cheapIdentity("bob");
    ConsoleHttp.Answer r = http.get("/api/identities/bob/address");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo(bob + "\n");
    assertThat(r.firstValue("Content-Disposition").orElse(""))
        .isEqualTo("attachment; filename=\"bob.address\"");
    assertThat(r.firstValue("Content-Type").orElse("")).startsWith("text/plain");

    ConsoleHttp.Answer unknown = http.get("/api/identities/nobody/address");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.reason()).isEqualTo("NO_SUCH_IDENTITY");
    assertThat(unknown.text()).doesNotContain(home.toString());
  }

  @Test
  void contacts_addListRemove() throws Exception {
    String dana = "0x" + "ab".repeat(32);
    ConsoleHttp.Answer add = http.post("/api/contacts", new JsonObject().put("name", "dana").put("address", dana));
    assertThat(add.status()).as(add.text()).isEqualTo(200);
    JsonArray list = http.get("/api/contacts").json().getJsonArray("contacts");
    assertThat(list).hasSize(1);
    assertThat(list.getJsonObject(0).getString("name")).isEqualTo("dana");
    assertThat(list.getJsonObject(0).getString("address")).isEqualTo(dana);

    assertThat(http.delete("/api/contacts/dana").status()).isEqualTo(200);
    assertThat(http.get("/api/contacts").json().getJsonArray("contacts")).isEmpty();
    ConsoleHttp.Answer again = http.delete("/api/contacts/dana");
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.reason()).isEqualTo("NO_SUCH_CONTACT");
  }

  @Test
  void contactAdd_withABadAddress_isRefusedWithTheCommandsReason() throws Exception {
    cheapIdentity("bob");
    ConsoleHttp.Answer bad = http.post("/api/contacts",
        new JsonObject().put("name", "dana").put("address", "0x12zz"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.reason()).isEqualTo("BAD_ADDRESS");
    assertThat(bad.error().getString("hint")).contains("cachet id export");

    ConsoleHttp.Answer option = http.post("/api/contacts",
        new JsonObject().put("name", "dana").put("address", "--home=/tmp/elsewhere"));
    assertThat(option.reason()).isEqualTo("BAD_ADDRESS");

    ConsoleHttp.Answer taken = http.post("/api/contacts",
        new JsonObject().put("name", "bob").put("address", "0x" + "cd".repeat(32)));
    assertThat(taken.reason()).isEqualTo("NAME_OF_IDENTITY");
    assertThat(http.get("/api/contacts").json().getJsonArray("contacts")).isEmpty();
  }

  @Test
  void change_withoutTheCsrfToken_isRefused_andChangesNothing() throws Exception {
    cheapIdentity("bob");
    ConsoleHttp.Answer unlock = http.postWithoutCsrf("/api/identities/bob/unlock", unlockBody(PASS));
    assertThat(unlock.status()).isEqualTo(403);
    assertThat(unlock.reason()).isEqualTo("CSRF");
    assertThat(listed("bob").getBoolean("unlocked")).isFalse();

    ConsoleHttp.Answer contact = http.postWithoutCsrf("/api/contacts",
        new JsonObject().put("name", "dana").put("address", "0x" + "ab".repeat(32)));
    assertThat(contact.reason()).isEqualTo("CSRF");
    assertThat(http.get("/api/contacts").json().getJsonArray("contacts")).isEmpty();
  }

  @Test
  void noAnswerOrLogLine_carriesThePassphrase() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    // every line at every level is kept for the check, and not printed
    List<Appender<ILoggingEvent>> printing = new ArrayList<>();
    root.iteratorForAppenders().forEachRemaining(printing::add);
    printing.forEach(root::detachAppender);
    root.addAppender(log);
    root.setLevel(Level.ALL);
    try {
      cheapIdentity("bob");
      http.post("/api/identities", new JsonObject().put("name", "alice").put("passphrase", PASS));
      http.post("/api/identities", new JsonObject().put("name", "alice").put("passphrase", PASS));
      http.post("/api/identities", new JsonObject().put("name", "Bad Name").put("passphrase", PASS));
      http.post("/api/identities/bob/unlock", unlockBody(PASS + "x"));
      http.post("/api/identities/bob/unlock", unlockBody(PASS));
      http.post("/api/identities/nobody/unlock", unlockBody(PASS));
      http.post("/api/identities/bob/lock", new JsonObject());
      http.get("/api/identities");
    } finally {
      root.detachAppender(log);
      root.setLevel(before);
      printing.forEach(root::addAppender);
    }
    assertThat(http.bodies).isNotEmpty().allSatisfy(b -> assertThat(b).doesNotContain(PASS));
    assertThat(log.list).as("the console was heard").isNotEmpty();
    assertThat(log.list).allSatisfy(e -> assertThat(e.getFormattedMessage() + e.getThrowableProxy())
        .doesNotContain(PASS));
    assertThat(Files.readString(home.resolve("ids/alice.json"))).doesNotContain(PASS);
  }
}
