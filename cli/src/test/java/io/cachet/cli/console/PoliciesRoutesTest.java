package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.TestIdentities;
import io.cachet.cli.agent.HeldIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.Address;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's policies routes against a real console on loopback and a real in-JVM devnet,
 * spoken to over HTTP as the page does: the session cookie from the link, the CSRF token on every
 * change. Alice and carol are unlocked in the console; bob and dave are only named.
 */
class PoliciesRoutesTest {
  private static final String PASSPHRASE = "a passphrase for the test";
  /** Far enough from now that a block's time a few seconds behind this clock never changes a state. */
  private static final Duration MARGIN = Duration.ofHours(1);

  @TempDir static Path home;
  static Devnet devnet;
  static ConsoleServer console;
  static ConsoleHttp http;
  static Address bob;
  static Address dave;

  @BeforeAll
  static void start() throws Exception {
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024));
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, PASSPHRASE + "\n");
    for (String who : List.of("alice", "carol")) {
      TestIdentities.ed25519(home, who, pass);
    }
    bob = TestIdentities.ed25519(home, "bob", pass);
    dave = TestIdentities.ed25519(home.resolve("elsewhere"), "dave", pass);
    console = ConsoleServer.start(new ConsoleServer.Options(home, devnet.descriptorFile(), 0, Map.of()));
    for (String who : List.of("alice", "carol")) {
      unlock(console.held(), who);
    }
    http = ConsoleHttp.open(console);
  }

  @AfterAll
  static void stop() {
    if (console != null) {
      console.close();
    }
    if (devnet != null) {
      devnet.close();
    }
  }

  private static void unlock(HeldIdentities held, String name) throws Exception {
    Path file = new IdentityStore(home.resolve("ids")).show(name).file();
    char[] pass = PASSPHRASE.toCharArray();
    held.add(name, Files.readAllBytes(file), pass, null);
  }

  /** A new allow-list owned by alice, through the route. */
  private static String newAllowList() throws Exception {
    ConsoleHttp.Answer created = http.post("/api/policies", new JsonObject().put("kind", "allow-list").put("as", "alice"));
    assertThat(created.status()).as("%s", created).isEqualTo(200);
    return created.json().getString("id");
  }

  private static JsonObject show(String policy) throws Exception {
    ConsoleHttp.Answer shown = http.get("/api/policies/" + policy);
    assertThat(shown.status()).as("%s", shown).isEqualTo(200);
    return shown.json();
  }

  private static Optional<JsonObject> member(JsonObject shown, Address who) {
    return shown.getJsonArray("members").stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("address").equals(who.toString())).findFirst();
  }

  private static JsonObject check(String policy, String who) throws Exception {
    ConsoleHttp.Answer a = http.get("/api/policies/" + policy + "/check?who=" + URLEncoder.encode(who, StandardCharsets.UTF_8));
    assertThat(a.status()).as("%s", a).isEqualTo(200);
    return a.json();
  }

  // ---------------------------------------------------------------- list and create

  @Test
  void list_namesThePoliciesTheActingIdentityOwns_withItsRole() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer list = http.get("/api/policies?as=alice");
    assertThat(list.status()).as("%s", list).isEqualTo(200);
    JsonArray policies = list.json().getJsonArray("policies");
    assertThat(policies.stream().map(JsonObject.class::cast))
        .anySatisfy(p -> {
          assertThat(p.getString("id")).isEqualTo(policy);
          assertThat(p.getString("role")).isEqualTo("owner");
          assertThat(p.getString("identity")).isEqualTo("alice");
        });
    ConsoleHttp.Answer carols = http.get("/api/policies?as=carol");
    assertThat(carols.json().getJsonArray("policies").stream().map(JsonObject.class::cast)
        .map(p -> p.getString("id"))).doesNotContain(policy);
  }

  @Test
  void create_aTimeLock_isShownClosedWithItsUnlockTime_andCheckAnswersLocked() throws Exception {
    Instant opens = Instant.now().plus(MARGIN).truncatedTo(ChronoUnit.SECONDS);
    ConsoleHttp.Answer created = http.post("/api/policies", new JsonObject().put("kind", "time-lock")
        .put("unlockAt", opens.toEpochMilli()).put("as", "alice"));
    assertThat(created.status()).as("%s", created).isEqualTo(200);
    String id = created.json().getString("id");
    JsonObject shown = show(id);
    assertThat(shown.getString("kind")).isEqualTo("time-lock");
    assertThat(Instant.parse(shown.getString("unlockAt"))).isEqualTo(opens);
    assertThat(shown.getBoolean("open")).isFalse();
    assertThat(shown.getString("judgedBy")).isEqualTo("ledger");
    JsonObject answer = check(id, "bob");
    assertThat(answer.getBoolean("allowed")).isFalse();
    assertThat(answer.getString("reason")).isEqualTo("LOCKED");
  }

  @Test
  void create_aTimeLockWithoutItsTime_isRefusedAsABadArgument() throws Exception {
    ConsoleHttp.Answer a = http.post("/api/policies", new JsonObject().put("kind", "time-lock").put("as", "alice"));
    assertThat(a.status()).isEqualTo(400);
    assertThat(a.reason()).isEqualTo("BAD_ARGUMENT");
    assertThat(a.message()).contains("unlockAt");
  }

  // ---------------------------------------------------------------- grants and windows

  @Test
  void grant_withWindows_showGivesEachMembersState_andCheckGivesTheReason() throws Exception {
    String policy = newAllowList();
    Instant now = Instant.now();
    grantOk(policy, new JsonObject().put("who", "bob").put("until", now.plus(MARGIN).toString()));
    grantOk(policy, new JsonObject().put("who", dave.toString()).put("from", now.plus(MARGIN).toEpochMilli()));
    grantOk(policy, new JsonObject().put("who", "carol").put("from", now.minus(MARGIN.multipliedBy(2)).toString())
        .put("until", now.minus(MARGIN).toString()).put("allowEnded", true));
    JsonObject shown = show(policy);
    assertThat(member(shown, bob).orElseThrow().getString("state")).isEqualTo("active");
    assertThat(member(shown, bob).orElseThrow().getString("name")).isEqualTo("bob");
    assertThat(member(shown, dave).orElseThrow().getString("state")).isEqualTo("not yet");
    assertThat(shown.getJsonArray("members").stream().map(JsonObject.class::cast)
        .filter(m -> "carol".equals(m.getString("name"))).findFirst().orElseThrow().getString("state"))
        .isEqualTo("expired");
    assertThat(check(policy, "bob").getString("reason")).isEqualTo("ALLOWED");
    assertThat(check(policy, "bob").getBoolean("allowed")).isTrue();
    assertThat(check(policy, dave.toString()).getString("reason")).isEqualTo("NOT_YET_VALID");
    assertThat(check(policy, "carol").getString("reason")).isEqualTo("EXPIRED");
    assertThat(check(policy, "alice").getString("reason")).isEqualTo("NOT_A_MEMBER");
    assertThat(check(policy, "alice").getBoolean("allowed")).isFalse();
  }

  @Test
  void grant_aWindowThatAlreadyEnded_isRefusedWithItsReasonAndHint() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members", new JsonObject().put("who", "bob")
        .put("until", Instant.now().minus(MARGIN).toString()).put("as", "alice"));
    assertThat(a.status()).as("%s", a).isEqualTo(400);
    assertThat(a.reason()).isEqualTo("WINDOW_ENDED");
    assertThat(a.error().getString("hint")).isNotBlank();
    assertThat(member(show(policy), bob)).isEmpty();
  }

  @Test
  void changeWindow_replacesTheMembersWindow() throws Exception {
    String policy = newAllowList();
    grantOk(policy, new JsonObject().put("who", "bob"));
    Instant until = Instant.now().plus(MARGIN).truncatedTo(ChronoUnit.SECONDS);
    ConsoleHttp.Answer changed = http.put("/api/policies/" + policy + "/members/bob",
        new JsonObject().put("until", until.toString()).put("as", "alice"));
    assertThat(changed.status()).as("%s", changed).isEqualTo(200);
    JsonObject m = member(show(policy), bob).orElseThrow();
    assertThat(m.getLong("notAfter")).isEqualTo(until.toEpochMilli());
    assertThat(m.getString("state")).isEqualTo("active");
  }

  @Test
  void revoke_removesTheMember_andCheckThenSaysNotAMember() throws Exception {
    String policy = newAllowList();
    grantOk(policy, new JsonObject().put("who", bob.toString()));
    ConsoleHttp.Answer revoked = http.delete("/api/policies/" + policy + "/members/" + bob + "?as=alice");
    assertThat(revoked.status()).as("%s", revoked).isEqualTo(200);
    assertThat(member(show(policy), bob)).isEmpty();
    assertThat(check(policy, bob.toString()).getString("reason")).isEqualTo("NOT_A_MEMBER");
  }

  // ---------------------------------------------------------------- admins

  @Test
  void adminAdd_letsTheAdminGrant_andAdminRemoveTakesItBack() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer added = http.post("/api/policies/" + policy + "/admins",
        new JsonObject().put("who", "carol").put("as", "alice"));
    assertThat(added.status()).as("%s", added).isEqualTo(200);
    JsonObject shown = show(policy);
    String carol = shown.getJsonArray("admins").getString(0);
    assertThat(shown.getJsonObject("names").getString(carol)).isEqualTo("carol");
    ConsoleHttp.Answer byAdmin = http.post("/api/policies/" + policy + "/members",
        new JsonObject().put("who", "bob").put("as", "carol"));
    assertThat(byAdmin.status()).as("%s", byAdmin).isEqualTo(200);
    assertThat(http.get("/api/policies?as=carol").json().getJsonArray("policies").stream()
        .map(JsonObject.class::cast)).anySatisfy(p -> {
          assertThat(p.getString("id")).isEqualTo(policy);
          assertThat(p.getString("role")).isEqualTo("admin");
        });
    ConsoleHttp.Answer removed = http.delete("/api/policies/" + policy + "/admins/carol?as=alice");
    assertThat(removed.status()).as("%s", removed).isEqualTo(200);
    assertThat(show(policy).getJsonArray("admins")).isEmpty();
  }

  @Test
  void transfer_makesTheNewOwner_andTheOldOwnerThenChangesNothing() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer moved = http.post("/api/policies/" + policy + "/owner",
        new JsonObject().put("who", "carol").put("as", "alice"));
    assertThat(moved.status()).as("%s", moved).isEqualTo(200);
    JsonObject shown = show(policy);
    assertThat(shown.getJsonObject("names").getString(shown.getString("owner"))).isEqualTo("carol");
    ConsoleHttp.Answer byOldOwner = http.post("/api/policies/" + policy + "/members",
        new JsonObject().put("who", "bob").put("as", "alice"));
    assertThat(byOldOwner.status()).isEqualTo(403);
    assertThat(byOldOwner.reason()).isEqualTo("NOT_AUTHORIZED");
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void grant_byNeitherOwnerNorAdmin_isRefusedWithTheLedgersReason() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members",
        new JsonObject().put("who", "bob").put("as", "carol"));
    assertThat(a.status()).as("%s", a).isEqualTo(403);
    assertThat(a.reason()).isEqualTo("NOT_AUTHORIZED");
    assertThat(a.message()).isNotBlank();
    assertThat(member(show(policy), bob)).isEmpty();
  }

  @Test
  void grant_withoutTheCsrfToken_isRefused_andChangesNothing() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer a = http.send("POST", "/api/policies/" + policy + "/members", Map.of("Content-Type",
        "application/json"), new JsonObject().put("who", "bob").put("as", "alice").encode()
        .getBytes(StandardCharsets.UTF_8));
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.reason()).isEqualTo("CSRF");
    assertThat(member(show(policy), bob)).isEmpty();
  }

  @Test
  void grant_asAnIdentityNotUnlocked_isRefusedLockedIdentity() throws Exception {
    String policy = newAllowList();
    ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members",
        new JsonObject().put("who", "carol").put("as", "bob"));
    assertThat(a.status()).isEqualTo(409);
    assertThat(a.reason()).isEqualTo("LOCKED_IDENTITY");
  }

  @Test
  void grant_aWhoNamedAsTheIdentityStoreRefuses_isRefusedBadArgument() throws Exception {
    String policy = newAllowList();
    for (String who : List.of("Bob", "bob.carol", "b".repeat(33))) {
      ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members",
          new JsonObject().put("who", who).put("as", "alice"));
      assertThat(a.status()).as(who).isEqualTo(400);
      assertThat(a.reason()).as(who).isEqualTo("BAD_ARGUMENT");
    }
  }

  @Test
  void grant_aWhoThatIsAnOptionOrAnArgumentFile_isRefusedBeforeAnyCommandRuns() throws Exception {
    String policy = newAllowList();
    for (String who : List.of("--network=/etc/passwd", "@/etc/passwd", "../bob", "bob carol")) {
      ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members",
          new JsonObject().put("who", who).put("as", "alice"));
      assertThat(a.status()).as(who).isEqualTo(400);
      assertThat(a.reason()).isEqualTo("BAD_ARGUMENT");
      assertThat(a.text()).doesNotContain("root:");
    }
    ConsoleHttp.Answer badTime = http.post("/api/policies/" + policy + "/members",
        new JsonObject().put("who", "bob").put("until", "@/etc/passwd").put("as", "alice"));
    assertThat(badTime.reason()).isEqualTo("BAD_ARGUMENT");
    ConsoleHttp.Answer badId = http.get("/api/policies/@%2Fetc%2Fpasswd");
    assertThat(badId.reason()).isEqualTo("BAD_ARGUMENT");
  }

  @Test
  void check_anUnknownPolicy_answersUnknownPolicy() throws Exception {
    JsonObject a = check("0x" + "ab".repeat(32), "bob");
    assertThat(a.getBoolean("allowed")).isFalse();
    assertThat(a.getString("reason")).isEqualTo("UNKNOWN_POLICY");
  }

  /**
   * The build must not filter the page: Maven's resource filtering would turn a script's template
   * literal {@code ${id}} into the project's id, and every change the policy page sends would go to
   * the wrong path.
   */
  @Test
  void page_everyFileIsServedExactlyAsWritten() throws Exception {
    Path sources = Path.of("src/main/resources/console");
    List<Path> files;
    try (var listing = Files.list(sources)) {
      files = listing.filter(Files::isRegularFile).toList();
    }
    assertThat(files).extracting(f -> f.getFileName().toString()).contains("policies.js", "policy-timeline.js");
    for (Path f : files) {
      ConsoleHttp.Answer served = http.get("/" + f.getFileName());
      assertThat(served.status()).as("%s", f).isEqualTo(200);
      assertThat(served.text()).as("%s as served", f.getFileName())
          .isEqualTo(Files.readString(f, StandardCharsets.UTF_8));
    }
  }

  private static void grantOk(String policy, JsonObject body) throws Exception {
    ConsoleHttp.Answer a = http.post("/api/policies/" + policy + "/members", body.put("as", "alice"));
    assertThat(a.status()).as("%s", a).isEqualTo(200);
  }
}
