package io.cachet.cli.id;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Keystore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdCommandTest {
  @TempDir Path home;
  Path pass;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @BeforeEach
  void passphrase() throws Exception {
    pass = home.resolve("pass.txt");
    Files.writeString(pass, "correct horse battery staple\n");
  }

  @Test
  void new_list_show_theFirstIsTheDefault() throws Exception {
    Run a = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString(), "--json");
    assertThat(a.exit()).as(a.err()).isEqualTo(ExitCodes.OK);
    JsonNode alice = new ObjectMapper().readTree(a.out());
    assertThat(alice.get("default").asBoolean()).isTrue();
    assertThat(alice.get("address").asText()).startsWith("0x").hasSize(66);

    Run b = run("id", "new", "bob", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(b.exit()).as(b.err()).isEqualTo(ExitCodes.OK);
    assertThat(b.out()).contains("created identity bob").doesNotContain("(default)");

    Run list = run("id", "list", "--home", home.toString(), "--json");
    JsonNode ids = new ObjectMapper().readTree(list.out()).get("identities");
    assertThat(ids).hasSize(2);
    assertThat(ids.get(0).get("name").asText()).isEqualTo("alice");
    assertThat(ids.get(0).get("default").asBoolean()).isTrue();

    Run show = run("id", "show", "--home", home.toString());
    assertThat(show.out()).contains("identity alice (default)").contains(alice.get("address").asText());

    // the keystore is the crypto module's format, readable only by its owner, and opens with the passphrase
    Path file = home.resolve("ids/alice.json");
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Keystore.decrypt(Files.readAllBytes(file), "correct horse battery staple".toCharArray())
        .address().toString()).isEqualTo(alice.get("address").asText());
    assertThat(Files.readString(file)).doesNotContain("correct horse");
  }

  @Test
  void defaultCanBeMoved() {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    Run b = run("id", "new", "bob", "--default", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(b.out()).contains("(default)");
    assertThat(run("id", "list", "--home", home.toString()).out()).containsPattern("\\* bob");
  }

  @Test
  void existingName_isRefused_andTheKeystoreIsUntouched() throws Exception {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    byte[] before = Files.readAllBytes(home.resolve("ids/alice.json"));
    Run again = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(again.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(again.err()).contains("exists already");
    assertThat(Files.readAllBytes(home.resolve("ids/alice.json"))).isEqualTo(before);
  }

  @Test
  void badNames_unknownIds_andMissingPassphrases_areUsageErrors() throws Exception {
    for (String bad : new String[] {"Alice", "../x", "-x", "", "a".repeat(33), "a b"}) {
      Run r = run("id", "new", bad, "--home", home.toString(), "--passphrase-file", pass.toString());
      assertThat(r.exit()).as(bad).isEqualTo(ExitCodes.USAGE);
    }
    assertThat(Files.exists(home.resolve("ids"))).isFalse();

    Run unknown = run("id", "show", "carol", "--home", home.toString());
    assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("no identity named 'carol'");

    Run noDefault = run("id", "show", "--home", home.toString());
    assertThat(noDefault.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noDefault.err()).contains("cachet id new NAME");

    Path empty = home.resolve("empty.txt");
    Files.writeString(empty, "\n");
    Run r = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", empty.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("empty line");
  }

  @Test
  void damagedKeystore_isAnIoErrorNamingTheFile() throws Exception {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    Files.writeString(home.resolve("ids/alice.json"), "{not a keystore");
    Run r = run("id", "list", "--home", home.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("alice.json").contains("damaged");
  }

  @Test
  void emptyHome_listsNothingHelpfully() {
    Run r = run("id", "list", "--home", home.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("cachet id new NAME");
  }
}
